using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Analysis;
using CtBone.Store;
using CtBone.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace CtBone.Api;

/// <summary>Batch reprocessing of an archive folder: start one (admins), follow its progress, export its results.</summary>
public static class BatchEndpoints
{
    public const int MaxStudyDepth = 8;

    public sealed record BatchRequest(string? Folder, int? StudyDepth, string? Name);

    public static IEndpointRouteBuilder MapBatches(this IEndpointRouteBuilder routes)
    {
        var batches = routes.MapGroup("/api/batches").WithTags("batches");
        batches.MapPost(string.Empty, CreateAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Reprocess an archive folder: JSON {folder, studyDepth (1: each folder directly in it is a study), name}. The folder must be in one of CtBone:Batches:Roots; its files are read where they are, never moved or changed. 202 with Location.");
        batches.MapGet(string.Empty, async (BatchStore store, CancellationToken cancellationToken) =>
            Results.Json((await store.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Select(BatchResource.From), CtBoneJson.Options))
            .RequireAuthorization(Policies.Viewer).WithSummary("The latest 100 batches with their progress.");
        batches.MapGet("/{id}", async (string id, BatchStore store, CancellationToken cancellationToken) =>
            await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } batch
                ? Results.Json(BatchResource.From(batch), CtBoneJson.Options)
                : Problems.NotFound($"no batch {id}"))
            .RequireAuthorization(Policies.Viewer).WithSummary("A batch's progress: study folders found, its analyses by state, flagged, and when it finished.");
        batches.MapPost("/{id}/cancel", CancelAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Stop a batch that is walking or running: no more folders are listed, its queued analyses are dropped (a later batch over the folder analyses them afresh), running ones finish. 202 with the batch; 409 when it is done, rejected or cancelled.");
        batches.MapGet("/{id}/results.csv", ExportAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("A batch's results as CSV, one row per study folder, with patient ID and accession (an audited read) and each result's provenance.");
        return routes;
    }

    private static async Task<IResult> CreateAsync(
        [FromBody] BatchRequest request, HttpContext context, BatchStore store, IOptions<BatchOptions> options, AuditTrail audit)
    {
        if (options.Value.Roots.Count == 0)
        {
            return Problems.For(StatusCodes.Status409Conflict, "batches are off here: no archive folder is configured (CtBone:Batches:Roots)");
        }

        if (string.IsNullOrWhiteSpace(request.Folder) || !Path.IsPathFullyQualified(request.Folder))
        {
            return Problems.BadRequest("folder must be an absolute path");
        }

        var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(request.Folder));
        if (options.Value.RootOf(folder) is null)
        {
            return Problems.BadRequest($"folder must be one of the archive folders or inside one (CtBone:Batches:Roots: {string.Join(", ", options.Value.Roots)})");
        }

        if (!Directory.Exists(folder))
        {
            return Problems.BadRequest($"there is no folder {folder} on this machine");
        }

        var depth = request.StudyDepth ?? 1;
        if (depth is < 1 or > MaxStudyDepth)
        {
            return Problems.BadRequest($"studyDepth must be from 1 (each folder directly in it is a study) to {MaxStudyDepth}");
        }

        var name = string.IsNullOrWhiteSpace(request.Name) ? Path.GetFileName(folder) : request.Name.Trim();
        if (name.Length > 200)
        {
            return Problems.BadRequest("name must be at most 200 characters");
        }

        var batch = await store.CreateAsync(name, folder, depth, context.User.FindFirstValue(ClaimTypes.Name) ?? "unknown", context.RequestAborted).ConfigureAwait(false);
        await audit.RecordAsync(context, "batch.create", batch.Id, $"depth {depth}").ConfigureAwait(false);
        var resource = BatchResource.From(batch);
        return Results.Accepted(resource.Href, resource);
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext context, BatchStore store, TimeProvider clock, AuditTrail audit)
    {
        if (await store.GetAsync(id, context.RequestAborted).ConfigureAwait(false) is null)
        {
            return Problems.NotFound($"no batch {id}");
        }

        var by = context.User.FindFirstValue(ClaimTypes.Name) ?? "unknown";
        if (!await store.CancelAsync(id, $"cancelled by {by} at {clock.GetUtcNow():yyyy-MM-dd HH:mm:ss} UTC", context.RequestAborted).ConfigureAwait(false))
        {
            return Problems.For(StatusCodes.Status409Conflict, $"batch {id} is done, rejected or cancelled already: there is nothing to stop");
        }

        await audit.RecordAsync(context, "batch.cancel", id).ConfigureAwait(false);
        return Results.Json(BatchResource.From((await store.GetAsync(id, context.RequestAborted).ConfigureAwait(false))!), CtBoneJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ExportAsync(string id, HttpContext context, BatchStore store, AnalysisStore analyses, AuditTrail audit)
    {
        if (await store.GetAsync(id, context.RequestAborted).ConfigureAwait(false) is not { } batch)
        {
            return Problems.NotFound($"no batch {id}");
        }

        await audit.RecordAsync(context, "batch.export", id, $"{batch.Found} rows with patient ID and accession").ConfigureAwait(false);
        return Results.Stream(
            async body =>
            {
                var writer = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                await using (writer.ConfigureAwait(false))
                {
                    await BatchExport.WriteAsync(writer, analyses.InBatchAsync(id, context.RequestAborted)).ConfigureAwait(false);
                }
            },
            "text/csv; charset=utf-8",
            $"batch-{id}.csv");
    }
}

/// <summary>A batch as the API shows it.</summary>
public sealed record BatchResource
{
    private static readonly string[] s_states = ["queued", "running", "completed", "rejected", "failed", "cancelled"];

    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Folder { get; init; }

    public required int StudyDepth { get; init; }

    public required string CreatedBy { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>"walking" (finding study folders), "running" (analyses queued or running), "done", "rejected" or "cancelled" (see reason).</summary>
    public required string State { get; init; }

    public string? Reason { get; init; }

    /// <summary>Study folders found (each one analysis).</summary>
    public required int Studies { get; init; }

    /// <summary>The batch's analyses by state: queued, running, completed, rejected, failed; and cancelled (dropped before they ran).</summary>
    public required IReadOnlyDictionary<string, int> Analyses { get; init; }

    /// <summary>Analyses finished (completed, rejected or failed).</summary>
    public required int Finished { get; init; }

    public required int Flagged { get; init; }

    /// <summary>Finished over found, 0 to 1 (0 while walking).</summary>
    public required double Progress { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public required string Href { get; init; }

    public required string Results { get; init; }

    public static BatchResource From(BatchRecord batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var open = batch.Analyses.Where(a => a.Key is "queued" or "running").Sum(a => a.Value);
        var listed = batch.Analyses.Values.Sum();
        var finished = listed - open;
        var analyses = new Dictionary<string, int>(batch.Analyses, StringComparer.Ordinal) { ["cancelled"] = batch.Found - listed };
        var href = "/api/batches/" + batch.Id;
        return new BatchResource
        {
            Id = batch.Id,
            Name = batch.Name,
            Folder = batch.Folder,
            StudyDepth = batch.StudyDepth,
            CreatedBy = batch.CreatedBy,
            CreatedAt = batch.CreatedAt,
            State = batch.State switch
            {
                BatchState.Enumerating => "walking",
                BatchState.Rejected => "rejected",
                BatchState.Cancelled => "cancelled",
                _ => open > 0 ? "running" : "done",
            },
            Reason = batch.Reason,
            Studies = batch.Found,
            Analyses = s_states.ToDictionary(s => s, s => analyses.GetValueOrDefault(s), StringComparer.Ordinal),
            Finished = finished,
            Flagged = batch.Flagged,
            Progress = batch.State == BatchState.Enumerating || batch.Found == 0 ? (batch.State == BatchState.Enumerated ? 1 : 0) : Math.Round((double)finished / batch.Found, 4),
            FinishedAt = batch.LastFinishedAt ?? (batch.State == BatchState.Enumerated && batch.Found == 0 ? batch.EnumeratedAt : null),
            Href = href,
            Results = href + "/results.csv",
        };
    }
}

/// <summary>
/// A batch's results as CSV (RFC 4180, a header row, UTF-8): one row per study folder, with the figures and where each
/// comes from (series, level, ROI, thresholds with their source, algorithm version). A cell that a spreadsheet would
/// take for a formula (it starts with =, +, -, @, a tab or a carriage return, and is not a number) is written with a
/// leading apostrophe: folder names and reasons come from outside.
/// </summary>
public static class BatchExport
{
    public static readonly string[] Columns =
    [
        "folder", "analysis_id", "state", "reason", "patient_id", "accession_number", "study_date", "category", "severity", "flagged",
        "level_used", "screening_hu", "hu_source", "roi_mid_slice_sop_instance_uid", "roi_area_mm2", "policy", "thresholds",
        "study_instance_uid", "series_instance_uid", "algorithm_version", "current", "reviewed_by", "finished_at",
    ];

    public static async Task WriteAsync(TextWriter csv, IAsyncEnumerable<(string Folder, AnalysisRecord Record)> items)
    {
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(items);
        await WriteRowAsync(csv, Columns).ConfigureAwait(false);
        await foreach (var (folder, item) in items.ConfigureAwait(false))
        {
            var findings = item.ResultFindingsJson is { } json ? JsonSerializer.Deserialize<Findings>(json, CtBoneJson.Options) : null;
            var screening = findings?.Screening;
            var level = findings?.Vertebrae.FirstOrDefault(v => v.Level == item.LevelUsed);
            await WriteRowAsync(csv,
            [
                folder, item.Id, AnalysisStore.Text(item.State), item.Reason, item.PatientId, item.AccessionNumber,
                item.StudyDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), item.Category, item.Severity, item.Flagged ? "true" : "false",
                item.LevelUsed, Number(item.ScreeningHu), screening?.Source, level?.Roi?.MidSliceSopInstanceUid, Number(level?.AreaMm2),
                screening?.PolicyName is { } policy ? $"{policy} {screening.PolicyVersion}".Trim() : null,
                screening is null ? null : string.Join("; ", screening.Thresholds.Select(t => $"{t.Id}: {t.Rule} {Number(t.Value)} {t.Unit} ({t.Source})")),
                item.StudyInstanceUid, item.SeriesInstanceUid, item.AlgorithmVersion, item.IsCurrent ? "true" : "false", item.ReviewedBy,
                item.FinishedAt?.ToString("O", CultureInfo.InvariantCulture),
            ]).ConfigureAwait(false);
        }
    }

    /// <summary>One cell as written: quoted when it holds a comma, quote or line break; defused when it looks like a formula.</summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string? Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture);

    private static Task WriteRowAsync(TextWriter csv, IEnumerable<string?> cells) => csv.WriteAsync(string.Join(',', cells.Select(Cell)) + "\r\n");
}
