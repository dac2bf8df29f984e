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
    public double CenterZMm => (BottomZMm + TopZMm) / 2;

    public double LengthMm => TopZMm - BottomZMm;

    public bool IsClosed => !OpenBelow && !OpenAbove;
}

/// <summary>Splits the column profile into vertebral bodies at the discs.</summary>
internal static class ColumnSegmenter
{
    public static (IReadOnlyList<ColumnSegment> Segments, IReadOnlyList<DiscGap> Discs) Split(ColumnProfile profile)
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

        return (segments, discs);
    }

    /// <summary>
    /// Discs are dips of the ring profile: a local minimum at or below 0.6 that the profile rises at least 0.3 above on
    /// both sides within 12 mm. A disc narrower than a slice shows as a shallower dip, so the depth is reported.
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
            if (depth < 0.3)
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
