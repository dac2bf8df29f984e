namespace CtBone.Core.Volumes;

/// <summary>
/// Where the voxels of a volume sit in DICOM patient coordinates (LPS, millimetres).
/// Voxel (i, j, k) is at <c>Origin + i·ColumnSpacingMm·RowDirection + j·RowSpacingMm·ColumnDirection + k·SliceSpacingMm·SliceDirection</c>:
/// i runs along a row (DICOM column index), j down a column (row index), k through the slices.
/// </summary>
/// <param name="Columns">Voxels per row (DICOM Columns, 0028,0011).</param>
/// <param name="Rows">Rows per slice (DICOM Rows, 0028,0010).</param>
/// <param name="Slices">Number of slices.</param>
/// <param name="ColumnSpacingMm">Distance between neighbouring columns: the second value of PixelSpacing (0028,0030).</param>
/// <param name="RowSpacingMm">Distance between neighbouring rows: the first value of PixelSpacing.</param>
/// <param name="SliceSpacingMm">Distance between slice centres along <see cref="SliceDirection"/>, from ImagePositionPatient.</param>
/// <param name="OriginMm">Centre of voxel (0, 0, 0): ImagePositionPatient (0020,0032) of the first slice.</param>
/// <param name="RowDirection">Unit direction along a row: the first three values of ImageOrientationPatient (0020,0037).</param>
/// <param name="ColumnDirection">Unit direction down a column: the last three values of ImageOrientationPatient.</param>
/// <param name="SliceDirection">Unit direction in which k increases. For a non-tilted stack it is RowDirection × ColumnDirection, or its opposite.</param>
public sealed record VolumeGeometry(
    int Columns,
    int Rows,
    int Slices,
    double ColumnSpacingMm,
    double RowSpacingMm,
    double SliceSpacingMm,
    Vector3D OriginMm,
    Vector3D RowDirection,
    Vector3D ColumnDirection,
    Vector3D SliceDirection)
{
    public long VoxelCount => (long)Columns * Rows * Slices;

    public int SliceLength => Columns * Rows;

    /// <summary>Position in LPS mm of the centre of voxel (i, j, k); indices may be fractional.</summary>
    public Vector3D ToPatient(double i, double j, double k) =>
        OriginMm + (RowDirection * (i * ColumnSpacingMm)) + (ColumnDirection * (j * RowSpacingMm)) + (SliceDirection * (k * SliceSpacingMm));

    /// <summary>Fractional voxel indices of an LPS point (the inverse of <see cref="ToPatient"/> for orthogonal axes).</summary>
    public (double I, double J, double K) ToVoxel(Vector3D patientMm)
    {
        var d = patientMm - OriginMm;
        return (d.Dot(RowDirection) / ColumnSpacingMm, d.Dot(ColumnDirection) / RowSpacingMm, d.Dot(SliceDirection) / SliceSpacingMm);
    }

    /// <summary>Normal of the slice plane (RowDirection × ColumnDirection).</summary>
    public Vector3D SliceNormal => RowDirection.Cross(ColumnDirection).Normalized();
}
