using CtBone.Core.Analysis;

namespace CtBone.Core.Screening;

/// <summary>One CT of the patient on the timeline: when it was taken and how it was screened.</summary>
public sealed record TimelineScan(string AnalysisId, DateOnly StudyDate, ScreeningResult Screening)
{
    /// <summary>The level's HU after the policy's adjustments when the level is usable; null otherwise.</summary>
    public double? Hu(string level) =>
        Screening.Levels.FirstOrDefault(l => string.Equals(l.Level, level, StringComparison.OrdinalIgnoreCase)) is { Usable: true, AdjustedHu: { } hu } ? hu : null;
}

/// <summary>How one level changed between its first and latest usable measurement.</summary>
public sealed record LevelTrend
{
    public required string Level { get; init; }

    public required DateOnly From { get; init; }

    public required DateOnly To { get; init; }

    public required double FirstHu { get; init; }

    public required double LatestHu { get; init; }

    /// <summary>(latest − first) / years between the two study dates.</summary>
    public required double ChangeHuPerYear { get; init; }

    /// <summary>For L1 only (the normative data are L1's): it lost more than <see cref="DensityTimeline.NormalL1LossHuPerYear"/> a year.</summary>
    public bool FasterThanNormalLoss { get; init; }

    /// <summary>The total change is larger than repeat scans differ (<see cref="DensityTimeline.RepeatScanVariationHu"/>).</summary>
    public bool BeyondRepeatScanVariation { get; init; }
}

/// <summary>
/// HU per level across a patient's CTs, oldest first, and each level's yearly change. Normal L1 loss is about 2.5 HU a
/// year (Jang 2019, as CLINICAL.md quotes it); faster loss is a signal, and a change within repeat-scan variation
/// (10 to 16 HU) may be noise.
/// </summary>
public sealed record DensityTimeline
{
    /// <summary>Normal L1 loss, HU per year (Jang et al., Radiology 2019: 226 HU under 30 to 89 HU at 90 or more).</summary>
    public const double NormalL1LossHuPerYear = 2.5;

    /// <summary>Upper end of the repeat-scan least significant change, 10 to 16 HU (CLINICAL.md).</summary>
    public const double RepeatScanVariationHu = 16;

    /// <summary>Study dates closer than this give no yearly rate: a rate over days says nothing.</summary>
    public const int MinDaysForRate = 90;

    public static string NormalLossSource => ClinicalSources.Jang2019 + ": L1 falls about 2.5 HU per year";

    public const string RepeatScanNote = "The least significant change between repeat scans is 10 to 16 HU, so a smaller change may be noise.";

    public required IReadOnlyList<TimelineScan> Scans { get; init; }

    /// <summary>Levels measured in any scan, head to feet.</summary>
    public required IReadOnlyList<string> Levels { get; init; }

    public required IReadOnlyList<LevelTrend> Trends { get; init; }

    public static DensityTimeline Build(IEnumerable<TimelineScan> scans)
    {
        ArgumentNullException.ThrowIfNull(scans);
        var ordered = scans.OrderBy(s => s.StudyDate).ThenBy(s => s.AnalysisId, StringComparer.Ordinal).ToList();
        var levels = VertebralOrder.HeadToFeet(ordered.SelectMany(s => s.Screening.Levels).Where(l => l.Usable).Select(l => l.Level).Distinct(StringComparer.OrdinalIgnoreCase)).ToList();
        var trends = new List<LevelTrend>();
        foreach (var level in levels)
        {
            var points = ordered.Select(s => (s.StudyDate, Hu: s.Hu(level))).Where(p => p.Hu is not null).ToList();
            if (points.Count < 2 || points[^1].StudyDate.DayNumber - points[0].StudyDate.DayNumber < MinDaysForRate)
            {
                continue;
            }

            var (first, latest) = (points[0], points[^1]);
            var years = (latest.StudyDate.DayNumber - first.StudyDate.DayNumber) / 365.25;
            var rate = (latest.Hu!.Value - first.Hu!.Value) / years;
            trends.Add(new LevelTrend
            {
                Level = level,
                From = first.StudyDate,
                To = latest.StudyDate,
                FirstHu = first.Hu.Value,
                LatestHu = latest.Hu.Value,
                ChangeHuPerYear = rate,
                FasterThanNormalLoss = string.Equals(level, "L1", StringComparison.OrdinalIgnoreCase) && rate < -NormalL1LossHuPerYear,
                BeyondRepeatScanVariation = Math.Abs(latest.Hu.Value - first.Hu.Value) > RepeatScanVariationHu,
            });
        }

        return new DensityTimeline { Scans = ordered, Levels = levels, Trends = trends };
    }
}
