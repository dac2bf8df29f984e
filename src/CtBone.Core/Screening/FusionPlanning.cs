using CtBone.Core.Analysis;

namespace CtBone.Core.Screening;

/// <summary>A planned fusion level with its HU and the literature risk notes its HU falls under.</summary>
public sealed record PlannedLevel
{
    public required string Level { get; init; }

    public double? RawHu { get; init; }

    /// <summary>After the policy's contrast and kVp adjustments: what the risk notes were compared with.</summary>
    public double? AdjustedHu { get; init; }

    public required bool Usable { get; init; }

    /// <summary>Why the level carries no density (excluded, not measured, not in the series); null when usable.</summary>
    public string? Reason { get; init; }

    public IReadOnlyList<RiskNote> RiskNotes { get; init; } = [];
}

/// <summary>The planned levels head to feet, the lowest instrumented one, and the names that are not levels of the study.</summary>
public sealed record FusionPlan(IReadOnlyList<PlannedLevel> Levels, PlannedLevel? LowestInstrumented, IReadOnlyList<string> NotInStudy);

/// <summary>
/// The surgical-planning view of a screening: per planned level, the HU and the risk notes of the policy that apply to
/// it, each with its source as the policy gives it. Nothing is added to what the policy says.
/// </summary>
public static class FusionPlanning
{
    public static FusionPlan Plan(ScreeningResult screening, IEnumerable<string> plannedLevels)
    {
        ArgumentNullException.ThrowIfNull(screening);
        ArgumentNullException.ThrowIfNull(plannedLevels);
        var notes = screening.Thresholds.ToDictionary(t => t.Id, StringComparer.OrdinalIgnoreCase);
        var planned = new List<PlannedLevel>();
        var unknown = new List<string>();
        foreach (var name in VertebralOrder.HeadToFeet(plannedLevels.Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => l.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)))
        {
            var level = screening.Levels.FirstOrDefault(l => string.Equals(l.Level, name, StringComparison.OrdinalIgnoreCase));
            if (level is null)
            {
                unknown.Add(name);
                continue;
            }

            planned.Add(new PlannedLevel
            {
                Level = level.Level,
                RawHu = level.RawHu,
                AdjustedHu = level.AdjustedHu,
                Usable = level.Usable,
                Reason = level.Reason,
                RiskNotes = [.. level.RiskNotes.Where(notes.ContainsKey).Select(id => notes[id]).Select(t => new RiskNote(t.Id, t.Value, t.Rule, t.Source))],
            });
        }

        // The lowest instrumented vertebra is the most caudal one planned.
        var lowest = planned.Where(p => VertebralOrder.Position(p.Level) is not null).LastOrDefault();
        return new FusionPlan(planned, lowest, unknown);
    }
}
