namespace CtBone.Core.Spine;

/// <summary>An intervertebral disc found on the column profile: where the cortex ring disappears between two bodies.</summary>
/// <param name="CenterZMm">Patient z of the disc's middle on the column axis.</param>
/// <param name="BottomZMm">Where the body below ends (the ring falls below half).</param>
/// <param name="TopZMm">Where the body above starts.</param>
/// <param name="Depth">How far the ring falls (0 to 1): 1 for a clean disc.</param>
internal readonly record struct DiscGap(double CenterZMm, double BottomZMm, double TopZMm, double Depth);

/// <summary>
/// A stretch of the column between two discs (or a disc and the end of the field of view): one vertebral body, or
/// at the bottom possibly the sacrum. Open ends mean the field of view cut the stretch, so its extent is unknown there.
/// </summary>
internal sealed record ColumnSegment(double BottomZMm, double TopZMm, bool OpenBelow, bool OpenAbove)
{
    /// <summary>True when the segment was cut from a longer one where no disc showed: its ends are estimates.</summary>
    public bool SplitWithoutDisc { get; init; }

    public double CenterZMm => (BottomZMm + TopZMm) / 2;

    public double LengthMm => TopZMm - BottomZMm;

    public bool IsClosed => !OpenBelow && !OpenAbove;
}

/// <summary>Splits the column profile into vertebral bodies at the discs.</summary>
internal static class ColumnSegmenter
{
    public static IReadOnlyList<ColumnSegment> Split(ColumnProfile profile)
    {
        var discs = FindDiscs(profile);
        var segments = new List<ColumnSegment>();
        var bottom = profile.ZMm[0];
        var openBelow = true;
        foreach (var disc in discs)
        {
            if (disc.BottomZMm - bottom >= 4)
            {
                segments.Add(new ColumnSegment(bottom, disc.BottomZMm, openBelow, false));
            }

            bottom = disc.TopZMm;
            openBelow = false;
        }

        if (profile.ZMm[^1] - bottom >= 4)
        {
            segments.Add(new ColumnSegment(bottom, profile.ZMm[^1], openBelow, true));
        }

        return SplitLong(profile, segments);
    }

    /// <summary>
    /// A closed segment far longer than its fellows holds two bodies whose disc did not show (thick slices, metal
    /// streaks filling the disc's ring): it is cut at the lowest ring in its middle, once per extra body.
    /// </summary>
    private static List<ColumnSegment> SplitLong(ColumnProfile profile, List<ColumnSegment> segments)
    {
        var closed = segments.Where(s => s.IsClosed).Select(s => s.LengthMm).ToList();
        if (closed.Count < 3)
        {
            return segments;
        }

        var typical = SpineColumn.Median(closed);
        var result = new List<ColumnSegment>();
        foreach (var segment in segments)
        {
            var parts = (int)Math.Round(segment.LengthMm / typical);
            if (segment is { OpenBelow: true, OpenAbove: false } && segment.LengthMm >= 1.6 * typical)
            {
                result.AddRange(SplitFromTop(profile, segment, typical));
                continue;
            }

            if (!segment.IsClosed || segment.LengthMm < 1.6 * typical || parts < 2)
            {
                result.Add(segment);
                continue;
            }

            var bottom = segment.BottomZMm;
            for (var part = 1; part < parts; part++)
            {
                var z = LowestRingNear(profile, segment.BottomZMm + (part * segment.LengthMm / parts), 0.25 * typical);
                result.Add(new ColumnSegment(bottom, z - 2, false, false) { SplitWithoutDisc = true });
                bottom = z + 2;
            }

            result.Add(new ColumnSegment(bottom, segment.TopZMm, false, false) { SplitWithoutDisc = true });
        }

        return result;
    }

    /// <summary>
    /// Discs are dips of the ring profile: a local minimum at or below 0.6 that the profile rises at least 0.3 above on
    /// both sides within 12 mm, and that either falls to 0.3 or has an endplate on each side. A disc narrower than a
    /// slice shows as a shallower dip, so the depth is reported.
    /// </summary>
    private static List<DiscGap> FindDiscs(ColumnProfile profile)
    {
        var ring = profile.Ring;
        var n = ring.Length;
        var reach = (int)Math.Round(12 / ColumnProfile.StepMm);
        var local = (int)Math.Round(4 / ColumnProfile.StepMm);
        var discs = new List<DiscGap>();
        for (var i = 0; i < n; i++)
        {
            if (ring[i] > 0.6 || !IsMinimum(ring, i, local))
            {
                continue;
            }

            var leftMax = Max(ring, Math.Max(0, i - reach), i);
            var rightMax = Max(ring, i, Math.Min(n - 1, i + reach));
            var depth = Math.Min(leftMax, rightMax) - ring[i];
            // A shallow dip is a disc only with an endplate on each side; the waist of a body with thin osteoporotic
            // cortex dips too, but between no endplates.
            if (depth < 0.3 || (ring[i] > 0.3 && !HasEndplatesAround(profile, i)))
            {
                continue;
            }

            // Edges where the ring climbs back to halfway between the dip and its shoulders.
            var level = ring[i] + (depth / 2);
            var lo = i;
            while (lo > 0 && ring[lo - 1] < level)
            {
                lo--;
            }

            var hi = i;
            while (hi < n - 1 && ring[hi + 1] < level)
            {
                hi++;
            }

            // A flat-bottomed dip is centred on its middle, not on its first sample.
            var centre = (profile.ZMm[lo] + profile.ZMm[hi]) / 2;
            var gap = new DiscGap(centre, profile.ZMm[lo] - (ColumnProfile.StepMm / 2), profile.ZMm[hi] + (ColumnProfile.StepMm / 2), depth);
            if (discs.Count > 0 && gap.CenterZMm - discs[^1].CenterZMm < 8)
            {
                if (gap.Depth > discs[^1].Depth)
                {
                    discs[^1] = gap;
                }

                continue;
            }

            discs.Add(gap);
        }

        return discs;
    }

    /// <summary>
    /// The bottom segment runs out of the field of view, so only its top is a real disc: bodies are cut off it from the top
    /// down, one body and one disc height (8 mm) at a time, each cut at the lowest ring near where it is expected. What
    /// is left at the bottom stays open (usually the sacrum).
    /// </summary>
    private static List<ColumnSegment> SplitFromTop(ColumnProfile profile, ColumnSegment segment, double typical)
    {
        var pieces = new List<ColumnSegment>();
        var top = segment.TopZMm;
        while (top - segment.BottomZMm >= 1.6 * typical)
        {
            var z = LowestRingNear(profile, top - typical - 4, 0.25 * typical);
            pieces.Add(new ColumnSegment(z + 2, top, false, false) { SplitWithoutDisc = true });
            top = z - 2;
        }

        pieces.Add(new ColumnSegment(segment.BottomZMm, top, true, false) { SplitWithoutDisc = true });
        pieces.Reverse();
        return pieces;
    }

    /// <summary>Patient z of the lowest ring within <paramref name="reachMm"/> of <paramref name="expectedZMm"/>: where an unseen disc most likely is.</summary>
    private static double LowestRingNear(ColumnProfile profile, double expectedZMm, double reachMm)
    {
        var from = profile.IndexOf(expectedZMm - reachMm);
        var to = profile.IndexOf(expectedZMm + reachMm);
        var cut = from;
        for (var i = from; i <= to; i++)
        {
            cut = profile.Ring[i] < profile.Ring[cut] ? i : cut;
        }

        return profile.ZMm[cut];
    }

    /// <summary>Whether the HU at the column's centre peaks at least 60 HU above the dip within 8 mm below and above it.</summary>
    private static bool HasEndplatesAround(ColumnProfile profile, int i)
    {
        var reach = (int)Math.Round(8 / ColumnProfile.StepMm);
        var floor = profile.InteriorHu[i] + 60;
        var below = false;
        var above = false;
        for (var j = Math.Max(0, i - reach); j < i; j++)
        {
            below |= profile.InteriorHu[j] >= floor;
        }

        for (var j = i + 1; j <= Math.Min(profile.Count - 1, i + reach); j++)
        {
            above |= profile.InteriorHu[j] >= floor;
        }

        return below && above;
    }

    private static bool IsMinimum(double[] values, int i, int reach)
    {
        for (var j = Math.Max(0, i - reach); j <= Math.Min(values.Length - 1, i + reach); j++)
        {
            if (values[j] < values[i] || (values[j] == values[i] && j < i))
            {
                return false;
            }
        }

        return true;
    }

    private static double Max(double[] values, int from, int to)
    {
        var max = double.MinValue;
        for (var j = from; j <= to; j++)
        {
            max = Math.Max(max, values[j]);
        }

        return max;
    }
}
