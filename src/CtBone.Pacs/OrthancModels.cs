namespace CtBone.Pacs;

/// <summary>One entry of Orthanc's <c>/changes</c> log.</summary>
/// <param name="Date">When Orthanc logged it, by Orthanc's clock in its local time, to the second; null if unreadable.</param>
public sealed record OrthancChange(long Seq, string ChangeType, string ResourceType, string Id, DateTime? Date);

/// <summary>A page of Orthanc's <c>/changes</c> log. Ask again with <c>since = Last</c> until <see cref="Done"/>.</summary>
public sealed record OrthancChanges(IReadOnlyList<OrthancChange> Changes, long Last, bool Done);

/// <summary>The <see cref="OrthancChange.ChangeType"/> values CtBone acts on.</summary>
public static class OrthancChangeTypes
{
    /// <summary>No new instance for the study during Orthanc's StableAge: quiet, not necessarily complete.</summary>
    public const string StableStudy = "StableStudy";

    public const string StableSeries = "StableSeries";

    public const string NewInstance = "NewInstance";
}

public sealed record OrthancSeries(string OrthancId, string Modality, string SeriesInstanceUid, string SeriesDescription, IReadOnlyList<string> InstanceIds)
{
    public int InstanceCount => InstanceIds.Count;
}

/// <summary>A study as Orthanc indexes it. <see cref="ToString"/> leaves out the patient's name, ID and accession number.</summary>
public sealed record OrthancStudy(
    string OrthancId,
    string StudyInstanceUid,
    string PatientId,
    string PatientName,
    string AccessionNumber,
    DateOnly? StudyDate,
    string StudyDescription,
    IReadOnlyList<OrthancSeries> Series)
{
    public int InstanceCount => Series.Sum(s => s.InstanceCount);

    public override string ToString() => $"study {StudyInstanceUid} (Orthanc {OrthancId}, {Series.Count} series, {InstanceCount} instances)";
}
