using CtBone.Core.Volumes;

namespace CtBone.Imaging;

/// <summary>
/// Samples a volume along a straight run of pixels and maps HU to grey through a window. Voxel indices are affine in
/// pixel position, so a row needs the indices of its first pixel and one step, not a geometry transform per pixel.
/// Points beyond half a voxel outside the volume are black.
/// </summary>
internal sealed class GreyscaleSampler(CtVolume volume, double windowCenterHu, double windowWidthHu)
{
    private readonly VolumeGeometry _geometry = volume.Geometry;
    private readonly short[] _hu = volume.Hu;
    private readonly double _lowHu = windowCenterHu - (windowWidthHu / 2);
    private readonly double _greyPerHu = 255 / windowWidthHu;

    /// <summary>
    /// Paints <paramref name="plane"/> into the canvas with its top-left pixel at (0, <paramref name="top"/>).
    /// <paramref name="rowOffsetMm"/> moves each row's points (given the row's LPS point at the left edge), for curved planes.
    /// </summary>
    public void Paint(KeyImageCanvas canvas, DisplayPlane plane, int top, int? fixedSlice, Func<Vector3D, Vector3D>? rowOffsetMm = null)
    {
        var step = RowStep(plane);
        var greys = new byte[plane.Width];
        for (var y = 0; y < plane.Height; y++)
        {
            var offset = rowOffsetMm?.Invoke(plane.ToPatient(0.5, y + 0.5)) ?? default;
            SampleRow(VoxelAt(plane, 0, y, offset), step, fixedSlice, greys);
            canvas.PutGreyRow(0, top + y, greys);
        }
    }

    /// <summary>
    /// Fills <paramref name="greys"/> with pixel x at voxel indices start + x·step; <paramref name="fixedSlice"/>, when
    /// given, replaces k so that an axial image shows exactly that slice, not a blend with its neighbour.
    /// </summary>
    private void SampleRow((double I, double J, double K) start, (double I, double J, double K) step, int? fixedSlice, Span<byte> greys)
    {
        for (var x = 0; x < greys.Length; x++)
        {
            var k = fixedSlice ?? (start.K + (x * step.K));
            var hu = Trilinear(start.I + (x * step.I), start.J + (x * step.J), k);
            greys[x] = double.IsNaN(hu) ? (byte)0 : (byte)Math.Clamp((hu - _lowHu) * _greyPerHu, 0, 255);
        }
    }

    /// <summary>The voxel indices of pixel (x, y)'s centre on <paramref name="plane"/>, shifted by <paramref name="offsetMm"/>.</summary>
    private (double I, double J, double K) VoxelAt(DisplayPlane plane, double x, double y, Vector3D offsetMm) =>
        _geometry.ToVoxel(plane.ToPatient(x + 0.5, y + 0.5) + offsetMm);

    /// <summary>Change of voxel indices from one pixel to the next along a row of <paramref name="plane"/>.</summary>
    private (double I, double J, double K) RowStep(DisplayPlane plane)
    {
        var a = _geometry.ToVoxel(plane.ToPatient(0, 0));
        var b = _geometry.ToVoxel(plane.ToPatient(1, 0));
        return (b.I - a.I, b.J - a.J, b.K - a.K);
    }

    private double Trilinear(double i, double j, double k)
    {
        if (!Inside(i, _geometry.Columns) || !Inside(j, _geometry.Rows) || !Inside(k, _geometry.Slices))
        {
            return double.NaN;
        }

        var (i0, i1, fi) = Corners(i, _geometry.Columns);
        var (j0, j1, fj) = Corners(j, _geometry.Rows);
        var (k0, k1, fk) = Corners(k, _geometry.Slices);
        var lower = Bilinear(k0, i0, i1, fi, j0, j1, fj);
        var upper = fk == 0 ? lower : Bilinear(k1, i0, i1, fi, j0, j1, fj);
        return lower + ((upper - lower) * fk);
    }

    private double Bilinear(int k, int i0, int i1, double fi, int j0, int j1, double fj)
    {
        var row0 = ((long)k * _geometry.Rows + j0) * _geometry.Columns;
        var row1 = ((long)k * _geometry.Rows + j1) * _geometry.Columns;
        var top = _hu[row0 + i0] + ((_hu[row0 + i1] - _hu[row0 + i0]) * fi);
        var bottom = _hu[row1 + i0] + ((_hu[row1 + i1] - _hu[row1 + i0]) * fi);
        return top + ((bottom - top) * fj);
    }

    private static bool Inside(double index, int count) => index >= -0.5 && index <= count - 0.5;

    private static (int Low, int High, double Fraction) Corners(double index, int count)
    {
        var clamped = Math.Clamp(index, 0, count - 1);
        var low = Math.Min((int)clamped, Math.Max(count - 2, 0));
        var high = Math.Min(low + 1, count - 1);
        return (low, high, high == low ? 0 : clamped - low);
    }
}
