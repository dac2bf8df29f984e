namespace CtBone.Core.Series;

/// <summary>
/// Who a study belongs to and how the hospital finds it: the header fields surgeons search by. This is PHI: it goes into
/// the findings and the service's database, and never into a log.
/// </summary>
public sealed record StudyIdentity
{
    /// <summary>PatientID (0010,0020), the MRN.</summary>
    public string? PatientId { get; init; }

    /// <summary>PatientName (0010,0010) as DICOM writes it: family^given^middle^prefix^suffix.</summary>
    public string? PatientName { get; init; }

    public string? AccessionNumber { get; init; }

    public DateOnly? StudyDate { get; init; }

    public string? StudyDescription { get; init; }

    public static StudyIdentity From(SliceHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return new StudyIdentity
        {
            PatientId = Blank(header.PatientId),
            PatientName = Blank(header.PatientName),
            AccessionNumber = Blank(header.AccessionNumber),
            StudyDate = header.StudyDate,
            StudyDescription = Blank(header.StudyDescription),
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
