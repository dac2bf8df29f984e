using CtBone.Core.Volumes;

namespace CtBone.Core.Phantoms;

/// <summary>The localizer (a projection of the scene) and the sagittal reformat (a resampling of the primary series).</summary>
internal static class DerivedSeriesRenderer
{
    private const double LocalizerPixelMm = 1.5;
    private const double LocalizerHalfWidthMm = 250;

    /// <summary>Linear attenuation of water near 70 keV, per mm (about 0.19 cm⁻¹).</summary>
    private const double WaterMuPerMm = 0.0195;

    /// <summary>Display scale of the projection: a trunk's water path (about 4.5) lands near 2800 of the 12-bit range.</summary>
    private const double ProjectionScale = 620;

    /// <summary>
    /// An AP localizer: line integrals of attenuation along y through the scene at 1.5 mm spacing, covering the primary
    /// range plus 60 mm each way. Rows run head to feet (column direction −z), columns patient right to left (row direction +x).
    /// Values are unitless projection values in 0..4095, not HU.
    /// </summary>
    public static CtVolume Localizer(PhantomScene scene, TissueHu hu, double topZ, double bottomZ, CancellationToken cancellationToken)
    {
        var top = topZ + 60;
        var rows = (int)Math.Floor((top - (bottomZ - 60)) / LocalizerPixelMm) + 1;
        var columns = (int)Math.Floor(2 * LocalizerHalfWidthMm / LocalizerPixelMm);
        var x0 = -((columns - 1) / 2.0) * LocalizerPixelMm;
        const double y0 = -170;
        var depth = (int)Math.Ceiling(360 / LocalizerPixelMm);
        var voxels = new short[columns * rows];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
        Parallel.For(
            0,
            rows,
            parallel,
            () => new SliceCanvas(columns, depth, x0, y0, LocalizerPixelMm),
            (j, _, canvas) =>
            {
                var z = top - (j * LocalizerPixelMm);
                canvas.Values.AsSpan().Clear();
                scene.Trunk.Paint(canvas, z, hu);
                SkeletonPainter.Paint(canvas, z, scene, hu);
                for (var i = 0; i < columns; i++)
                {
                    var integral = 0.0;
                    for (var r = 0; r < depth; r++)
                    {
                        integral += Math.Max(0, WaterMuPerMm * (1 + (canvas.Values[(r * columns) + i] / 1000.0)));
                    }

                    integral *= LocalizerPixelMm;
                    var (noise, _) = PhantomRandom.Gaussian(PhantomRandom.Hash(scene.Seed, 41), (ulong)j, (ulong)i);
                    voxels[(j * columns) + i] = (short)Math.Clamp(Math.Round((integral * ProjectionScale) + (6 * noise)), 0, 4095);
                }

                return canvas;
            },
            _ => { });

        var geometry = new VolumeGeometry(
            columns,
            rows,
            1,
            LocalizerPixelMm,
            LocalizerPixelMm,
            1,
            new Vector3D(x0, 0, top),
            Vector3D.UnitX,
            new Vector3D(0, 0, -1),
            Vector3D.UnitY);
        return new CtVolume(geometry, voxels);
    }

    /// <summary>A display window over the 2nd to 98th percentile of the projection values through the trunk.</summary>
    public static (double Centre, double Width) DisplayWindow(CtVolume localizer)
    {
        var values = localizer.Hu.Where(v => v > 500).Order().ToArray();
        if (values.Length == 0)
        {
            return (2048, 4096);
        }

        double low = values[values.Length * 2 / 100];
        double high = values[values.Length * 98 / 100];
        return (Math.Round((low + high) / 2), Math.Max(1, Math.Round(high - low)));
    }

    /// <summary>
    /// Sagittal slabs of <paramref name="slabMm"/> every <paramref name="slabMm"/> across ±<paramref name="halfRangeMm"/> of
    /// <paramref name="centreX"/>, from patient left to right. Columns run anterior to posterior (+y), rows head to feet (−z).
    /// </summary>
    public static CtVolume SagittalReformat(CtVolume primary, PatientPosition position, double centreX, double halfRangeMm, double slabMm, StorageEncoding encoding)
    {
        var g = primary.Geometry;
        var n = g.Columns;
        var slices = g.Slices;
        var count = (int)Math.Floor(2 * halfRangeMm / slabMm) + 1;
        var firstX = centreX + halfRangeMm;
        var topZ = position == PatientPosition.Hfs ? g.OriginMm.Z : g.OriginMm.Z + ((slices - 1) * g.SliceSpacingMm);
        var voxels = new short[(long)count * n * slices];
        var samples = new[] { -0.375, -0.125, 0.125, 0.375 };
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, s =>
        {
            var x = firstX - (s * slabMm);
            for (var m = 0; m < slices; m++)
            {
                var k = position == PatientPosition.Hfs ? m : slices - 1 - m;
                for (var row = 0; row < g.Rows; row++)
                {
                    var sum = 0.0;
                    foreach (var f in samples)
                    {
                        var fi = (x + (f * slabMm) - g.OriginMm.X) / g.ColumnSpacingMm;
                        var i0 = Math.Clamp((int)Math.Floor(fi), 0, n - 2);
                        var t = Math.Clamp(fi - i0, 0, 1);
                        sum += ((1 - t) * primary[i0, row, k]) + (t * primary[i0 + 1, row, k]);
                    }

                    voxels[(((long)s * slices) + m) * n + row] = encoding.Representable(Math.Round(sum / samples.Length, MidpointRounding.AwayFromZero));
                }
            }
        });

        var geometry = new VolumeGeometry(
            n,
            slices,
            count,
            g.RowSpacingMm,
            g.SliceSpacingMm,
            slabMm,
            new Vector3D(firstX, g.OriginMm.Y, topZ),
            Vector3D.UnitY,
            new Vector3D(0, 0, -1),
            new Vector3D(-1, 0, 0));
        return new CtVolume(geometry, voxels);
    }
}
