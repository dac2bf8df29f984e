using CtBone.Core.Analysis;
using CtBone.Core.Series;
using CtBone.Core.Spine;

namespace CtBone.Core.Tests;

/// <summary>Level findings and acquisitions as the spine finder would hand them over, for policy and calibration tests.</summary>
internal static class LevelFindings
{
    public static LevelFinding Level(
        string level,
        double? meanHu,
        string? excludedBecause = null,
        IReadOnlyList<string>? flags = null,
        FractureGrade? fracture = null,
        double confidence = 0.9) => new()
        {
            Level = level,
            MeanHu = meanHu,
            CenterMm = [0, 0, 0],
            Confidence = confidence,
            Excluded = excludedBecause is not null,
            ExclusionReason = excludedBecause,
            Flags = flags ?? [],
            FractureGrade = fracture,
        };

    /// <summary>T12 to L5, top first, with the given HU (null: not measured).</summary>
    public static List<LevelFinding> Levels(double? t12, double? l1, double? l2, double? l3, double? l4, double? l5) =>
    [
        Level("T12", t12), Level("L1", l1), Level("L2", l2), Level("L3", l3), Level("L4", l4), Level("L5", l5),
    ];

    /// <summary>The same spine with one level replaced.</summary>
    public static List<LevelFinding> With(this List<LevelFinding> levels, LevelFinding replacement) =>
        [.. levels.Select(l => l.Level == replacement.Level ? replacement : l)];

    public static AcquisitionSummary Acquisition(
        ContrastPhase phase = ContrastPhase.None,
        double? kvp = 120,
        double? ageYears = null,
        string? sex = null,
        string? manufacturer = null,
        string? model = null) => new()
        {
            ContrastPhase = phase,
            KvP = kvp,
            PatientAgeYears = ageYears,
            PatientSex = sex,
            Manufacturer = manufacturer,
            ManufacturerModelName = model,
        };
}
