namespace CtBone.Core.Phantoms;

/// <summary>What a generated series is, as a series selector would classify it.</summary>
public enum SeriesKind
{
    /// <summary>Thin axial images: the series analysis should choose.</summary>
    PrimaryAxial,

    /// <summary>A thick (5 mm) axial reconstruction of the same acquisition.</summary>
    ThickAxial,

    /// <summary>A thin axial series in another contrast phase.</summary>
    ContrastAxial,

    /// <summary>A sagittal multiplanar reformat (derived).</summary>
    SagittalReformat,

    /// <summary>A single projection image (scout, topogram): its voxels are unitless projection values, not HU.</summary>
    Localizer,
}

/// <summary>
/// The DICOM attributes a series is written with, apart from the per-slice geometry and pixels (those come from the
/// <see cref="Volumes.CtVolume"/>). Names are the .NET casing of the DICOM keywords; strings are plain ASCII.
/// </summary>
public sealed record SeriesAttributes
{
    public required SeriesKind Kind { get; init; }

    public required string PatientName { get; init; }

    public required string PatientId { get; init; }

    /// <summary>PatientBirthDate (0010,0030); null writes the attribute empty (it is type 2).</summary>
    public DateOnly? PatientBirthDate { get; init; }

    /// <summary>PatientSex (0010,0040): M, F or O.</summary>
    public string? PatientSex { get; init; }

    /// <summary>PatientAge (0010,1010) as written, e.g. "056Y"; null leaves it out.</summary>
    public string? PatientAge { get; init; }

    public required string StudyInstanceUid { get; init; }

    public required DateOnly StudyDate { get; init; }

    public required TimeOnly StudyTime { get; init; }

    public string StudyDescription { get; init; } = "CT ABDOMEN";

    public string StudyId { get; init; } = "1";

    public string AccessionNumber { get; init; } = "";

    public required string SeriesInstanceUid { get; init; }

    public required int SeriesNumber { get; init; }

    public required string SeriesDescription { get; init; }

    /// <summary>SeriesTime (0008,0031) and AcquisitionTime; later series of a study start later.</summary>
    public required TimeOnly SeriesTime { get; init; }

    public string Modality { get; init; } = "CT";

    /// <summary>PatientPosition (0018,5100): HFS or FFS.</summary>
    public required string PatientPosition { get; init; }

    public string BodyPartExamined { get; init; } = "ABDOMEN";

    public required string FrameOfReferenceUid { get; init; }

    /// <summary>ImageType (0008,0008) values, e.g. ORIGINAL, PRIMARY, AXIAL.</summary>
    public required IReadOnlyList<string> ImageType { get; init; }

    public double? KvP { get; init; }

    public string? ConvolutionKernel { get; init; }

    /// <summary>ContrastBolusAgent (0018,0010); null for an unenhanced series (the attribute is then left out).</summary>
    public string? ContrastBolusAgent { get; init; }

    public string? ContrastBolusRoute { get; init; }

    public required string Manufacturer { get; init; }

    public required string ManufacturerModelName { get; init; }

    /// <summary>SliceThickness (0018,0050); null writes it empty (type 2).</summary>
    public double? SliceThicknessMm { get; init; }

    /// <summary>SpacingBetweenSlices (0018,0088), written only for reconstructions and reformats.</summary>
    public double? SpacingBetweenSlicesMm { get; init; }

    /// <summary>ReconstructionDiameter (0018,1100).</summary>
    public double? ReconstructionDiameterMm { get; init; }

    public double? XRayTubeCurrentMa { get; init; }

    /// <summary>WindowCenter (0028,1050) and WindowWidth (0028,1051) for display.</summary>
    public double WindowCenter { get; init; } = 40;

    public double WindowWidth { get; init; } = 400;

    /// <summary>RescaleType (0028,1054): HU, or US (unspecified) for a localizer.</summary>
    public string RescaleType { get; init; } = "HU";

    /// <summary>Stored-value encoding and transfer syntax.</summary>
    public required StorageEncoding Encoding { get; init; }

    /// <summary>SOPInstanceUID of each slice k, in the volume's slice order; InstanceNumber is k + 1.</summary>
    public required IReadOnlyList<string> SopInstanceUids { get; init; }
}
