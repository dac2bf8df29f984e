using CtBone.Core.Volumes;

namespace CtBone.Core.Phantoms;

/// <summary>
/// In-plane streak artifacts around metal, as filtered back-projection produces them: thin bright and dark rays radiating from
/// each metal cross-section, and a dark band along the line joining two pieces of metal (photon starvation and beam
/// hardening). A coarse imitation: amplitudes and decay are tuned by eye, not simulated from projections.
/// </summary>
internal static class MetalStreaks
{
    private const int RaysPerSource = 12;
    private const double RayHalfWidthMm = 1.0;
    private const double DecayMm = 45;
    private const double ReachMm = 2.5 * DecayMm;
    private const double BandSigmaMm = 3;

    private readonly record struct Source(double Ax, double Ay, double Bx, double By, double Weight, int Id)
    {
        public double Mx => (Ax + Bx) / 2;

        public double My => (Ay + By) / 2;
    }

    /// <summary>Adds streaks to the plane at height z for a slab of the given thickness; does nothing when no metal crosses it.</summary>
    public static void Add(SliceCanvas canvas, double z, double thicknessMm, SpineModel spine, double amplitudeHu, ulong seed)
    {
        var sources = Sources(z, thicknessMm, spine);
        if (sources.Count == 0 || amplitudeHu <= 0)
        {
            return;
        }

        var values = canvas.Values;
        foreach (var source in sources)
        {
            var strength = amplitudeHu * source.Weight;
            var angles = new double[RaysPerSource];
            var signs = new double[RaysPerSource];
            for (var k = 0; k < RaysPerSource; k++)
            {
                angles[k] = 2 * Math.PI * PhantomRandom.Uniform(seed, 31, (ulong)source.Id, (ulong)k);
                signs[k] = (PhantomRandom.Uniform(seed, 32, (ulong)source.Id, (ulong)k) < 0.5 ? -1 : 1)
                    * (0.5 + (0.5 * PhantomRandom.Uniform(seed, 33, (ulong)source.Id, (ulong)k)));
            }

            var box = new Aabb(source.Mx - ReachMm, source.My - ReachMm, z - 1, source.Mx + ReachMm, source.My + ReachMm, z + 1);
            if (!canvas.Range(box, z, out var i0, out var i1, out var j0, out var j1))
            {
                continue;
            }

            for (var j = j0; j <= j1; j++)
            {
                var dy = canvas.Y(j) - source.My;
                for (var i = i0; i <= i1; i++)
                {
                    var dx = canvas.X(i) - source.Mx;
                    var r2 = (dx * dx) + (dy * dy);
                    if (r2 < 9 || r2 > ReachMm * ReachMm)
                    {
                        continue;
                    }

                    var r = Math.Sqrt(r2);

                    var angle = Math.Atan2(dy, dx) + Math.PI;
                    var sum = 0.0;
                    for (var k = 0; k < RaysPerSource; k++)
                    {
                        var delta = Math.Abs(angle - angles[k]);
                        delta = Math.Min(delta, (2 * Math.PI) - delta);

                        // Small angles: the distance across the ray is r·δ; past four widths it adds nothing visible.
                        var across = r * delta / RayHalfWidthMm;
                        if (across < 4)
                        {
                            sum += signs[k] * Math.Exp(-0.5 * across * across);
                        }
                    }

                    if (sum != 0)
                    {
                        values[(j * canvas.Columns) + i] += (float)(strength * sum * Math.Exp(-r / DecayMm));
                    }
                }
            }
        }

        for (var a = 0; a < sources.Count; a++)
        {
            for (var b = a + 1; b < sources.Count; b++)
            {
                AddDarkBand(canvas, z, sources[a], sources[b], 0.8 * amplitudeHu * Math.Sqrt(sources[a].Weight * sources[b].Weight));
            }
        }
    }

    private static void AddDarkBand(SliceCanvas canvas, double z, Source p, Source q, double depthHu)
    {
        var reach = 3 * BandSigmaMm;
        var box = new Aabb(Math.Min(p.Mx, q.Mx) - reach, Math.Min(p.My, q.My) - reach, z - 1, Math.Max(p.Mx, q.Mx) + reach, Math.Max(p.My, q.My) + reach, z + 1);
        if (depthHu < 1 || !canvas.Range(box, z, out var i0, out var i1, out var j0, out var j1))
        {
            return;
        }

        var values = canvas.Values;
        for (var j = j0; j <= j1; j++)
        {
            var y = canvas.Y(j);
            for (var i = i0; i <= i1; i++)
            {
                var d = Sdf.Segment2D(canvas.X(i), y, p.Mx, p.My, q.Mx, q.My) / BandSigmaMm;
                if (d < 3)
                {
                    values[(j * canvas.Columns) + i] -= (float)(depthHu * Math.Exp(-0.5 * d * d));
                }
            }
        }
    }

    /// <summary>
    /// Metal crossing the slab [z − T/2, z + T/2]: screw shafts and heads as in-plane segments, rods as points. The weight is
    /// the mean in-plane chord of the metal cylinder over the slab, relative to its diameter (1 when the slab cuts through the
    /// middle of the metal).
    /// </summary>
    private static List<Source> Sources(double z, double thicknessMm, SpineModel spine)
    {
        var sources = new List<Source>();
        var id = 0;
        foreach (var screw in spine.Screws)
        {
            AddSegment(sources, z, thicknessMm, screw.Entry, screw.Tip, ScrewModel.ShaftRadiusMm, 1, id++);
            AddSegment(sources, z, thicknessMm, screw.Entry, screw.HeadEnd, ScrewModel.HeadRadiusMm, 0.8, id++);
        }

        foreach (var side in (string[])["left", "right"])
        {
            var rodPoints = spine.Screws.Where(s => s.Side == side).Select(s => s.RodPoint).OrderBy(p => p.Z).ToList();
            if (rodPoints.Count >= 2 && z > rodPoints[0].Z - 5 && z < rodPoints[^1].Z + 5)
            {
                var t = (z - rodPoints[0].Z) / (rodPoints[^1].Z - rodPoints[0].Z);
                var p = rodPoints[0] + ((rodPoints[^1] - rodPoints[0]) * Math.Clamp(t, 0, 1));
                sources.Add(new Source(p.X, p.Y, p.X, p.Y, 0.5, 1000 + id++));
            }
        }

        return sources;
    }

    private static void AddSegment(List<Source> sources, double z, double thicknessMm, Vector3D a, Vector3D b, double radius, double scale, int id)
    {
        const int samples = 5;
        var chord = 0.0;
        for (var q = 0; q < samples; q++)
        {
            var zq = z + ((((q + 0.5) / samples) - 0.5) * thicknessMm);
            var dz = b.Z - a.Z;
            var t = Math.Abs(dz) < 1e-6 ? 0.5 : Math.Clamp((zq - a.Z) / dz, 0, 1);
            var axisZ = a.Z + (t * dz);
            var off = (zq - axisZ) / radius;
            if (Math.Abs(off) < 1)
            {
                chord += Math.Sqrt(1 - (off * off));
            }
        }

        var weight = scale * chord / samples;
        if (weight > 0.02)
        {
            sources.Add(new Source(a.X, a.Y, b.X, b.Y, weight, id));
        }
    }
}
