using CtBone.Core.Volumes;

namespace CtBone.Core.Phantoms;

/// <summary>An axis-aligned box in LPS mm.</summary>
internal readonly record struct Aabb(double MinX, double MinY, double MinZ, double MaxX, double MaxY, double MaxZ)
{
    public static Aabb Of(IEnumerable<Vector3D> points, double pad)
    {
        double minX = double.MaxValue, minY = double.MaxValue, minZ = double.MaxValue;
        double maxX = double.MinValue, maxY = double.MinValue, maxZ = double.MinValue;
        foreach (var p in points)
        {
            minX = Math.Min(minX, p.X);
            minY = Math.Min(minY, p.Y);
            minZ = Math.Min(minZ, p.Z);
            maxX = Math.Max(maxX, p.X);
            maxY = Math.Max(maxY, p.Y);
            maxZ = Math.Max(maxZ, p.Z);
        }

        return new Aabb(minX - pad, minY - pad, minZ - pad, maxX + pad, maxY + pad, maxZ + pad);
    }

    public bool ContainsZ(double z) => z >= MinZ && z <= MaxZ;
}

/// <summary>A right-handed local frame: U towards patient left, V towards posterior, W towards the head, for one vertebra.</summary>
internal readonly record struct Frame(Vector3D Origin, Vector3D U, Vector3D V, Vector3D W)
{
    public Vector3D ToPatient(double u, double v, double w) => Origin + (U * u) + (V * v) + (W * w);

    public (double U, double V, double W) ToLocal(double x, double y, double z)
    {
        var dx = x - Origin.X;
        var dy = y - Origin.Y;
        var dz = z - Origin.Z;
        return ((dx * U.X) + (dy * U.Y) + (dz * U.Z), (dx * V.X) + (dy * V.Y) + (dz * V.Z), (dx * W.X) + (dy * W.Y) + (dz * W.Z));
    }

    /// <summary>Box of the eight corners of a local box, in LPS.</summary>
    public Aabb Bounds(double u0, double u1, double v0, double v1, double w0, double w1, double pad)
    {
        var corners = new List<Vector3D>(8);
        foreach (var u in (double[])[u0, u1])
        {
            foreach (var v in (double[])[v0, v1])
            {
                foreach (var w in (double[])[w0, w1])
                {
                    corners.Add(ToPatient(u, v, w));
                }
            }
        }

        return Aabb.Of(corners, pad);
    }
}

/// <summary>Distance functions of simple shapes: negative inside, in mm (exact for capsules, first order for ellipses).</summary>
internal static class Sdf
{
    /// <summary>Signed distance to an ellipse with half-axes a, b, from the implicit function g = (u/a)² + (v/b)² − 1 divided by its gradient.</summary>
    public static double Ellipse(double u, double v, double a, double b)
    {
        var ia = 1 / (a * a);
        var ib = 1 / (b * b);
        var g = (u * u * ia) + (v * v * ib) - 1;
        var gradient = 2 * Math.Sqrt((u * u * ia * ia) + (v * v * ib * ib));
        return gradient < 1e-9 ? -Math.Min(a, b) : g / gradient;
    }

    public static double Segment2D(double px, double py, double ax, double ay, double bx, double by)
    {
        var dx = bx - ax;
        var dy = by - ay;
        var length2 = (dx * dx) + (dy * dy);
        var t = length2 < 1e-12 ? 0 : Math.Clamp((((px - ax) * dx) + ((py - ay) * dy)) / length2, 0, 1);
        var ex = px - (ax + (t * dx));
        var ey = py - (ay + (t * dy));
        return Math.Sqrt((ex * ex) + (ey * ey));
    }

    public static double Segment3D(double px, double py, double pz, Vector3D a, Vector3D b)
    {
        var dx = b.X - a.X;
        var dy = b.Y - a.Y;
        var dz = b.Z - a.Z;
        var length2 = (dx * dx) + (dy * dy) + (dz * dz);
        var t = length2 < 1e-12 ? 0 : Math.Clamp((((px - a.X) * dx) + ((py - a.Y) * dy) + ((pz - a.Z) * dz)) / length2, 0, 1);
        var ex = px - (a.X + (t * dx));
        var ey = py - (a.Y + (t * dy));
        var ez = pz - (a.Z + (t * dz));
        return Math.Sqrt((ex * ex) + (ey * ey) + (ez * ez));
    }
}

/// <summary>A solid with a distance function and a bounding box.</summary>
internal abstract class Shape
{
    public Aabb Bounds { get; protected init; }

    public abstract double Distance(double x, double y, double z);
}

/// <summary>A capsule (rounded cylinder) between two LPS points.</summary>
internal sealed class Capsule : Shape
{
    private readonly Vector3D _a;
    private readonly Vector3D _b;
    private readonly double _radius;

    public Capsule(Vector3D a, Vector3D b, double radius)
    {
        _a = a;
        _b = b;
        _radius = radius;
        Bounds = Aabb.Of([a, b], radius + 0.5);
    }

    public override double Distance(double x, double y, double z) => Sdf.Segment3D(x, y, z, _a, _b) - _radius;
}

/// <summary>
/// A capsule in a vertebra's frame whose cross-section is stretched along W by <c>wScale</c> (pedicles, processes are taller
/// than wide). The distance is measured in the stretched space, which is close enough for a 1–2 mm cortical shell.
/// </summary>
internal sealed class LocalCapsule : Shape
{
    private readonly Frame _frame;
    private readonly (double U, double V, double W) _a;
    private readonly (double U, double V, double W) _b;
    private readonly double _radius;
    private readonly double _inverseWScale;

    public LocalCapsule(Frame frame, (double U, double V, double W) a, (double U, double V, double W) b, double radius, double wScale = 1)
    {
        _frame = frame;
        _a = (a.U, a.V, a.W / wScale);
        _b = (b.U, b.V, b.W / wScale);
        _radius = radius;
        _inverseWScale = 1 / wScale;
        var rw = radius * wScale;
        Bounds = frame.Bounds(
            Math.Min(a.U, b.U) - radius, Math.Max(a.U, b.U) + radius,
            Math.Min(a.V, b.V) - radius, Math.Max(a.V, b.V) + radius,
            Math.Min(a.W, b.W) - rw, Math.Max(a.W, b.W) + rw,
            0.5);
    }

    public override double Distance(double x, double y, double z)
    {
        var (u, v, w) = _frame.ToLocal(x, y, z);
        return Sdf.Segment3D(u, v, w * _inverseWScale, new Vector3D(_a.U, _a.V, _a.W), new Vector3D(_b.U, _b.V, _b.W)) - _radius;
    }
}

/// <summary>A plate: a 2D capsule in the (U, V) plane of a frame, extruded along W between two heights (laminae, sacral plate).</summary>
internal sealed class LocalPlate : Shape
{
    private readonly Frame _frame;
    private readonly double _au;
    private readonly double _av;
    private readonly double _bu;
    private readonly double _bv;
    private readonly double _radius;
    private readonly double _wCentre;
    private readonly double _wHalf;

    public LocalPlate(Frame frame, (double U, double V) a, (double U, double V) b, double radius, double wMin, double wMax)
    {
        _frame = frame;
        (_au, _av) = a;
        (_bu, _bv) = b;
        _radius = radius;
        _wCentre = (wMin + wMax) / 2;
        _wHalf = (wMax - wMin) / 2;
        Bounds = frame.Bounds(
            Math.Min(a.U, b.U) - radius, Math.Max(a.U, b.U) + radius,
            Math.Min(a.V, b.V) - radius, Math.Max(a.V, b.V) + radius,
            wMin, wMax,
            0.5);
    }

    public override double Distance(double x, double y, double z)
    {
        var (u, v, w) = _frame.ToLocal(x, y, z);
        var inPlane = Sdf.Segment2D(u, v, _au, _av, _bu, _bv) - _radius;
        return Math.Max(inPlane, Math.Abs(w - _wCentre) - _wHalf);
    }
}

/// <summary>An ellipsoid in a frame, with a first-order distance (sacral alae).</summary>
internal sealed class LocalEllipsoid : Shape
{
    private readonly Frame _frame;
    private readonly (double U, double V, double W) _centre;
    private readonly (double U, double V, double W) _half;
    private readonly double _minHalf;

    public LocalEllipsoid(Frame frame, (double U, double V, double W) centre, (double U, double V, double W) half)
    {
        _frame = frame;
        _centre = centre;
        _half = half;
        _minHalf = Math.Min(half.U, Math.Min(half.V, half.W));
        Bounds = frame.Bounds(centre.U - half.U, centre.U + half.U, centre.V - half.V, centre.V + half.V, centre.W - half.W, centre.W + half.W, 0.5);
    }

    public override double Distance(double x, double y, double z)
    {
        var (u, v, w) = _frame.ToLocal(x, y, z);
        var du = (u - _centre.U) / _half.U;
        var dv = (v - _centre.V) / _half.V;
        var dw = (w - _centre.W) / _half.W;
        return (Math.Sqrt((du * du) + (dv * dv) + (dw * dw)) - 1) * _minHalf;
    }
}

/// <summary>One axial plane being drawn: float HU on a square grid, x along columns, y along rows.</summary>
internal sealed class SliceCanvas(int columns, int rows, double originX, double originY, double pixelMm)
{
    public int Columns { get; } = columns;

    public int Rows { get; } = rows;

    public double OriginX { get; } = originX;

    public double OriginY { get; } = originY;

    public double PixelMm { get; } = pixelMm;

    public float[] Values { get; } = new float[columns * rows];

    public double X(int i) => OriginX + (i * PixelMm);

    public double Y(int j) => OriginY + (j * PixelMm);

    /// <summary>Pixel index ranges (inclusive) covered by a box at height z; false when the box misses the plane or the grid.</summary>
    public bool Range(in Aabb box, double z, out int i0, out int i1, out int j0, out int j1)
    {
        i0 = i1 = j0 = j1 = 0;
        if (!box.ContainsZ(z))
        {
            return false;
        }

        i0 = Math.Max(0, (int)Math.Ceiling((box.MinX - OriginX) / PixelMm));
        i1 = Math.Min(Columns - 1, (int)Math.Floor((box.MaxX - OriginX) / PixelMm));
        j0 = Math.Max(0, (int)Math.Ceiling((box.MinY - OriginY) / PixelMm));
        j1 = Math.Min(Rows - 1, (int)Math.Floor((box.MaxY - OriginY) / PixelMm));
        return i0 <= i1 && j0 <= j1;
    }
}
