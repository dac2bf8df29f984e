namespace CtBone.Core.Volumes;

/// <summary>
/// A CT volume in Hounsfield units, with its place in patient space.
/// Voxels are stored slice after slice, row after row: index = (k·Rows + j)·Columns + i.
/// </summary>
public sealed class CtVolume
{
    public CtVolume(VolumeGeometry geometry, short[] hu)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(hu);
        if (hu.LongLength != geometry.VoxelCount)
        {
            throw new ArgumentException($"Expected {geometry.VoxelCount} voxels for the geometry, got {hu.LongLength}.", nameof(hu));
        }

        Geometry = geometry;
        Hu = hu;
    }

    public VolumeGeometry Geometry { get; }

    /// <summary>Hounsfield units after RescaleSlope and RescaleIntercept, rounded to whole HU.</summary>
    public short[] Hu { get; }

    public short this[int i, int j, int k] => Hu[(((long)k * Geometry.Rows) + j) * Geometry.Columns + i];

    public Span<short> Slice(int k) => Hu.AsSpan(k * Geometry.SliceLength, Geometry.SliceLength);
}
