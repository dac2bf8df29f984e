using CtBone.Core.Volumes;

namespace CtBone.Core.Phantoms;

/// <summary>The slice grid of an axial series: square matrix centred on the scanner axis, slices listed top down.</summary>
internal sealed record AxialGrid(int Matrix, double PixelMm, double TopZ, int SliceCount, double SpacingMm, double ThicknessMm)
{
    public double BottomZ => TopZ - ((SliceCount - 1) * SpacingMm);

    public double OriginXY => -((Matrix - 1) / 2.0) * PixelMm;

    /// <summary>z of the m-th slice counted from the top.</summary>
    public double Z(int m) => TopZ - (m * SpacingMm);

    public VolumeGeometry Geometry(PatientPosition position) => new(
        Matrix,
        Matrix,
        SliceCount,
        PixelMm,
        PixelMm,
        SpacingMm,
        new Vector3D(OriginXY, OriginXY, position == PatientPosition.Hfs ? TopZ : BottomZ),
        Vector3D.UnitX,
        Vector3D.UnitY,
        position == PatientPosition.Hfs ? new Vector3D(0, 0, -1) : Vector3D.UnitZ);
}

/// <summary>
/// Draws an axial series from the scene: thickness by averaging sub-planes along z, an in-plane Gaussian point spread,
/// metal streaks, correlated noise, the reconstruction circle, and the storage encoding.
/// </summary>
internal static class AxialRenderer
{
    /// <summary>Sub-plane spacing for the slice-thickness average.</summary>
    private const double SubPlaneMm = 0.5;

    /// <summary>Value outside the circular reconstruction field, where scanners write a constant padding value instead of data.</summary>
    public const double OutsideFieldHu = -1024;

    public static CtVolume Render(
        PhantomScene scene,
        AxialGrid grid,
        TissueHu hu,
        double noiseSdHu,
        ulong noiseStream,
        StorageEncoding encoding,
        PatientPosition position,
        CancellationToken cancellationToken)
    {
        var options = scene.Options;
        var n = grid.Matrix;
        var sliceLength = n * n;
        var voxels = new short[(long)sliceLength * grid.SliceCount];
        var subPlanes = Math.Max(1, (int)Math.Ceiling((grid.ThicknessMm / SubPlaneMm) - 1e-9));
        var blurSigmaPixels = options.BlurSigmaMm / grid.PixelMm;
        var circleRadius2 = Math.Pow(n / 2.0, 2);
        var padding = encoding.Representable(OutsideFieldHu);
        var quantizer = new HuQuantizer(encoding);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };

        Parallel.For(
            0,
            grid.SliceCount,
            parallel,
            () => new Buffers(n, grid.OriginXY, grid.PixelMm),
            (m, _, buffers) =>
            {
                var z = grid.Z(m);
                buffers.Soft.Values.AsSpan().Clear();
                scene.Trunk.Paint(buffers.Soft, z, hu);
                var sum = buffers.Sum;
                Array.Clear(sum);
                for (var q = 0; q < subPlanes; q++)
                {
                    var zq = z + ((((q + 0.5) / subPlanes) - 0.5) * grid.ThicknessMm);
                    buffers.Soft.Values.CopyTo(buffers.Plane.Values, 0);
                    SkeletonPainter.Paint(buffers.Plane, zq, scene, hu);
                    var plane = buffers.Plane.Values;
                    for (var p = 0; p < sliceLength; p++)
                    {
                        sum[p] += plane[p];
                    }
                }

                var result = buffers.Plane.Values;
                for (var p = 0; p < sliceLength; p++)
                {
                    result[p] = sum[p] / subPlanes;
                }

                GaussianBlur(result, n, blurSigmaPixels, buffers.Scratch);
                MetalStreaks.Add(buffers.Plane, z, grid.ThicknessMm, scene.Spine, options.StreakAmplitudeHu, scene.Seed);
                AddNoise(result, n, noiseSdHu, scene.Seed, noiseStream, (ulong)m, buffers.Scratch, buffers.Noise);

                var k = position == PatientPosition.Hfs ? m : grid.SliceCount - 1 - m;
                var target = voxels.AsSpan(k * sliceLength, sliceLength);
                for (var j = 0; j < n; j++)
                {
                    var dy = j - ((n - 1) / 2.0);
                    for (var i = 0; i < n; i++)
                    {
                        var dx = i - ((n - 1) / 2.0);
                        var p = (j * n) + i;
                        target[p] = options.ReconstructionCircle && ((dx * dx) + (dy * dy)) > circleRadius2
                            ? padding
                            : quantizer.Representable(result[p]);
                    }
                }

                return buffers;
            },
            _ => { });

        return new CtVolume(grid.Geometry(position), voxels);
    }

    /// <summary>Separable Gaussian blur in place; a sigma under 0.2 pixels is a no-op.</summary>
    public static void GaussianBlur(float[] values, int n, double sigmaPixels, float[] scratch)
    {
        if (sigmaPixels < 0.2)
        {
            return;
        }

        var radius = (int)Math.Ceiling(3 * sigmaPixels);
        var kernel = new float[(2 * radius) + 1];
        var total = 0.0;
        for (var k = -radius; k <= radius; k++)
        {
            var w = Math.Exp(-0.5 * k * k / (sigmaPixels * sigmaPixels));
            kernel[k + radius] = (float)w;
            total += w;
        }

        for (var k = 0; k < kernel.Length; k++)
        {
            kernel[k] = (float)(kernel[k] / total);
        }

        for (var j = 0; j < n; j++)
        {
            var row = j * n;
            for (var i = 0; i < n; i++)
            {
                var acc = 0f;
                for (var k = -radius; k <= radius; k++)
                {
                    var ii = Math.Clamp(i + k, 0, n - 1);
                    acc += kernel[k + radius] * values[row + ii];
                }

                scratch[row + i] = acc;
            }
        }

        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                var acc = 0f;
                for (var k = -radius; k <= radius; k++)
                {
                    var jj = Math.Clamp(j + k, 0, n - 1);
                    acc += kernel[k + radius] * scratch[(jj * n) + i];
                }

                values[(j * n) + i] = acc;
            }
        }
    }

    /// <summary>
    /// Adds noise with the given per-pixel SD and a short correlation length, as CT noise has: white Gaussian noise smoothed
    /// by a 3×3 binomial kernel (whose output SD is 0.375 of its input), rescaled to the target SD.
    /// </summary>
    public static void AddNoise(float[] values, int n, double sdHu, ulong seed, ulong stream, ulong slice, float[] scratch, float[] white)
    {
        if (sdHu <= 0)
        {
            return;
        }

        var length = n * n;
        var key = PhantomRandom.Hash(seed, stream, slice) * (ulong)length;
        for (var p = 0; p < length; p++)
        {
            white[p] = PhantomRandom.FastGaussian(key + (ulong)p);
        }

        for (var j = 0; j < n; j++)
        {
            var row = j * n;
            for (var i = 0; i < n; i++)
            {
                var left = white[row + Math.Max(0, i - 1)];
                var right = white[row + Math.Min(n - 1, i + 1)];
                scratch[row + i] = (0.25f * left) + (0.5f * white[row + i]) + (0.25f * right);
            }
        }

        var scale = (float)(sdHu / 0.375);
        for (var j = 0; j < n; j++)
        {
            var up = Math.Max(0, j - 1) * n;
            var row = j * n;
            var down = Math.Min(n - 1, j + 1) * n;
            for (var i = 0; i < n; i++)
            {
                var smooth = (0.25f * scratch[up + i]) + (0.5f * scratch[row + i]) + (0.25f * scratch[down + i]);
                values[row + i] += scale * smooth;
            }
        }
    }

    private sealed class Buffers(int n, double origin, double pixelMm)
    {
        public SliceCanvas Soft { get; } = new(n, n, origin, origin, pixelMm);

        public SliceCanvas Plane { get; } = new(n, n, origin, origin, pixelMm);

        public float[] Sum { get; } = new float[n * n];

        public float[] Scratch { get; } = new float[n * n];

        public float[] Noise { get; } = new float[n * n];
    }
}

/// <summary>Rounds HU to whole numbers and maps them through a storage encoding, with a table for the common range.</summary>
internal sealed class HuQuantizer
{
    private const int TableMin = -4096;
    private const int TableMax = 16383;
    private readonly StorageEncoding _encoding;
    private readonly short[] _table = new short[TableMax - TableMin + 1];

    public HuQuantizer(StorageEncoding encoding)
    {
        _encoding = encoding;
        for (var hu = TableMin; hu <= TableMax; hu++)
        {
            _table[hu - TableMin] = encoding.Representable(hu);
        }
    }

    public short Representable(double hu)
    {
        var rounded = Math.Round(hu, MidpointRounding.AwayFromZero);
        return rounded is >= TableMin and <= TableMax ? _table[(int)rounded - TableMin] : _encoding.Representable(rounded);
    }
}
