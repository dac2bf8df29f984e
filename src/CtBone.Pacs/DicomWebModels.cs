using System.Net;

namespace CtBone.Pacs;

/// <summary>A QIDO-RS study match. <see cref="ToString"/> leaves out the patient's name, ID and accession number.</summary>
public sealed record DicomWebStudy(
    string StudyInstanceUid,
    DateOnly? StudyDate,
    int? NumberOfStudyRelatedInstances,
    string PatientId,
    string PatientName,
    string AccessionNumber,
    string StudyDescription,
    IReadOnlyList<string> ModalitiesInStudy)
{
    public override string ToString() => $"study {StudyInstanceUid} ({NumberOfStudyRelatedInstances?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} instances)";
}

/// <summary>What a WADO-RS retrieve wrote: one file per part, and the parts' content bytes in all.</summary>
public sealed record RetrievedStudy(int FileCount, long ContentBytes);

/// <summary>One instance a STOW-RS server did not store (FailedSOPSequence, 0008,1198).</summary>
/// <param name="FailureReason">FailureReason (0008,1197), PS3.4 table GG.4-1 (for example 0xA700 out of resources, 0xC000 cannot understand), when the server gives one.</param>
public sealed record StowFailure(string SopInstanceUid, int? FailureReason);

/// <summary>
/// A STOW-RS answer: 200 all stored, 202 some failed, 409 none stored (PS3.18 section 10.5.3). The SOP lists come from
/// the response's ReferencedSOPSequence (0008,1199) and FailedSOPSequence (0008,1198), when it has them.
/// </summary>
public sealed record StowOutcome(HttpStatusCode StatusCode, IReadOnlyList<string> StoredSopInstanceUids, IReadOnlyList<StowFailure> Failures)
{
    public bool AllStored => StatusCode == HttpStatusCode.OK && Failures.Count == 0;
}
