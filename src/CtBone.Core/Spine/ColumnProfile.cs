using CtBone.Core.Volumes;

namespace CtBone.Core.Spine;

/// <summary>
/// The column sampled every millimetre of z in planes across its axis: how much of a cortex ring surrounds the axis
/// (high through a vertebral body, low through a disc) and the HU at its centre (peaks at the endplates).
/// </summary>
internal sealed class ColumnProfile
{
    public const double StepMm = 1;

    private ColumnProfile(double[] z, double[] ring, double[] interior, Vector3D[] points, Vector3D[] tangents)
    {
        ZMm = z;
        Ring = ring;
        InteriorHu = interior;
        Points = points;
        Tangents = tangents;
    }

    /// <summary>Patient z (mm) of each sample, rising.</summary>
    public double[] ZMm { get; }

    /// <summary>Share of the front and side rays that meet cortex (0 to 1), lightly smoothed.</summary>
    public double[] Ring { get; }

    public double[] InteriorHu { get; }

    /// <summary>The column's point at each sample, stack mm frame.</summary>
    public Vector3D[] Points { get; }

    public Vector3D[] Tangents { get; }

    public int Count => ZMm.Length;

    public static ColumnProfile Measure(AxialStack stack, SpineColumn column, CancellationToken cancellationToken)
    {
        var zStart = stack.SliceZMm[column.FirstSlice];
        var zEnd = stack.SliceZMm[column.LastSlice];
        // The ends of the stack: a body cut by the field of view shows as a segment that runs into them.
        zStart = Math.Min(zStart, stack.SliceZMm[0]);
        zEnd = Math.Max(zEnd, stack.SliceZMm[^1]);
        var count = (int)Math.Floor((zEnd - zStart) / StepMm) + 1;
        var z = new double[count];
        var raw = new double[count];
        var interior = new double[count];
        var points = new Vector3D[count];
        var tangents = new Vector3D[count];
        var maxRadius = (1.5 * column.TypicalRadiusMm) + 8;
        Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            z[i] = zStart + (i * StepMm);
            var point = column.At(z[i], stack);
            var tangent = column.TangentAt(z[i], stack);
            var lateral = (Vector3D.UnitX - (tangent * tangent.X)).Normalized();
            var posterior = tangent.Cross(lateral).Normalized();
            var section = BodyCrossSection.Measure(stack, point, lateral, posterior, maxRadius);
            raw[i] = section.RingFraction;
            interior[i] = section.InteriorHu;
            points[i] = point;
            tangents[i] = tangent;
        });

        var ring = new double[count];
        for (var i = 0; i < count; i++)
        {
            var a = raw[Math.Max(0, i - 1)];
            var b = raw[Math.Min(count - 1, i + 1)];
            ring[i] = (a + (2 * raw[i]) + b) / 4;
        }

        return new ColumnProfile(z, ring, interior, points, tangents);
    }

    public int IndexOf(double zMm) => Math.Clamp((int)Math.Round((zMm - ZMm[0]) / StepMm), 0, Count - 1);
}
