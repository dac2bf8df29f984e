using System.Globalization;
using CtBone.Core.Analysis;

namespace CtBone.Core.Spine;

/// <summary>A presacral segment of the column with the name the labeler gave it.</summary>
/// <param name="Segment">The stretch of column.</param>
/// <param name="Level">"T12", "L1", ...; "V1", "V2" ... (from the bottom) when nothing anchors the count.</param>
/// <param name="HasRibs">Whether a rib leaves the spine at this level.</param>
/// <param name="Confidence">Confidence in the label, 0 to 1.</param>
/// <param name="Uncertain">True when the two counts disagree or nothing anchors them: the level carries labeling-uncertain.</param>
internal sealed record LabelledSegment(ColumnSegment Segment, string Level, bool HasRibs, double Confidence, bool Uncertain);

/// <summary>
/// Names the vertebrae by counting twice: down from the last rib-bearing vertebra (T12 in typical anatomy) and up from
/// the sacrum (the vertebra above it is L5). With both in view and five vertebrae between them, the counts agree.
/// Otherwise (11 or 13 rib pairs, a sixth lumbar vertebra, a transitional S1) no silent guess is made: every level
/// carries labeling-uncertain and a low confidence (CLINICAL.md: a confident wrong label is the worst outcome).
/// </summary>
internal static class LevelLabeler
{
    public const double AgreeingConfidence = 0.95;
    public const double SingleCountConfidence = 0.7;
    public const double DisagreeingConfidence = 0.4;

    /// <param name="segments">Every segment, bottom first.</param>
    /// <param name="sacral">Per segment, whether it is part of the sacrum.</param>
    /// <param name="ribs">Ribs found.</param>
    public static (IReadOnlyList<LabelledSegment> Levels, LabelingSummary Summary) Label(IReadOnlyList<ColumnSegment> segments, IReadOnlyList<bool> sacral, IReadOnlyList<RibFinding> ribs)
    {
        ArgumentNullException.ThrowIfNull(segments);
        // The sacrum counts only from the bottom up: the lowest non-sacral segment above a sacral one is the last presacral.
        var firstPresacral = 0;
        while (firstPresacral < segments.Count && sacral[firstPresacral])
        {
            firstPresacral++;
        }

        var sacrumFound = firstPresacral > 0;
        var presacral = segments.Skip(firstPresacral).ToList();
        var ribBearing = presacral.Select(s => ribs.Any(r => RibBelongsTo(r, s, presacral))).ToList();
        // The lowest rib-bearing vertebra anchors the count only when a vertebra without ribs is seen below it; otherwise
        // the field of view may simply end among the thoracic vertebrae.
        var lastRib = ribBearing.IndexOf(true);
        if (lastRib == 0 && !sacrumFound)
        {
            lastRib = -1;
        }

        string method;
        int? between = null;
        bool agree;
        string? note = null;
        // Index 0 is the lowest presacral segment; names count from an anchor.
        Func<int, string> name;
        double confidence;
        if (lastRib >= 0)
        {
            name = i => NameFromLastRib(i - lastRib);
            if (sacrumFound)
            {
                method = LabelingMethods.RibsAndSacrum;
                between = lastRib;
                agree = lastRib == 5;
                confidence = agree ? AgreeingConfidence : DisagreeingConfidence;
                if (!agree)
                {
                    note = Invariant($"{lastRib} vertebrae lie between the last rib-bearing vertebra and the sacrum (5 expected): 11 or 13 rib pairs, a sixth lumbar vertebra or a transitional vertebra. Labels count down from the last rib; counted up from the sacrum, the vertebra called {NameFromLastRib(-lastRib + 0)} would be L5.");
                }
            }
            else
            {
                method = LabelingMethods.RibsOnly;
                agree = false;
                confidence = SingleCountConfidence;
                note = "The sacrum is not in the field of view: labels count down from the last rib-bearing vertebra only and cannot be cross-checked.";
                if (lastRib >= 6)
                {
                    confidence = DisagreeingConfidence;
                    note = Invariant($"{lastRib} vertebrae without ribs lie below the last rib-bearing vertebra and no sacrum was found: the count cannot be trusted.");
                }
            }
        }
        else if (sacrumFound)
        {
            method = LabelingMethods.SacrumOnly;
            agree = false;
            name = i => NameFromSacrum(i);
            confidence = SingleCountConfidence;
            note = "No rib-bearing vertebra is in the field of view: labels count up from the sacrum only and cannot be cross-checked.";
            if (presacral.Count >= 6)
            {
                confidence = DisagreeingConfidence;
                note = Invariant($"{presacral.Count} vertebrae without ribs lie above the sacrum: a sixth lumbar vertebra or 11 rib pairs; the count cannot be trusted.");
            }
        }
        else
        {
            method = LabelingMethods.None;
            agree = false;
            name = i => Invariant($"V{i + 1}");
            confidence = 0;
            note = "Neither a rib-bearing vertebra nor the sacrum is in the field of view, so no level can be named; vertebrae are numbered from the bottom.";
        }

        var uncertain = confidence < SingleCountConfidence;
        var levels = presacral
            .Select((segment, i) => new LabelledSegment(segment, name(i), ribBearing[i], confidence, uncertain))
            .ToList();

        // A short last rib may be a rudimentary twelfth rib or the rib of an extra (thirteenth) thoracic vertebra or of
        // L1; below it the count from the sacrum still holds, but that vertebra's own name is in doubt.
        if (lastRib >= 0 && IsShort(ribs, presacral, lastRib))
        {
            for (var i = lastRib; i < levels.Count; i++)
            {
                levels[i] = levels[i] with { Confidence = Math.Min(confidence, DisagreeingConfidence), Uncertain = true };
            }

            note = (note is null ? string.Empty : note + " ")
                + Invariant($"The ribs of {levels[lastRib].Level} are short: a rudimentary twelfth rib, or an extra rib-bearing vertebra (13 rib pairs or a lumbar rib), so its name and those above it are uncertain.");
        }
        var summary = new LabelingSummary
        {
            Method = method,
            CountsAgree = agree,
            VertebraeBetweenLastRibAndSacrum = between,
            LastRibBearingLevel = lastRib >= 0 ? levels[lastRib].Level : null,
            SacrumFound = sacrumFound,
            Confidence = confidence,
            Note = note,
        };
        return (levels, summary);
    }

    /// <summary>
    /// The last rib-bearing vertebra's ribs are short when they reach less than three quarters as far out as those one
    /// level up, or, with no ribs above in view, less than 95 mm from the midline.
    /// </summary>
    private static bool IsShort(IReadOnlyList<RibFinding> ribs, List<ColumnSegment> presacral, int lastRib)
    {
        double Reach(int index) => ribs.Where(r => RibBelongsTo(r, presacral[index], presacral)).Select(r => r.ReachMm).DefaultIfEmpty(0).Max();
        var reach = Reach(lastRib);
        var above = lastRib + 1 < presacral.Count ? Reach(lastRib + 1) : 0;
        return above > 0 ? reach < 0.75 * above : reach < 95;
    }

    /// <summary>A rib belongs to the presacral segment whose centre is nearest its root.</summary>
    private static bool RibBelongsTo(RibFinding rib, ColumnSegment segment, List<ColumnSegment> presacral)
    {
        var nearest = presacral.MinBy(s => Math.Abs(s.CenterZMm - rib.RootZMm));
        return ReferenceEquals(nearest, segment) && rib.RootZMm >= segment.BottomZMm - 8 && rib.RootZMm <= segment.TopZMm + 8;
    }

    /// <summary>Offset 0 is the last rib-bearing vertebra (T12); negative offsets run down the lumbar spine.</summary>
    private static string NameFromLastRib(int offset) => offset <= 0 ? Invariant($"{(offset == 0 ? "T12" : "L" + (-offset))}") : Invariant($"T{12 - offset}");

    /// <summary>Index 0 is the vertebra above the sacrum (L5).</summary>
    private static string NameFromSacrum(int index) => index < 5 ? Invariant($"L{5 - index}") : Invariant($"T{12 - (index - 5)}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
