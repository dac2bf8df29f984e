namespace CtBone.Core.Series;

/// <summary>How the selected series was acquired: what later steps need to interpret its HU.</summary>
public sealed record AcquisitionInfo
{
    public double? KvP { get; init; }

    public string? ConvolutionKernel { get; init; }

    /// <summary>ContrastBolusAgent (0018,0010); null when the tag is absent or empty.</summary>
    public string? ContrastBolusAgent { get; init; }

    public string? Manufacturer { get; init; }

    public string? ManufacturerModelName { get; init; }

    public double? SliceThicknessMm { get; init; }

    public PatientAge? PatientAge { get; init; }

    /// <summary>PatientSex (0010,0040): M, F or O; null when not recorded.</summary>
    public string? PatientSex { get; init; }

    public string? SeriesDescription { get; init; }

    public string? BodyPartExamined { get; init; }

    public static AcquisitionInfo From(SliceHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return new AcquisitionInfo
        {
            KvP = header.KvP,
            ConvolutionKernel = header.ConvolutionKernel,
            ContrastBolusAgent = header.ContrastBolusAgent,
            Manufacturer = header.Manufacturer,
            ManufacturerModelName = header.ManufacturerModelName,
            SliceThicknessMm = header.SliceThicknessMm,
            PatientAge = PatientAge.From(header.PatientAge, header.PatientBirthDate, header.StudyDate),
            PatientSex = header.PatientSex is "M" or "F" or "O" ? header.PatientSex : null,
            SeriesDescription = header.SeriesDescription,
            BodyPartExamined = header.BodyPartExamined,
        };
    }
}
