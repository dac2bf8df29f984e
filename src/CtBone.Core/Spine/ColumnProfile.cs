using CtBone.Core.Volumes;

namespace CtBone.Core.Spine;

/// <summary>
/// The column sampled every millimetre of z in planes across its axis: how much of a cortex ring surrounds the axis
/// (high through a vertebral body, low through a disc) and the HU at its centre (peaks at the endplates).
/// </summary>
internal sealed class ColumnProfile
{
    public const double StepMm = 1;

    private ColumnProfile(double[] z, double[] ring, double[] interior)
    {
        ZMm = z;
        Ring = ring;
        InteriorHu = interior;
    }

    /// <summary>Patient z (mm) of each sample, rising.</summary>
    public double[] ZMm { get; }

    /// <summary>Share of the front and side rays that meet cortex (0 to 1), lightly smoothed.</summary>
    public double[] Ring { get; }

    public double[] InteriorHu { get; }

    public int Count => ZMm.Length;

    /// <summary>Samples the whole stack's z range: a body cut by the field of view shows as a segment that runs into its ends.</summary>
    public static ColumnProfile Measure(AxialStack stack, SpineColumn column, int maxThreads, CancellationToken cancellationToken)
    {
        var zStart = stack.SliceZMm[0];
        var zEnd = stack.SliceZMm[^1];
        var count = (int)Math.Floor((zEnd - zStart) / StepMm) + 1;
        var z = new double[count];
        var raw = new double[count];
        var interior = new double[count];
        var maxRadius = (1.5 * column.TypicalRadiusMm) + 8;
        Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = maxThreads }, i =>
        {
            z[i] = zStart + (i * StepMm);
            var point = column.At(z[i], stack);
            var tangent = column.TangentAt(z[i], stack);
            var lateral = (Vector3D.UnitX - (tangent * tangent.X)).Normalized();
            var posterior = tangent.Cross(lateral).Normalized();
            var section = BodyCrossSection.Measure(stack, point, lateral, posterior, maxRadius);
            raw[i] = section.RingFraction;
            interior[i] = section.InteriorHu;
        });

        var ring = new double[count];
        for (var i = 0; i < count; i++)
        {
            var a = raw[Math.Max(0, i - 1)];
            var b = raw[Math.Min(count - 1, i + 1)];
            ring[i] = (a + (2 * raw[i]) + b) / 4;
        }

        return new ColumnProfile(z, ring, interior);
    }

    public int IndexOf(double zMm) => Math.Clamp((int)Math.Round((zMm - ZMm[0]) / StepMm), 0, Count - 1);
}
