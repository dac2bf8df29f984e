using CtBone.Core.Volumes;

namespace CtBone.Core.Series;

/// <summary>
/// The header of one DICOM image file, as read without its pixel data. Values are trimmed of DICOM
/// padding; a missing or unparsable attribute is null. Nothing here is defaulted.
/// </summary>
public sealed record SliceHeader
{
    public required string FilePath { get; init; }

    public required string SopInstanceUid { get; init; }

    public required string SopClassUid { get; init; }

    public required string StudyInstanceUid { get; init; }

    public required string SeriesInstanceUid { get; init; }

    public required string TransferSyntaxUid { get; init; }

    public string? Modality { get; init; }

    /// <summary>ImageType (0008,0008) values, upper case, e.g. ORIGINAL, PRIMARY, AXIAL or DERIVED, SECONDARY, REFORMATTED.</summary>
    public IReadOnlyList<string> ImageType { get; init; } = [];

    public int Rows { get; init; }

    public int Columns { get; init; }

    public int SamplesPerPixel { get; init; } = 1;

    public int BitsAllocated { get; init; }

    public int BitsStored { get; init; }

    /// <summary>0 unsigned, 1 two's complement (0028,0103).</summary>
    public int PixelRepresentation { get; init; }

    public int NumberOfFrames { get; init; } = 1;

    /// <summary>PixelSpacing (0028,0030): row spacing (between rows) then column spacing, in mm.</summary>
    public (double RowMm, double ColumnMm)? PixelSpacingMm { get; init; }

    public Vector3D? ImagePositionPatient { get; init; }

    public Vector3D? RowDirection { get; init; }

    public Vector3D? ColumnDirection { get; init; }

    public double? SliceThicknessMm { get; init; }

    public int? InstanceNumber { get; init; }

    public double RescaleSlope { get; init; } = 1;

    public double RescaleIntercept { get; init; }

    public double? GantryTiltDegrees { get; init; }

    public double? KvP { get; init; }

    public string? ConvolutionKernel { get; init; }

    public string? ContrastBolusAgent { get; init; }

    public string? Manufacturer { get; init; }

    public string? ManufacturerModelName { get; init; }

    public string? SeriesDescription { get; init; }

    public int? SeriesNumber { get; init; }

    public string? BodyPartExamined { get; init; }

    /// <summary>PatientAge (0010,1010) as written, e.g. "067Y".</summary>
    public string? PatientAge { get; init; }

    public DateOnly? PatientBirthDate { get; init; }

    public DateOnly? StudyDate { get; init; }

    public string? PatientSex { get; init; }

    /// <summary>PatientName (0010,0010) as written, components separated by '^'. PHI: never logged.</summary>
    public string? PatientName { get; init; }

    /// <summary>PatientID (0010,0020), the MRN. PHI: never logged.</summary>
    public string? PatientId { get; init; }

    public string? AccessionNumber { get; init; }

    public string? StudyDescription { get; init; }

    /// <summary>True when the pixel data is stored with a lossy transfer syntax.</summary>
    public bool IsLossy { get; init; }

    /// <summary>Byte offset of the PixelData element in the file, or -1 when the header scan could not place it (a deflated data set).</summary>
    public long PixelDataOffset { get; init; }

    /// <summary>Value length of a native PixelData element, or -1 when it is encapsulated (compressed), deflated or unknown.</summary>
    public long PixelDataLength { get; init; } = -1;

    public long FileLength { get; init; }

    /// <summary>Bytes that Rows × Columns × BitsAllocated × SamplesPerPixel × NumberOfFrames need.</summary>
    public long ExpectedPixelBytes => (long)Rows * Columns * SamplesPerPixel * Math.Max(1, NumberOfFrames) * BitsAllocated / 8;

    public Vector3D? SliceNormal => RowDirection is { } r && ColumnDirection is { } c ? r.Cross(c).Normalized() : null;
}
