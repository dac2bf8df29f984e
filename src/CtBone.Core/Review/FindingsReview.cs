using System.Globalization;
using CtBone.Core.Analysis;
using CtBone.Core.Calibration;
using CtBone.Core.Screening;
using CtBone.Core.Spine;

namespace CtBone.Core.Review;

/// <summary>How a reviewer moves every level label by one vertebra.</summary>
public enum LabelShift
{
    None,

    /// <summary>Each vertebra takes the name of the one above it: what was called L1 is T12.</summary>
    Up,

    /// <summary>Each vertebra takes the name of the one below it: what was called T12 is L1.</summary>
    Down,
}

/// <summary>A level to exclude or include, named as it stands after any label shift of the same correction, and why.</summary>
public sealed record LevelDecision(string Level, string Reason);

/// <summary>What a reviewer changes in one step. Labels shift first; exclusions and inclusions then name the shifted labels.</summary>
public sealed record FindingsCorrection
{
    public LabelShift ShiftLabels { get; init; }

    public IReadOnlyList<LevelDecision> Exclude { get; init; } = [];

    public IReadOnlyList<LevelDecision> Include { get; init; } = [];

    public bool IsEmpty => ShiftLabels == LabelShift.None && Exclude.Count == 0 && Include.Count == 0;
}

/// <summary>The corrected findings and a line per change; or, when the correction cannot apply, only <see cref="Problem"/>.</summary>
public sealed record CorrectionOutcome
{
    public Findings? Corrected { get; init; }

    public IReadOnlyList<string> Changes { get; init; } = [];

    /// <summary>Why nothing was changed (an unknown level, a level already excluded, ...); null when applied.</summary>
    public string? Problem { get; init; }

    public static CorrectionOutcome Refused(string problem) => new() { Problem = problem };
}

/// <summary>
/// Applies a reviewer's corrections to a findings document and screens it again from the stored measurements: no image
/// is read and no new analysis made. The measurements (HU, ROI, heights) are the analysis' own; only names, exclusions
/// and what follows from them (screening, BMD estimate) change.
/// </summary>
public sealed class FindingsReview(ScreeningPolicy policy, BmdEstimator bmd)
{
    /// <summary>Longest reason kept for an exclusion or inclusion.</summary>
    public const int MaxReasonLength = 300;

    // Flags that keep a level out of any density (DensityLevels); a reviewer who includes the level overrules them.
    private static readonly string[] s_disqualifying = [LevelFlags.Metal, LevelFlags.Fracture, LevelFlags.PartialCoverage, LevelFlags.ReviewerExcluded];

    public CorrectionOutcome Apply(Findings findings, FindingsCorrection correction)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(correction);
        if (findings.Status != AnalysisStatus.Completed)
        {
            return CorrectionOutcome.Refused("only a completed analysis has measurements to correct");
        }

        if (correction.IsEmpty)
        {
            return CorrectionOutcome.Refused("the correction changes nothing: shift the labels, or exclude or include a level");
        }

        var changes = new List<string>();
        var levels = findings.Vertebrae.ToList();
        var labeling = findings.Labeling;
        if (correction.ShiftLabels != LabelShift.None)
        {
            var shifted = Shift(levels, correction.ShiftLabels, changes);
            if (shifted.Problem is not null)
            {
                return CorrectionOutcome.Refused(shifted.Problem);
            }

            levels = shifted.Levels;
            labeling = ShiftedLabeling(labeling, correction.ShiftLabels, changes[^1]);
        }

        foreach (var decision in correction.Exclude)
        {
            if (Decide(levels, decision, exclude: true, changes) is { } problem)
            {
                return CorrectionOutcome.Refused(problem);
            }
        }

        foreach (var decision in correction.Include)
        {
            if (Decide(levels, decision, exclude: false, changes) is { } problem)
            {
                return CorrectionOutcome.Refused(problem);
            }
        }

        var estimate = findings.Bmd;
        if (estimate?.Method != BmdMethods.ScannerCalibration)
        {
            // Phantomless calibration is refitted from the stored reference tissues, exactly as the analysis did.
            estimate = bmd.Estimate(levels, findings.ReferenceTissues, findings.Acquisition, registry: null);
            levels = [.. levels.Select(l => l with { EstimatedBmdMgPerCm3 = estimate.Levels.FirstOrDefault(b => b.Level == l.Level)?.EstimatedBmdMgPerCm3 })];
        }
        else
        {
            changes.Add("The BMD estimate from the registered scanner calibration was kept as the analysis made it.");
        }

        var screening = policy.Screen(levels, findings.Acquisition, labeling);
        var before = findings.Screening;
        if (before?.Category != screening.Category || before?.LevelUsed != screening.LevelUsed || before?.Severity != screening.Severity)
        {
            changes.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"Screening recomputed: {Describe(before)} became {Describe(screening)}."));
        }
        else
        {
            changes.Add($"Screening recomputed: still {Describe(screening)}.");
        }

        return new CorrectionOutcome
        {
            Corrected = findings with { Vertebrae = levels, Labeling = labeling, Screening = screening, Bmd = estimate },
            Changes = changes,
        };
    }

    private static string Describe(ScreeningResult? result) => result is null
        ? "no screening"
        : string.Create(CultureInfo.InvariantCulture, $"{result.Category.ToString().ToLowerInvariant()}{(result.Severity is null ? "" : " (" + result.Severity + ")")}")
            + (result.LevelUsed is null ? "" : string.Create(CultureInfo.InvariantCulture, $" at {result.LevelUsed}, {result.Hu:0.#} HU"));

    private static (List<LevelFinding> Levels, string? Problem) Shift(List<LevelFinding> levels, LabelShift shift, List<string> changes)
    {
        if (levels.Count == 0)
        {
            return (levels, "the analysis found no levels to relabel");
        }

        var by = shift == LabelShift.Up ? -1 : 1;
        var renamed = new List<LevelFinding>(levels.Count);
        foreach (var level in levels)
        {
            if (VertebralOrder.Shift(level.Level, by) is not { } name)
            {
                return (levels, VertebralOrder.Position(level.Level) is null
                    ? $"level {level.Level} has no anatomical name to shift (labels must be T1 to T12 and L1 onwards)"
                    : $"level {level.Level} cannot move {(shift == LabelShift.Up ? "up" : "down")}: there is no level beyond it");
            }

            // A reviewer has placed the labels: the labeler's doubt about them no longer applies.
            renamed.Add(level with
            {
                Level = name,
                Flags = [.. level.Flags.Where(f => f != LevelFlags.LabelingUncertain)],
                Confidence = 1,
            });
        }

        // Said the way a reader thinks of it: which vertebra is really T12 (up) or really L1 (down).
        var first = levels.FirstOrDefault(l => l.Level == (shift == LabelShift.Up ? "L1" : "T12")) ?? levels[0];
        var now = renamed[levels.IndexOf(first)].Level;
        changes.Add($"Labels shifted {(shift == LabelShift.Up ? "up" : "down")} by one level: what was called {first.Level} is {now} "
            + $"({string.Join(", ", levels.Zip(renamed, (a, b) => $"{a.Level}→{b.Level}"))}).");
        return (renamed, null);
    }

    private static LabelingSummary ShiftedLabeling(LabelingSummary? labeling, LabelShift shift, string change) => new()
    {
        Method = LabelingMethods.Reviewer,
        CountsAgree = true,
        Confidence = 1,
        VertebraeBetweenLastRibAndSacrum = labeling?.VertebraeBetweenLastRibAndSacrum,
        LastRibBearingLevel = labeling?.LastRibBearingLevel is { } rib ? VertebralOrder.Shift(rib, shift == LabelShift.Up ? -1 : 1) ?? rib : null,
        SacrumFound = labeling?.SacrumFound ?? false,
        Note = $"{change} The analysis labelled by {labeling?.Method ?? "an unknown method"}"
            + (labeling?.Note is { } note ? $": {note}" : "."),
    };

    private static string? Decide(List<LevelFinding> levels, LevelDecision decision, bool exclude, List<string> changes)
    {
        var index = levels.FindIndex(l => string.Equals(l.Level, decision.Level?.Trim(), StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            return $"there is no level '{decision.Level}' (levels: {string.Join(", ", levels.Select(l => l.Level))})";
        }

        var reason = decision.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > MaxReasonLength)
        {
            return $"{(exclude ? "excluding" : "including")} {levels[index].Level} needs a reason of 1 to {MaxReasonLength} characters";
        }

        var level = levels[index];
        if (exclude)
        {
            if (level.Excluded)
            {
                return $"{level.Level} is already excluded ({level.ExclusionReason})";
            }

            levels[index] = level with
            {
                Excluded = true,
                ExclusionReason = "reviewer: " + reason,
                Flags = [.. level.Flags.Where(f => f != LevelFlags.ReviewerIncluded), LevelFlags.ReviewerExcluded],
                EstimatedBmdMgPerCm3 = null,
            };
            changes.Add($"{level.Level} excluded: {reason}.");
            return null;
        }

        var overruled = level.Flags.Where(f => s_disqualifying.Contains(f, StringComparer.OrdinalIgnoreCase)).ToList();
        if (!level.Excluded && overruled.Count == 0)
        {
            return $"{level.Level} is not excluded";
        }

        if (level.MeanHu is not { } hu || !double.IsFinite(hu))
        {
            return $"{level.Level} was not measured, so it cannot be included";
        }

        levels[index] = level with
        {
            Excluded = false,
            ExclusionReason = null,
            Flags = [.. level.Flags.Where(f => !s_disqualifying.Contains(f, StringComparer.OrdinalIgnoreCase) && f != LevelFlags.ReviewerIncluded), LevelFlags.ReviewerIncluded],
            // Including a level says it is not fractured: a fractured level carries no density (CLINICAL.md).
            FractureGrade = null,
        };
        var grade = level.FractureGrade is { } g && g != FractureGrade.None ? $"; fracture grade {g.ToString().ToLowerInvariant()} cleared" : "";
        changes.Add($"{level.Level} included: {reason}"
            + (level.ExclusionReason is { } was ? $" (it was excluded: {was})" : "")
            + (overruled.Count > 0 ? $"; flags cleared: {string.Join(", ", overruled)}" : "")
            + grade + ".");
        return null;
    }
}
