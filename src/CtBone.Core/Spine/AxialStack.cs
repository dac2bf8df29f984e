using CtBone.Core.Volumes;

namespace CtBone.Core.Spine;

/// <summary>
/// An axial CT volume seen in one fixed frame, whatever order its rows, columns and slices were stored in:
/// x runs to the patient's left, y to the back, slice k from the feet to the head (all DICOM LPS senses).
/// The voxels keep the volume's slice order (k maps to the stored slice) and are shared with the volume when its rows and
/// columns already run that way (the usual case); otherwise each slice is copied once, reoriented, to the same place. Millimetre coordinates here are that frame's: x·<see cref="PixelXMm"/>, y·<see cref="PixelYMm"/>, <see cref="SliceZMm"/>.
/// </summary>
internal sealed class AxialStack
{
    private readonly short[] _hu;
    private readonly CtVolume _volume;
    private readonly bool _swap;
    private readonly bool _flipI;
    private readonly bool _flipJ;
    private readonly bool _flipK;

    private AxialStack(CtVolume volume, short[] hu, int nx, int ny, bool swap, bool flipI, bool flipJ, bool flipK, double pixelXMm, double pixelYMm)
    {
        _volume = volume;
        _hu = hu;
        _swap = swap;
        _flipI = flipI;
        _flipJ = flipJ;
        _flipK = flipK;
        Nx = nx;
        Ny = ny;
        Nz = volume.Geometry.Slices;
        PixelXMm = pixelXMm;
        PixelYMm = pixelYMm;
        SliceZMm = new double[Nz];
        for (var k = 0; k < Nz; k++)
        {
            SliceZMm[k] = volume.Geometry.ToPatient(0, 0, StoredSlice(k)).Z;
        }

        SliceSpacingMm = Nz > 1 ? Math.Abs(SliceZMm[^1] - SliceZMm[0]) / (Nz - 1) : volume.Geometry.SliceSpacingMm;
    }

    public int Nx { get; }

    public int Ny { get; }

    public int Nz { get; }

    public double PixelXMm { get; }

    public double PixelYMm { get; }

    public double SliceSpacingMm { get; }

    /// <summary>Patient z (mm, head positive) of each slice, rising with k.</summary>
    public double[] SliceZMm { get; }

    public short this[int x, int y, int k] => _hu[((long)StoredSlice(k) * Ny + y) * Nx + x];

    /// <summary>Whether the volume can be read as axial: its slice normal within <paramref name="maxObliquityDegrees"/> of head-foot.</summary>
    public static bool IsAxial(VolumeGeometry geometry, double maxObliquityDegrees)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return geometry.SliceNormal.AxisAngleDegrees(Vector3D.UnitZ) <= maxObliquityDegrees;
    }

    public static AxialStack From(CtVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var g = volume.Geometry;
        // Which stored axis runs left-right: rows (the usual) or columns (a transposed reconstruction).
        var swap = Math.Abs(g.RowDirection.X) < Math.Abs(g.ColumnDirection.X);
        var xDirection = swap ? g.ColumnDirection : g.RowDirection;
        var yDirection = swap ? g.RowDirection : g.ColumnDirection;
        var flipI = xDirection.X < 0;
        var flipJ = yDirection.Y < 0;
        var flipK = g.SliceDirection.Z < 0;
        var nx = swap ? g.Rows : g.Columns;
        var ny = swap ? g.Columns : g.Rows;
        var pixelX = swap ? g.RowSpacingMm : g.ColumnSpacingMm;
        var pixelY = swap ? g.ColumnSpacingMm : g.RowSpacingMm;
        // Slice order alone is a mapping of k; only a flip or swap within the slice needs the voxels moved.
        if (!swap && !flipI && !flipJ)
        {
            return new AxialStack(volume, volume.Hu, nx, ny, swap, flipI, flipJ, flipK, pixelX, pixelY);
        }

        var hu = new short[volume.Hu.LongLength];
        var stack = new AxialStack(volume, hu, nx, ny, swap, flipI, flipJ, flipK, pixelX, pixelY);
        Parallel.For(0, stack.Nz, k =>
        {
            var source = volume.Slice(k);
            var target = hu.AsSpan(k * nx * ny, nx * ny);
            for (var y = 0; y < ny; y++)
            {
                for (var x = 0; x < nx; x++)
                {
                    var (i, j) = stack.StoredPixel(x, y);
                    target[(y * nx) + x] = source[(j * g.Columns) + i];
                }
            }
        });
        return stack;
    }

    public ReadOnlySpan<short> Slice(int k) => _hu.AsSpan(StoredSlice(k) * Nx * Ny, Nx * Ny);

    public int StoredSlice(int k) => _flipK ? Nz - 1 - k : k;

    public (int I, int J) StoredPixel(int x, int y)
    {
        var a = _flipI ? Nx - 1 - x : x;
        var b = _flipJ ? Ny - 1 - y : y;
        return _swap ? (b, a) : (a, b);
    }

    /// <summary>DICOM patient position (LPS mm) of a point given in this frame's fractional voxel indices.</summary>
    public Vector3D ToPatient(double x, double y, double k)
    {
        var a = _flipI ? Nx - 1 - x : x;
        var b = _flipJ ? Ny - 1 - y : y;
        var (i, j) = _swap ? (b, a) : (a, b);
        return _volume.Geometry.ToPatient(i, j, _flipK ? Nz - 1 - k : k);
    }

    /// <summary>DICOM patient position (LPS mm) of a point given in this frame's mm coordinates.</summary>
    public Vector3D ToPatientMm(Vector3D pointMm) => ToPatient(pointMm.X / PixelXMm, pointMm.Y / PixelYMm, FractionalSlice(pointMm.Z));

    /// <summary>Fractional slice index of a patient z (mm), clamped to the stack; −1 when more than half a slice outside it.</summary>
    public double SliceAt(double zMm)
    {
        var k = FractionalSlice(zMm);
        return k < -0.5 || k > Nz - 0.5 ? -1 : Math.Clamp(k, 0, Nz - 1);
    }

    /// <summary>Fractional slice index of a patient z (mm), not clamped: slices are evenly spaced along z.</summary>
    public double FractionalSlice(double zMm) => Nz == 1 ? 0 : (zMm - SliceZMm[0]) / (SliceZMm[^1] - SliceZMm[0]) * (Nz - 1);

    /// <summary>HU at a point of the stack's mm frame (x, y as index·spacing, z as patient z), trilinear.</summary>
    public double SampleMm(Vector3D point) => Sample(point.X / PixelXMm, point.Y / PixelYMm, SliceAt(point.Z));

    /// <summary>HU at fractional (x, y, k), trilinear; outside the stack it reads as air.</summary>
    public double Sample(double x, double y, double k)
    {
        if (x < 0 || y < 0 || k < 0 || x > Nx - 1 || y > Ny - 1 || k > Nz - 1)
        {
            return -1000;
        }

        var x0 = Math.Min((int)x, Nx - 2 < 0 ? 0 : Nx - 2);
        var y0 = Math.Min((int)y, Ny - 2 < 0 ? 0 : Ny - 2);
        var k0 = Math.Min((int)k, Nz - 2 < 0 ? 0 : Nz - 2);
        var fx = x - x0;
        var fy = y - y0;
        var fk = k - k0;
        var k1 = Math.Min(k0 + 1, Nz - 1);
        double Plane(int kk)
        {
            var a = this[x0, y0, kk] + (fx * (this[x0 + 1, y0, kk] - this[x0, y0, kk]));
            var b = this[x0, y0 + 1, kk] + (fx * (this[x0 + 1, y0 + 1, kk] - this[x0, y0 + 1, kk]));
            return a + (fy * (b - a));
        }

        var p0 = Plane(k0);
        return fk == 0 ? p0 : p0 + (fk * (Plane(k1) - p0));
    }
}
