using System.Text.Json;
using System.Text.Json.Serialization;
using CtBone.Store;

namespace CtBone.Api;

/// <summary>An analysis as the API shows it: where it stands, its provenance, its key images and, once done, its findings.</summary>
public sealed record AnalysisResource
{
    public required string Id { get; init; }

    public required string State { get; init; }

    public string? Reason { get; init; }

    public string? StudyInstanceUid { get; init; }

    public string? SeriesInstanceUid { get; init; }

    public required string AlgorithmVersion { get; init; }

    public required string SourceKind { get; init; }

    public required string SourceRef { get; init; }

    public int? InstanceCount { get; init; }

    /// <summary>False when a later result of the same series (from as many or more instances) replaced this one.</summary>
    public bool IsCurrent { get; init; }

    public string? SupersededBy { get; init; }

    public int Attempts { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public IReadOnlyList<string> KeyImages { get; init; } = [];

    /// <summary>The DICOM objects made for PACS (the TID 1500 SR and the overview Secondary Capture), as download links.</summary>
    public IReadOnlyList<string> DicomObjects { get; init; } = [];

    /// <summary>How far the DICOM objects got on their way back to PACS; null when the analysis made none.</summary>
    public DeliveryResource? Delivery { get; init; }

    /// <summary>Every delivery: <see cref="Delivery"/>, then that of each reviewer's revision of the objects.</summary>
    public IReadOnlyList<DeliveryResource> Deliveries { get; init; } = [];

    /// <summary>The findings document of issue 3: as a reviewer corrected it when <see cref="Reviewed"/>, else as the worker posted it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Findings { get; init; }

    /// <summary>True when a reviewer corrected or confirmed the result; <see cref="Findings"/> is then the corrected one.</summary>
    public bool Reviewed { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ReviewDocument? Review { get; init; }

    /// <summary>The findings as the analysis made them, beside the corrected ones; only when reviewed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? OriginalFindings { get; init; }

    public static AnalysisResource From(AnalysisRecord record, IReadOnlyList<string> imageNames)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(imageNames);
        return new AnalysisResource
        {
            Id = record.Id,
            State = AnalysisStore.Text(record.State),
            Reason = record.Reason,
            StudyInstanceUid = record.StudyInstanceUid,
            SeriesInstanceUid = record.SeriesInstanceUid,
            AlgorithmVersion = record.AlgorithmVersion,
            SourceKind = record.SourceKind,
            SourceRef = record.SourceRef,
            InstanceCount = record.InstanceCount,
            IsCurrent = record.IsCurrent,
            SupersededBy = record.SupersededBy,
            Attempts = record.Attempts,
            CreatedAt = record.CreatedAt,
            StartedAt = record.StartedAt,
            FinishedAt = record.FinishedAt,
            KeyImages = [.. imageNames.Select(name => $"/api/analyses/{record.Id}/images/{name}")],
            Findings = Json(record.ResultFindingsJson),
            Reviewed = record.IsReviewed,
            Review = ReviewDocument.Parse(record.ReviewJson),
            OriginalFindings = record.IsReviewed ? Json(record.FindingsJson) : null,
        };
    }

    private static JsonElement? Json(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

/// <summary>One row of the analyses list: enough to pick a study, with the screening at a glance.</summary>
public sealed record AnalysisListItem
{
    public required string Id { get; init; }

    public required string State { get; init; }

    public string? PatientId { get; init; }

    public string? PatientName { get; init; }

    public string? AccessionNumber { get; init; }

    public DateOnly? StudyDate { get; init; }

    public string? Category { get; init; }

    public string? Severity { get; init; }

    public bool Flagged { get; init; }

    public string? LevelUsed { get; init; }

    public double? ScreeningHu { get; init; }

    public string? SeriesInstanceUid { get; init; }

    public required string AlgorithmVersion { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Manufacturer and model of the scanner.</summary>
    public string? Scanner { get; init; }

    /// <summary>True when a reviewer corrected or confirmed it; category, severity and flag are then the reviewed ones.</summary>
    public bool Reviewed { get; init; }

    public required string Href { get; init; }

    public static AnalysisListItem From(AnalysisRecord r) => new()
    {
        Id = r.Id,
        State = AnalysisStore.Text(r.State),
        PatientId = r.PatientId,
        PatientName = r.PatientName,
        AccessionNumber = r.AccessionNumber,
        StudyDate = r.StudyDate,
        Category = r.Category,
        Severity = r.Severity,
        Flagged = r.Flagged,
        LevelUsed = r.LevelUsed,
        ScreeningHu = r.ScreeningHu,
        SeriesInstanceUid = r.SeriesInstanceUid,
        AlgorithmVersion = r.AlgorithmVersion,
        CreatedAt = r.CreatedAt,
        FinishedAt = r.FinishedAt,
        Scanner = r.Scanner,
        Reviewed = r.IsReviewed,
        Href = "/api/analyses/" + r.Id,
    };
}

public sealed record AnalysisList(IReadOnlyList<AnalysisListItem> Items, int Total, int Page, int PageSize);

/// <summary>What <c>POST /api/analyses</c> takes as JSON: a study the worker fetches from a configured PACS.</summary>
public sealed record StudyRequest(string? StudyInstanceUid, string? Source);

/// <summary>What a queued or running analysis looks like (with status 202), and what POST answers.</summary>
public sealed record AnalysisAccepted(string Id, string State, bool Created, string Href);

/// <summary>
/// The delivery of an analysis' DICOM objects to PACS: "pending" (queued, or waiting to try again after the failure in
/// <see cref="Reason"/>), "sent", "failed" (given up; <see cref="Reason"/> says why) or "none" (nowhere to send; why).
/// </summary>
/// <param name="Revision">0 for the analysis' own objects; 1, 2, ... for the objects revised after each review.</param>
public sealed record DeliveryResource(
    string State, string? Target, string? Reason, int Attempts, DateTimeOffset UpdatedAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? SentAt, int Revision = 0)
{
    public static DeliveryResource? From(DeliveryRecord? record) => record is null
        ? null
        : new DeliveryResource(
            ResultDeliveries.Text(record.State), record.Target, record.Reason, record.Attempts, record.UpdatedAt, record.NextAttemptAt, record.SentAt, record.Revision);
}
