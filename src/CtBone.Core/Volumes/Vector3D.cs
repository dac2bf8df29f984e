namespace CtBone.Core.Volumes;

/// <summary>A point or direction in DICOM patient coordinates (LPS, millimetres).</summary>
public readonly record struct Vector3D(double X, double Y, double Z)
{
    public static Vector3D operator +(Vector3D a, Vector3D b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);

    public static Vector3D operator -(Vector3D a, Vector3D b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    public static Vector3D operator *(Vector3D a, double s) => new(a.X * s, a.Y * s, a.Z * s);

    public static Vector3D operator *(double s, Vector3D a) => a * s;

    public double Length => Math.Sqrt((X * X) + (Y * Y) + (Z * Z));

    public double Dot(Vector3D other) => (X * other.X) + (Y * other.Y) + (Z * other.Z);

    public Vector3D Cross(Vector3D o) => new((Y * o.Z) - (Z * o.Y), (Z * o.X) - (X * o.Z), (X * o.Y) - (Y * o.X));

    public Vector3D Normalized()
    {
        var length = Length;
        return length == 0 ? this : this * (1 / length);
    }

    /// <summary>Angle between two directions in degrees, ignoring their sign (0 to 90).</summary>
    public double AxisAngleDegrees(Vector3D other)
    {
        var cos = Math.Abs(Normalized().Dot(other.Normalized()));
        return Math.Acos(Math.Min(1, cos)) * 180 / Math.PI;
    }

    public double[] ToArray() => [X, Y, Z];

    public override string ToString() => FormattableString.Invariant($"[{X:0.###}, {Y:0.###}, {Z:0.###}]");

    public static readonly Vector3D UnitX = new(1, 0, 0);
    public static readonly Vector3D UnitY = new(0, 1, 0);
    public static readonly Vector3D UnitZ = new(0, 0, 1);
}
