using CtBone.Core.Volumes;

namespace CtBone.Core.Phantoms;

/// <summary>
/// Soft tissue of the trunk, drawn one axial plane at a time: outline, skin, subcutaneous fat, abdominal wall, organs,
/// vessels, muscles and the peritoneal contents. Sizes are those of an average adult abdomen (about 320 × 240 mm).
/// </summary>
internal sealed class TrunkModel
{
    private const double TrunkHalfDepthMm = 118;
    private const double TableHalfWidthMm = 210;
    private readonly SpineModel _spine;
    private readonly double _centreX;
    private readonly double _centreY;
    private readonly bool _includeTable;
    private readonly ValueNoise _bowel;
    private readonly ValueNoise _gas;
    private readonly (double Z, double X, double Y, double A, double B)[] _spineByZ;

    public TrunkModel(SpineModel spine, PhantomOptions options)
    {
        _spine = spine;
        _centreX = options.PatientOffsetXMm;
        _centreY = options.PatientOffsetYMm;
        _includeTable = options.IncludeTable;
        var seed = (ulong)options.Seed;
        _bowel = new ValueNoise(PhantomRandom.Hash(seed, 11), 18);
        _gas = new ValueNoise(PhantomRandom.Hash(seed, 12), 6);
        _spineByZ = [.. spine.Vertebrae.Select(v => (v.Frame.Origin.Z, v.Frame.Origin.X, v.Frame.Origin.Y, v.HalfWidth, v.HalfDepth)).OrderByDescending(p => p.Z)];

        var presacral = spine.Vertebrae.Where(v => !v.IsSacral).ToList();
        var secondLowest = presacral.First(v => v.PresacralIndex == 2);
        var lowest = presacral.First(v => v.PresacralIndex == 1);
        var lowestThoracic = spine.Vertebrae.Last(v => v.IsThoracic);
        IliacCrestZ = secondLowest.Frame.ToPatient(0, 0, secondLowest.Bottom).Z - 2;
        AorticBifurcationZ = secondLowest.Frame.Origin.Z;
        CavalConfluenceZ = lowest.Frame.Origin.Z;
        PsoasTopZ = lowestThoracic.Frame.ToPatient(0, 0, lowestThoracic.Bottom).Z;
        LowestPresacralZ = lowest.Frame.Origin.Z;
        var l1 = spine["L1"];
        KidneyLeftZ = l1.Frame.Origin.Z - 15;
        KidneyRightZ = KidneyLeftZ - 12;
        LiverZ = spine["T11"].Frame.Origin.Z;
        SpleenZ = spine["T10"].Frame.Origin.Z - 10;
        S1 = spine["S1"];
        TableTopY = _centreY + (0.94 * TrunkHalfDepthMm) + 3;
    }

    public double IliacCrestZ { get; }

    public double AorticBifurcationZ { get; }

    public double CavalConfluenceZ { get; }

    public double PsoasTopZ { get; }

    public double LowestPresacralZ { get; }

    public double KidneyLeftZ { get; }

    public double KidneyRightZ { get; }

    public double LiverZ { get; }

    public double SpleenZ { get; }

    public VertebraModel S1 { get; }

    public double TableTopY { get; }

    /// <summary>Centre and half-axes of the vertebral column at height z, interpolated between body centres.</summary>
    public (double X, double Y, double A, double B) SpineAt(double z)
    {
        var p = _spineByZ;
        if (z >= p[0].Z)
        {
            return (p[0].X, p[0].Y, p[0].A, p[0].B);
        }

        for (var i = 0; i + 1 < p.Length; i++)
        {
            if (z >= p[i + 1].Z)
            {
                var t = (p[i].Z - z) / (p[i].Z - p[i + 1].Z);
                return (Lerp(p[i].X, p[i + 1].X, t), Lerp(p[i].Y, p[i + 1].Y, t), Lerp(p[i].A, p[i + 1].A, t), Lerp(p[i].B, p[i + 1].B, t));
            }
        }

        return (p[^1].X, p[^1].Y, p[^1].A, p[^1].B);
    }

    /// <summary>Trunk half-width at z: a little narrower at the lower chest, wider over the pelvis.</summary>
    public double TrunkHalfWidth(double z)
    {
        var pelvis = SmoothStep((IliacCrestZ + 20 - z) / 60);
        var chest = SmoothStep((z - PsoasTopZ) / 60);
        return 158 + (12 * pelvis) - (8 * chest);
    }

    /// <summary>Draws the soft tissue of the plane at height z into the canvas.</summary>
    public void Paint(SliceCanvas canvas, double z, TissueHu hu)
    {
        var organs = OrgansAt(z, hu);
        var a = TrunkHalfWidth(z);
        var b = TrunkHalfDepthMm;
        var bPost = 0.94 * b;
        var (_, spineY, _, spineB) = SpineAt(z);
        var splitY = spineY - spineB + 10;
        var values = canvas.Values;
        for (var j = 0; j < canvas.Rows; j++)
        {
            var y = canvas.Y(j);
            var dy = y - _centreY;
            var row = j * canvas.Columns;
            for (var i = 0; i < canvas.Columns; i++)
            {
                var x = canvas.X(i);
                var dx = x - _centreX;
                var d = Sdf.Ellipse(dx, dy, a, dy > 0 ? bPost : b);
                if (d >= 0)
                {
                    values[row + i] = (float)(_includeTable ? TableValue(x, y, hu) : hu.Air);
                    continue;
                }

                if (d > -1.5)
                {
                    values[row + i] = (float)hu.Skin;
                    continue;
                }

                var r = Math.Sqrt((dx * dx) + (dy * dy)) + 1e-9;
                var sinTheta = dy / r;
                var fat = 20 + (8 * Math.Max(0, sinTheta)) + (2 * Math.Max(0, -sinTheta));
                if (d > -fat)
                {
                    values[row + i] = (float)hu.SubcutaneousFat;
                    continue;
                }

                var wall = 10 + (4 * Math.Abs(dx / r)) - (2 * Math.Max(0, sinTheta));
                var inner = d <= -(fat + wall);
                var value = double.NaN;
                foreach (var organ in organs)
                {
                    if ((inner || !organ.InnerOnly) && organ.Contains(x, y))
                    {
                        value = organ.Value;
                        break;
                    }
                }

                if (double.IsNaN(value))
                {
                    if (!inner)
                    {
                        value = hu.Muscle;
                    }
                    else if (y >= splitY)
                    {
                        value = hu.RetroperitonealFat;
                    }
                    else
                    {
                        value = Peritoneal(x, y, z, hu);
                    }
                }

                values[row + i] = (float)value;
            }
        }
    }

    private double Peritoneal(double x, double y, double z, TissueHu hu)
    {
        // Bowel loops and visceral fat as a smooth random pattern in body coordinates, with occasional gas.
        var bx = x - _centreX;
        var by = y - _centreY;
        var n = _bowel.At(bx, by, z);
        if (n <= 0.05)
        {
            return hu.VisceralFat;
        }

        return n > 0.35 && _gas.At(bx, by, z) > 0.6 ? hu.BowelGas : hu.Bowel;
    }

    /// <summary>The table under the patient: a carbon-fibre sandwich, curved up at the sides, 2 mm skins around a 28 mm foam core.</summary>
    private double TableValue(double x, double y, TissueHu hu)
    {
        if (Math.Abs(x) > TableHalfWidthMm || y < TableTopY - 16)
        {
            return hu.Air;
        }

        var curve = 15 * (x / TableHalfWidthMm) * (x / TableHalfWidthMm);
        var depth = y - (TableTopY - curve);
        return depth switch
        {
            < 0 => hu.Air,
            < 2 => hu.TableShell,
            < 30 => hu.TableFoam,
            < 32 => hu.TableShell,
            _ => hu.Air,
        };
    }

    private List<Organ> OrgansAt(double z, TissueHu hu)
    {
        var organs = new List<Organ>();
        var (sx, sy, sa, sb) = SpineAt(z);
        var front = sy - sb;

        if (z > AorticBifurcationZ)
        {
            var radius = 9 + (1.5 * SmoothStep((z - AorticBifurcationZ) / 150));
            organs.Add(Organ.Circle(sx + 14, front - 12, radius, hu.Aorta));
        }
        else
        {
            var spread = 0.55 * (AorticBifurcationZ - z);
            var forward = 0.2 * (AorticBifurcationZ - z);
            organs.Add(Organ.Circle(sx + 14 + spread, front - 12 - forward, 6.5, hu.Aorta));
            organs.Add(Organ.Circle(sx + 14 - spread - 8, front - 12 - forward, 6.5, hu.Aorta));
        }

        if (z > CavalConfluenceZ)
        {
            organs.Add(Organ.Ellipse(sx - 20, front - 6, 12, 8, 0, hu.InferiorVenaCava));
        }
        else
        {
            var spread = 0.45 * (CavalConfluenceZ - z);
            organs.Add(Organ.Circle(sx - 20 + spread, front - 4, 7, hu.InferiorVenaCava));
            organs.Add(Organ.Circle(sx - 20 - spread, front - 4, 7, hu.InferiorVenaCava));
        }

        AddKidney(organs, z, KidneyLeftZ, sx + 72, sy + 15, 1, hu);
        AddKidney(organs, z, KidneyRightZ, sx - 72, sy + 15, -1, hu);

        if (z < PsoasTopZ)
        {
            var t = SmoothStep((PsoasTopZ - z) / (PsoasTopZ - LowestPresacralZ));
            var radius = 6 + (16 * t);
            var below = Math.Max(0, LowestPresacralZ - z);
            foreach (var side in (double[])[1, -1])
            {
                organs.Add(Organ.Circle(sx + (side * (sa + radius - 4 + (0.3 * below))), sy + 2 - (0.5 * below), radius, hu.Muscle));
            }

            if (z > IliacCrestZ)
            {
                foreach (var side in (double[])[1, -1])
                {
                    organs.Add(Organ.Ellipse(sx + (side * (sa + 48)), sy + sb + 8, 15, 10, 0, hu.Muscle));
                }
            }
        }

        var thoracic = z > PsoasTopZ;
        var sacral = z < S1.Frame.Origin.Z + 10;
        foreach (var side in (double[])[1, -1])
        {
            var (pa, pb) = sacral ? (20.0, 15.0) : thoracic ? (25.0, 20.0) : (27.0, 24.0);
            organs.Add(Organ.Ellipse(sx + (side * 32), sy + sb + 36, pa, pb, 0, hu.Muscle, innerOnly: false));
        }

        if (z < IliacCrestZ)
        {
            var s1 = S1.Frame.Origin;
            var depth = IliacCrestZ - z;
            foreach (var side in (double[])[1, -1])
            {
                organs.Add(Organ.Ellipse(s1.X + (side * (S1.HalfWidth + 105)), s1.Y + 40, 30 + (0.3 * depth), 25 + (0.2 * depth), 0, hu.Muscle, innerOnly: false));
                if (depth > 10)
                {
                    organs.Add(Organ.Ellipse(s1.X + (side * (S1.HalfWidth + 62)), s1.Y - 12, 20, 14, 0, hu.Muscle));
                }
            }
        }

        AddEllipsoid(organs, z, new Vector3D(_centreX + 80, _centreY + 35, SpleenZ), (35, 55, 50), hu.Spleen);
        AddEllipsoid(organs, z, new Vector3D(_centreX - 70, _centreY - 15, LiverZ), (85, 80, 95), hu.Liver);
        return organs;
    }

    private static void AddKidney(List<Organ> organs, double z, double centreZ, double x, double y, double side, TissueHu hu)
    {
        const double halfLength = 55;
        var dz = (z - centreZ) / halfLength;
        if (Math.Abs(dz) >= 1)
        {
            return;
        }

        var scale = Math.Sqrt(1 - (dz * dz));
        var angle = side * 30 * Math.PI / 180;
        if (scale > 0.5)
        {
            // Renal sinus fat opens towards the hilum, in front and towards the midline.
            organs.Add(Organ.Ellipse(x - (side * 9 * scale), y - (6 * scale), 9 * scale, 6 * scale, angle, hu.RenalSinusFat));
        }

        organs.Add(Organ.Ellipse(x, y, 27 * scale, 22 * scale, angle, hu.Kidney));
    }

    private static void AddEllipsoid(List<Organ> organs, double z, Vector3D centre, (double X, double Y, double Z) half, double value)
    {
        var dz = (z - centre.Z) / half.Z;
        if (Math.Abs(dz) >= 1)
        {
            return;
        }

        var scale = Math.Sqrt(1 - (dz * dz));
        organs.Add(Organ.Ellipse(centre.X, centre.Y, half.X * scale, half.Y * scale, 0, value));
    }

    private static double SmoothStep(double t)
    {
        t = Math.Clamp(t, 0, 1);
        return t * t * (3 - (2 * t));
    }

    private static double Lerp(double a, double b, double t) => a + ((b - a) * t);

    /// <summary>An elliptic cross-section of an organ in one plane.</summary>
    private readonly record struct Organ(double X, double Y, double A, double B, double Cos, double Sin, double Value, bool InnerOnly)
    {
        public static Organ Circle(double x, double y, double radius, double value) => new(x, y, radius, radius, 1, 0, value, true);

        public static Organ Ellipse(double x, double y, double a, double b, double angle, double value, bool innerOnly = true)
        {
            var (sin, cos) = Math.SinCos(angle);
            return new Organ(x, y, a, b, cos, sin, value, innerOnly);
        }

        public bool Contains(double x, double y)
        {
            var dx = x - X;
            var dy = y - Y;
            var reach = Math.Max(A, B);
            if (Math.Abs(dx) > reach || Math.Abs(dy) > reach)
            {
                return false;
            }

            var u = (dx * Cos) + (dy * Sin);
            var v = (dy * Cos) - (dx * Sin);
            return ((u * u) / (A * A)) + ((v * v) / (B * B)) < 1;
        }
    }
}
