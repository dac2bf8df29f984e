namespace CtBone.Core.Phantoms;

/// <summary>The whole modelled patient: spine, pelvis and trunk, plus the texture that every series of the study shares.</summary>
internal sealed class PhantomScene
{
    private readonly ValueNoise _fineTexture;
    private readonly ValueNoise _coarseTexture;

    public PhantomScene(PhantomOptions options)
    {
        Options = options;
        Spine = SpineModel.Build(options);
        Trunk = new TrunkModel(Spine, options);
        Seed = (ulong)options.Seed;
        _fineTexture = new ValueNoise(PhantomRandom.Hash(Seed, 21), 2.4);
        _coarseTexture = new ValueNoise(PhantomRandom.Hash(Seed, 22), 6);
        IliacBottomZ = Trunk.S1.Frame.Origin.Z - 50;
    }

    public PhantomOptions Options { get; }

    public SpineModel Spine { get; }

    public TrunkModel Trunk { get; }

    public ulong Seed { get; }

    public double IliacBottomZ { get; }

    /// <summary>Spatially correlated trabecular texture in [−TrabecularTextureHu, +TrabecularTextureHu], fixed to the body.</summary>
    public double Texture(double x, double y, double z)
    {
        var bx = x - Options.PatientOffsetXMm;
        var by = y - Options.PatientOffsetYMm;
        return Options.TrabecularTextureHu * ((0.65 * _fineTexture.At(bx, by, z)) + (0.35 * _coarseTexture.At(bx, by, z)));
    }

    /// <summary>
    /// The iliac wing of one side in the plane at height z, as a curved band from the sacroiliac joint sweeping laterally and
    /// forward (a quadratic Bézier), thickest at the back and at the crest. Empty outside the wing's height.
    /// </summary>
    public List<(double Ax, double Ay, double Bx, double By, double Radius)> IliacWing(double z, double side)
    {
        var segments = new List<(double, double, double, double, double)>();
        var crest = Trunk.IliacCrestZ;
        if (z < IliacBottomZ || z > crest)
        {
            return segments;
        }

        var h = (z - IliacBottomZ) / (crest - IliacBottomZ);
        var s1 = Trunk.S1.Frame.Origin;
        var a1 = Trunk.S1.HalfWidth;
        var start = (X: s1.X + (side * (a1 + 44)), Y: s1.Y + 28);
        var control = (X: s1.X + (side * (a1 + 78)), Y: s1.Y + 22);
        var end = (X: s1.X + (side * (a1 + 92 + (20 * h))), Y: s1.Y - 35 - (15 * h));
        var crestBoost = Math.Clamp((h - 0.85) / 0.15, 0, 1);
        var rounding = h > 0.96 ? Math.Sqrt(Math.Max(0.05, 1 - Math.Pow((h - 0.96) / 0.04, 2))) : 1;
        const int count = 10;
        (double X, double Y) Point(double t)
        {
            var m = 1 - t;
            return ((m * m * start.X) + (2 * m * t * control.X) + (t * t * end.X), (m * m * start.Y) + (2 * m * t * control.Y) + (t * t * end.Y));
        }

        for (var k = 0; k < count; k++)
        {
            var t0 = (double)k / count;
            var t1 = (double)(k + 1) / count;
            var p0 = Point(t0);
            var p1 = Point(t1);
            var radius = (6 - (3 * (t0 + t1) / 2)) * (1 + (0.5 * crestBoost)) * rounding;
            segments.Add((p0.X, p0.Y, p1.X, p1.Y, radius));
        }

        return segments;
    }

    /// <summary>Builds the truth ROI mean of one vertebra by sampling the noise-free model on a 0.5 mm grid in the body's frame.</summary>
    public double TruthTrabecularHu(VertebraModel v, double contrastOffsetHu)
    {
        var (centreV, halfU, halfV, halfW) = v.Roi;
        const double step = 0.5;
        double sum = 0;
        long count = 0;
        for (var w = -halfW; w <= halfW + 1e-9; w += step)
        {
            for (var dv = -halfV; dv <= halfV + 1e-9; dv += step)
            {
                for (var u = -halfU; u <= halfU + 1e-9; u += step)
                {
                    var e = (u / halfU * (u / halfU)) + (dv / halfV * (dv / halfV));
                    if (e > 1)
                    {
                        continue;
                    }

                    var vv = centreV + dv;
                    if (v.VeinDistance(u, vv, w) < 2 || v.BodyDistance(u, vv, w) > -(v.CorticalThicknessMm + 2))
                    {
                        continue;
                    }

                    var p = v.Frame.ToPatient(u, vv, w);
                    sum += Texture(p.X, p.Y, p.Z);
                    count++;
                }
            }
        }

        var meanTexture = count == 0 ? 0 : sum / count;
        return v.UnenhancedTrabecularHu + contrastOffsetHu + meanTexture;
    }
}
