using System.Globalization;
using CtBone.Core.Analysis;
using CtBone.Core.Spine;

namespace CtBone.Imaging;

/// <summary>The words on the key images, kept apart from drawing so that every image says the same thing the same way.</summary>
internal static class LevelCaptions
{
    /// <summary>The screening policy's own wording, so that the images and the findings say it the same way.</summary>
    public const string Disclaimer = CtBone.Core.Screening.ScreeningPolicy.Disclaimer;

    private const int ShortReasonLength = 24;
    private const int UidTailLength = 16;

    /// <summary>"142 ± 38 HU · 412 mm²", or "not measured".</summary>
    public static string Measurement(LevelFinding level)
    {
        if (level.MeanHu is not { } mean)
        {
            return "not measured";
        }

        var text = level.SdHu is { } sd ? Invariant($"{mean:0} ± {sd:0} HU") : Invariant($"{mean:0} HU");
        return level.AreaMm2 is { } area ? Invariant($"{text} · {area:0} mm²") : text;
    }

    public static string Flags(LevelFinding level) =>
        level.Flags.Count == 0 ? "flags: none" : "flags: " + string.Join(", ", level.Flags);

    /// <summary>"EXCLUDED: reason" for an excluded level, else null.</summary>
    public static string? Exclusion(LevelFinding level) =>
        level.Excluded ? "EXCLUDED: " + (string.IsNullOrWhiteSpace(level.ExclusionReason) ? "no reason given" : level.ExclusionReason.Trim()) : null;

    /// <summary>The overview's label of a level: "L1 142 HU", "L2 138 HU (outliers)", "L4 excluded: metal", "L5 not measured".</summary>
    public static string OverviewLabel(LevelFinding level)
    {
        if (level.Excluded)
        {
            return $"{level.Level} excluded: {ShortReason(level)}";
        }

        if (level.MeanHu is not { } mean)
        {
            return $"{level.Level} not measured";
        }

        var text = Invariant($"{level.Level} {mean:0} HU");
        return level.Flags.Count == 0 ? text : $"{text} ({string.Join(", ", level.Flags)})";
    }

    /// <summary>
    /// The exclusion reason short enough to stand beside the overview: its first clause when that is short, else the first
    /// flag that names a cause (the flags are short words, "metal", "fracture"), else the clause cut with an ellipsis.
    /// </summary>
    public static string ShortReason(LevelFinding level)
    {
        var reason = level.ExclusionReason?.Trim() ?? "";
        var clauseEnd = reason.IndexOfAny([';', ',', '(', '.', ':']);
        var clause = (clauseEnd > 0 ? reason[..clauseEnd] : reason).TrimEnd();
        if (clause.Length is > 0 and <= ShortReasonLength)
        {
            return clause;
        }

        var cause = level.Flags.FirstOrDefault(f => f != LevelFlags.LabelingUncertain);
        if (cause is not null)
        {
            return cause;
        }

        return clause.Length == 0 ? "no reason given" : clause[..(ShortReasonLength - 1)].TrimEnd() + "…";
    }

    /// <summary>"series …1234.5678 · ctbone-spine 0.1.0 · slice 57", leaving out what is unknown.</summary>
    public static string Provenance(KeyImageOptions options, string? detail)
    {
        var parts = new List<string>(3);
        if (!string.IsNullOrWhiteSpace(options.SeriesInstanceUid))
        {
            var uid = options.SeriesInstanceUid.Trim();
            parts.Add("series " + (uid.Length <= UidTailLength ? uid : "…" + uid[^UidTailLength..]));
        }

        if (!string.IsNullOrWhiteSpace(options.AlgorithmVersion))
        {
            parts.Add(options.AlgorithmVersion.Trim());
        }

        if (detail is not null)
        {
            parts.Add(detail);
        }

        return string.Join(" · ", parts);
    }

    public static string Window(KeyImageOptions options) => Invariant($"W {options.WindowWidthHu:0} / L {options.WindowCenterHu:0}");

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
