namespace CtBone.Store;

/// <summary>Where an analysis is in its life. Completed, Rejected and Failed are final.</summary>
public enum AnalysisState
{
    Queued,
    Running,
    Completed,
    Rejected,
    Failed,
}

/// <summary>Where the worker fetches a study from: the <c>source_kind</c> of an analysis.</summary>
public static class StudySources
{
    /// <summary>Files the service holds itself (an inbox drop or an upload), in its data folder.</summary>
    public const string Files = "files";

    /// <summary>An Orthanc study id, fetched through Orthanc's REST API.</summary>
    public const string Orthanc = "orthanc";

    /// <summary>A StudyInstanceUID, fetched with WADO-RS from the configured DICOMweb server.</summary>
    public const string DicomWeb = "dicomweb";

    /// <summary>A study folder of an archive a batch walks, read where it is: never moved, changed or deleted.</summary>
    public const string ArchiveFolder = "folder";
}

/// <summary>
/// One analysis of one study: the source of truth for what was asked, where it stands and what came out. Jobs carry
/// only its id. PHI columns (patient, accession) are filled from the findings and are never logged.
/// </summary>
public sealed record AnalysisRecord
{
    public required string Id { get; init; }

    public string? StudyInstanceUid { get; init; }

    public string? SeriesInstanceUid { get; init; }

    public required string AlgorithmVersion { get; init; }

    public required string SourceKind { get; init; }

    public required string SourceRef { get; init; }

    /// <summary>How many instances the source held when the study was queued (or fetched); a re-sent study with more supersedes.</summary>
    public int? InstanceCount { get; init; }

    public required AnalysisState State { get; init; }

    public string? Reason { get; init; }

    /// <summary>True for the one result shown for its series and algorithm version.</summary>
    public bool IsCurrent { get; init; }

    public string? SupersededBy { get; init; }

    public int Attempts { get; init; }

    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeaseUntil { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? PatientId { get; init; }

    public string? PatientName { get; init; }

    public string? AccessionNumber { get; init; }

    public DateOnly? StudyDate { get; init; }

    public string? Category { get; init; }

    public string? Severity { get; init; }

    public bool Flagged { get; init; }

    public string? LevelUsed { get; init; }

    public double? ScreeningHu { get; init; }

    /// <summary>The findings document as the worker posted it (the issue 3 contract).</summary>
    public string? FindingsJson { get; init; }

    /// <summary>Manufacturer and model of the scanner, from the findings' acquisition.</summary>
    public string? Scanner { get; init; }

    /// <summary>The findings as a reviewer corrected them (same document shape); null until reviewed.</summary>
    public string? CorrectedFindingsJson { get; init; }

    public DateTimeOffset? ReviewedAt { get; init; }

    /// <summary>Name of the key that made the latest review.</summary>
    public string? ReviewedBy { get; init; }

    /// <summary>The review itself (decision on the flag, note, every change with who and when), as the API writes it.</summary>
    public string? ReviewJson { get; init; }

    public bool IsFinal => State is AnalysisState.Completed or AnalysisState.Rejected or AnalysisState.Failed;

    public bool IsReviewed => ReviewedAt is not null;

    /// <summary>The findings to show: the reviewer's when there are any, else the analysis' own.</summary>
    public string? ResultFindingsJson => CorrectedFindingsJson ?? FindingsJson;
}
