using System.Security.Claims;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Analysis;
using CtBone.Core.Review;
using CtBone.Store;
using CtBone.Worker;
using Hangfire;
using Microsoft.AspNetCore.Http;

namespace CtBone.Api;

/// <summary>A reviewer's decision on the flag.</summary>
public enum FlagDecision
{
    /// <summary>The flag stands: the reviewer agrees that bone density may be low.</summary>
    Confirmed,

    /// <summary>A false flag: the analysis leaves the flagged list whatever its category.</summary>
    Rejected,
}

/// <summary>
/// <c>POST /api/analyses/{id}/review</c> and the study page's review forms: any of a label shift, exclusions and
/// inclusions (levels named as they stand after the shift), a decision on the flag, and a note.
/// </summary>
public sealed record ReviewRequest
{
    public LabelShift ShiftLabels { get; init; }

    public IReadOnlyList<LevelDecision>? Exclude { get; init; }

    public IReadOnlyList<LevelDecision>? Include { get; init; }

    public FlagDecision? Flag { get; init; }

    public string? Note { get; init; }

    public FindingsCorrection Correction => new() { ShiftLabels = ShiftLabels, Exclude = Exclude ?? [], Include = Include ?? [] };
}

/// <summary>One review step: who, when, and what it changed.</summary>
public sealed record ReviewStep
{
    public required DateTimeOffset At { get; init; }

    public required string By { get; init; }

    public required string Role { get; init; }

    public IReadOnlyList<string> Changes { get; init; } = [];
}

/// <summary>The review of an analysis as stored and shown: the standing flag decision and note, and every step.</summary>
public sealed record ReviewDocument
{
    public FlagDecision? Flag { get; init; }

    public string? Note { get; init; }

    public IReadOnlyList<ReviewStep> Steps { get; init; } = [];

    public static ReviewDocument? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize<ReviewDocument>(json, CtBoneJson.Options);
}

/// <summary>What a review attempt came to; <see cref="Record"/> is set when it was stored.</summary>
public sealed record ReviewOutcome(int Status, string? Problem, AnalysisRecord? Record)
{
    public static ReviewOutcome Refused(int status, string problem) => new(status, problem, null);
}

/// <summary>
/// Applies a review: corrects the findings (re-screened from the stored measurements), keeps the original beside
/// them, stores the decision on the flag, writes who changed what to the audit log, and has the results in PACS
/// revised (<see cref="ResultRevisionJob"/>; each step is the next revision).
/// </summary>
public sealed class AnalysisReviews(AnalysisStore store, FindingsReview review, AuditTrail audit, IBackgroundJobClient jobs, TimeProvider clock)
{
    public const int MaxNoteLength = 1000;

    public async Task<ReviewOutcome> ReviewAsync(HttpContext context, string id, ReviewRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var record = await store.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (record is null)
        {
            return ReviewOutcome.Refused(StatusCodes.Status404NotFound, $"no analysis {id}");
        }

        if (record.State != AnalysisState.Completed || record.ResultFindingsJson is not { } json)
        {
            return ReviewOutcome.Refused(StatusCodes.Status409Conflict, $"analysis {id} is {AnalysisStore.Text(record.State)}: only a completed analysis can be reviewed");
        }

        var note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim();
        if (note?.Length > MaxNoteLength)
        {
            return ReviewOutcome.Refused(StatusCodes.Status400BadRequest, $"the note is longer than {MaxNoteLength} characters");
        }

        var findings = JsonSerializer.Deserialize<Findings>(json, CtBoneJson.Options)!;
        var changes = new List<string>();
        if (!request.Correction.IsEmpty)
        {
            var outcome = review.Apply(findings, request.Correction);
            if (outcome.Problem is { } problem)
            {
                return ReviewOutcome.Refused(StatusCodes.Status400BadRequest, problem);
            }

            findings = outcome.Corrected!;
            changes.AddRange(outcome.Changes);
        }
        else if (request.Flag is null && note is null)
        {
            return ReviewOutcome.Refused(StatusCodes.Status400BadRequest, "the review changes nothing: shift the labels, exclude or include a level, confirm or reject the flag, or add a note");
        }

        if (request.Flag is { } flag)
        {
            changes.Add(flag == FlagDecision.Confirmed ? "Flag confirmed." : "Flag rejected: the analysis leaves the flagged list.");
        }

        if (note is not null)
        {
            changes.Add("Note: " + note);
        }

        var before = ReviewDocument.Parse(record.ReviewJson) ?? new ReviewDocument();
        var name = context.User.FindFirstValue(ClaimTypes.Name) ?? "unknown";
        var now = clock.GetUtcNow();
        var document = new ReviewDocument
        {
            Flag = request.Flag ?? before.Flag,
            Note = note ?? before.Note,
            Steps = [.. before.Steps, new ReviewStep { At = now, By = name, Role = context.User.FindFirstValue(ClaimTypes.Role) ?? "none", Changes = changes }],
        };
        var stored = await store.RecordReviewAsync(
            id,
            new AnalysisReview
            {
                Corrected = findings,
                CorrectedJson = JsonSerializer.Serialize(findings, CtBoneJson.Options),
                ReviewedBy = name,
                ReviewedAt = now,
                ReviewJson = JsonSerializer.Serialize(document, CtBoneJson.Options),
                FlagRejected = document.Flag == FlagDecision.Rejected,
            },
            record.ReviewedAt,
            context.RequestAborted).ConfigureAwait(false);
        if (stored is null)
        {
            return ReviewOutcome.Refused(StatusCodes.Status409Conflict, "another review of this analysis was saved meanwhile: reload it and review again");
        }

        await audit.RecordAsync(context, "analysis.review", id, string.Join(" ", changes)).ConfigureAwait(false);
        ResultRevisionJob.Enqueue(jobs, id, document.Steps.Count);
        return new ReviewOutcome(StatusCodes.Status200OK, null, stored);
    }
}
