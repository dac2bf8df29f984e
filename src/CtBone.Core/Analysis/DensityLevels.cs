using CtBone.Core.Spine;

namespace CtBone.Core.Analysis;

/// <summary>Which measured levels may carry a density: shared by the screening policy and the BMD estimate.</summary>
internal static class DensityLevels
{
    /// <summary>The levels QCT and the surgical outcome studies average (Zou 2020, J Neurosurg Spine: L1 to L4).</summary>
    public static readonly IReadOnlyList<string> L1ToL4 = ["L1", "L2", "L3", "L4"];

    // A finder that flags one of these but forgets to exclude the level must not leak its HU into a density.
    private static readonly string[] DisqualifyingFlags = [LevelFlags.Metal, LevelFlags.Fracture, LevelFlags.PartialCoverage];

    public static LevelFinding? Find(IReadOnlyList<LevelFinding> levels, string name) =>
        levels.FirstOrDefault(l => string.Equals(l.Level, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Why the level cannot carry a density, or null when it can.</summary>
    public static string? WhyUnusable(LevelFinding? level)
    {
        if (level is null)
        {
            return "not found in the series";
        }

        if (level.Excluded)
        {
            return "excluded: " + (string.IsNullOrWhiteSpace(level.ExclusionReason) ? "no reason given" : level.ExclusionReason);
        }

        var flag = DisqualifyingFlags.FirstOrDefault(f => HasFlag(level, f));
        if (flag is not null)
        {
            return "flagged " + flag;
        }

        return level.MeanHu is { } hu && double.IsFinite(hu) ? null : "not measured";
    }

    public static bool IsUsable(LevelFinding? level) => WhyUnusable(level) is null;

    /// <summary>A prevalent fracture at any level (Genant grade or flag), whether or not the level was excluded.</summary>
    public static bool HasFracture(IReadOnlyList<LevelFinding> levels) => levels.Any(IsFractured);

    public static bool IsFractured(LevelFinding level) =>
        level.FractureGrade is { } grade && grade != FractureGrade.None || HasFlag(level, LevelFlags.Fracture);

    public static bool HasFlag(LevelFinding level, string flag) =>
        level.Flags.Any(f => string.Equals(f, flag, StringComparison.OrdinalIgnoreCase));

    /// <summary>The first <paramref name="count"/> usable levels among L1 to L4, top first.</summary>
    public static IReadOnlyList<LevelFinding> UsableL1ToL4(IReadOnlyList<LevelFinding> levels, int count = 4) =>
        [.. L1ToL4.Select(name => Find(levels, name)).Where(IsUsable).Take(count).Select(l => l!)];
}
