using CtBone.Core.Volumes;

namespace CtBone.Core.Spine;

/// <summary>A place on one axial slice that could be the centre of a vertebral body: the middle of a bone-walled region.</summary>
/// <param name="XMm">Position in the stack's mm frame.</param>
/// <param name="YMm">Position in the stack's mm frame.</param>
/// <param name="RadiusMm">Largest inscribed radius of the region there (about a body's half depth).</param>
/// <param name="Score">Radius less a penalty for lying far from the trunk's midline.</param>
internal readonly record struct BodyCandidate(double XMm, double YMm, double RadiusMm, double Score);

/// <summary>What one axial slice shows of possible vertebral bodies, in the stack's mm frame.</summary>
/// <param name="Candidates">The best places for a body centre, best first.</param>
/// <param name="HasMetal">Metal in the trunk (screws, rods): bone-walled regions here are split by metal and its streaks, so no candidates are offered.</param>
internal sealed record SliceSurvey(IReadOnlyList<BodyCandidate> Candidates, bool HasMetal)
{
    public static SliceSurvey Empty { get; } = new([], false);
}

/// <summary>
/// The centre line of the vertebral bodies, one point per slice (x, y in the stack's mm frame), found by tracking
/// the largest bone-walled region near the trunk's midline from slice to slice and smoothing it along z.
/// </summary>
internal sealed class SpineColumn
{
    /// <summary>Cortical bone and endplates read well above this even when thin and blurred; trabecular bone may not.</summary>
    public const double CorticalHu = 200;

    /// <summary>Metal reads above this; cortex and even dense cement below.</summary>
    public const double MetalHu = 2000;

    /// <summary>A thin osteoporotic cortex averaged with its neighbours in a coarse pixel may read barely above this.</summary>
    public const double ThinCorticalHu = 150;

    /// <summary>A second, denser wall threshold: cortex still exceeds it where trabecular bone is dense or enhanced.</summary>
    public const double DenseCorticalHu = 350;

    private SpineColumn(double[] x, double[] y, double typicalRadiusMm)
    {
        XMm = x;
        YMm = y;
        TypicalRadiusMm = typicalRadiusMm;
    }

    public double[] XMm { get; }

    public double[] YMm { get; }

    /// <summary>Median inscribed radius of the bodies tracked (about a body's half depth).</summary>
    public double TypicalRadiusMm { get; }

    /// <summary>Finds the column, or returns null with the reason when the stack shows no vertebral column.</summary>
    public static SpineColumn? Find(AxialStack stack, int maxThreads, CancellationToken cancellationToken, out string? reason)
    {
        var factor = Math.Max(1, (int)Math.Round(2.0 / Math.Min(stack.PixelXMm, stack.PixelYMm)));
        // Thin slices are surveyed every 2.5 mm or so: bodies and discs are larger than that, and the profile along
        // the column later reads every slice.
        var stride = Math.Max(1, (int)Math.Round(2.5 / Math.Max(0.1, stack.SliceSpacingMm)));
        var surveys = new SliceSurvey[stack.Nz];
        Array.Fill(surveys, SliceSurvey.Empty);
        Parallel.For(
            0,
            (stack.Nz + stride - 1) / stride,
            new ParallelOptions { MaxDegreeOfParallelism = maxThreads, CancellationToken = cancellationToken },
            () => new SurveyBuffers(stack.Nx / factor, stack.Ny / factor),
            (n, _, buffers) =>
            {
                var k = n * stride;
                surveys[k] = Survey(stack, k, factor, buffers);
                return buffers;
            },
            _ => { });

        var path = Track(stack, surveys);
        var kept = Enumerable.Range(0, stack.Nz).Where(k => path[k] is not null).ToList();
        var spanMm = kept.Count > 1 ? stack.SliceZMm[kept[^1]] - stack.SliceZMm[kept[0]] : 0;
        if (kept.Count < 3 || spanMm < 30)
        {
            reason = kept.Count == 0
                ? "no vertebral column found: no bone-walled body of vertebral size near the trunk's midline"
                : FormattableString.Invariant($"no vertebral column found: bone-walled bodies seen over only {spanMm:0} mm of z");
            return null;
        }

        var typical = Median(kept.Select(k => path[k]!.Value.RadiusMm));

        // The region centre is only a coarse hint (a body with its canal can look like one region); the middle of the
        // cortex ring, where it is found, is the better centre.
        var points = new List<(double Z, double X, double Y, double W)>();
        foreach (var k in kept)
        {
            var c = path[k]!.Value;
            var hint = new Vector3D(c.XMm, c.YMm, stack.SliceZMm[k]);
            var section = BodyCrossSection.Measure(stack, hint, Vector3D.UnitX, Vector3D.UnitY, (1.6 * c.RadiusMm) + 10);
            var refined = section.IsBody && section.HalfWidthMm >= 6 && section.HalfDepthMm >= 5 && (section.CenterMm - hint).Length <= 10;
            var centre = refined ? section.CenterMm : hint;
            points.Add((stack.SliceZMm[k], centre.X, centre.Y, refined ? 1 : 0.1));
        }

        var x = new double[stack.Nz];
        var y = new double[stack.Nz];

        // Locally linear fit (tricube weights over ±2 cm) keeps the column's slope across discs and tilted bodies.
        var halfWindowMm = Math.Max(20, 3 * stack.SliceSpacingMm);
        for (var k = 0; k < stack.Nz; k++)
        {
            (x[k], y[k]) = LocalFit(points, stack.SliceZMm[k], halfWindowMm);
        }

        reason = null;
        return new SpineColumn(x, y, typical);
    }

    /// <summary>Point of the column at patient z (mm), in the stack's mm frame; constant beyond the stack's ends.</summary>
    public Vector3D At(double zMm, AxialStack stack)
    {
        var k = Math.Clamp(stack.FractionalSlice(zMm), 0, stack.Nz - 1);
        var k0 = Math.Min((int)k, Math.Max(0, stack.Nz - 2));
        var k1 = Math.Min(k0 + 1, stack.Nz - 1);
        var t = k - k0;
        return new Vector3D(XMm[k0] + (t * (XMm[k1] - XMm[k0])), YMm[k0] + (t * (YMm[k1] - YMm[k0])), zMm);
    }

    /// <summary>Unit direction of the column at patient z, towards the head, over a baseline of about a centimetre.</summary>
    public Vector3D TangentAt(double zMm, AxialStack stack)
    {
        var half = Math.Max(6, stack.SliceSpacingMm);
        var direction = At(zMm + half, stack) - At(zMm - half, stack);
        return direction.Z <= 0 ? Vector3D.UnitZ : direction.Normalized();
    }

    /// <summary>
    /// A vertebral body's own axis, towards the head: from the column's point just below the body to the one just above
    /// it. The smoothed column's tangent lags where the curve bends (the lumbosacral junction).
    /// </summary>
    public Vector3D BodyAxis(ColumnSegment segment, AxialStack stack) =>
        (At(segment.TopZMm + 2, stack) - At(segment.BottomZMm - 2, stack)).Normalized();

    private static (double X, double Y) LocalFit(List<(double Z, double X, double Y, double W)> points, double z, double halfWindowMm)
    {
        double sw = 0, sz = 0, szz = 0, sx = 0, sy = 0, sxz = 0, syz = 0;
        var n = 0;
        foreach (var p in points)
        {
            var u = Math.Abs(p.Z - z) / halfWindowMm;
            if (u >= 1)
            {
                continue;
            }

            var w = p.W * Math.Pow(1 - (u * u * u), 3);
            var dz = p.Z - z;
            sw += w;
            sz += w * dz;
            szz += w * dz * dz;
            sx += w * p.X;
            sy += w * p.Y;
            sxz += w * p.X * dz;
            syz += w * p.Y * dz;
            n++;
        }

        var determinant = (sw * szz) - (sz * sz);
        if (n < 3 || determinant <= 1e-9 * sw * sw)
        {
            // Across a long gap (instrumented levels) the column runs straight from the nearest points below and above.
            if (points.Any(p => p.Z <= z) && points.Any(p => p.Z >= z)
                && points.Where(p => p.Z <= z).MaxBy(p => p.Z) is var below
                && points.Where(p => p.Z >= z).MinBy(p => p.Z) is var above
                && above.Z > below.Z)
            {
                var t = (z - below.Z) / (above.Z - below.Z);
                return (below.X + (t * (above.X - below.X)), below.Y + (t * (above.Y - below.Y)));
            }

            var nearest = points.MinBy(p => Math.Abs(p.Z - z));
            return (nearest.X, nearest.Y);
        }

        // Intercept at dz = 0 of the weighted least-squares line.
        var x = ((szz * sx) - (sz * sxz)) / determinant;
        var y = ((szz * sy) - (sz * syz)) / determinant;
        return (x, y);
    }

    /// <summary>
    /// The most plausible chain of candidates through the slices (dynamic programming): large bone-walled regions near
    /// the midline score, moving faster than the spine's curves allow costs, and slices may be skipped (discs) at a small
    /// cost per millimetre. Returns the chosen candidate per slice, null where the chain skips.
    /// </summary>
    private static BodyCandidate?[] Track(AxialStack stack, SliceSurvey[] surveys)
    {
        const double maxGapMm = 24;
        const double maxMetalGapMm = 120;
        const double skipCostPerMm = 0.25;
        var n = stack.Nz;
        // Millimetres of metal-bearing slices below each slice: a gap through instrumented levels costs nothing extra.
        var metalBelow = new double[n + 1];
        for (var k = 0; k < n; k++)
        {
            var step = k == 0 ? 0 : stack.SliceZMm[k] - stack.SliceZMm[k - 1];
            metalBelow[k + 1] = metalBelow[k] + (surveys[k].HasMetal ? step : 0);
        }

        var best = new double[n][];
        var from = new (int Slice, int Index)[n][];
        var overall = double.MinValue;
        (int Slice, int Index) end = (-1, -1);
        for (var k = 0; k < n; k++)
        {
            var candidates = surveys[k].Candidates;
            best[k] = new double[candidates.Count];
            from[k] = new (int, int)[candidates.Count];
            for (var c = 0; c < candidates.Count; c++)
            {
                var here = candidates[c];
                var score = here.Score;
                var origin = (-1, -1);
                for (var j = k - 1; j >= 0 && stack.SliceZMm[k] - stack.SliceZMm[j] <= maxMetalGapMm; j--)
                {
                    var dz = stack.SliceZMm[k] - stack.SliceZMm[j];
                    var plain = dz - (metalBelow[k] - metalBelow[j + 1]);
                    if (plain > maxGapMm + stack.SliceSpacingMm)
                    {
                        continue;
                    }

                    var skip = Math.Max(0, plain - stack.SliceSpacingMm) * skipCostPerMm;
                    var previous = surveys[j].Candidates;
                    for (var p = 0; p < previous.Count; p++)
                    {
                        var there = previous[p];
                        // Lordosis and the sacral slope move the body back by up to about 1 mm per mm of z; scoliosis
                        // moves it sideways by much less.
                        var dx = Math.Abs(here.XMm - there.XMm) - (0.5 * dz) - 2;
                        var dy = Math.Abs(here.YMm - there.YMm) - (1.0 * dz) - 2;
                        var candidate = best[j][p] + here.Score - skip - (3 * Math.Max(0, dx)) - (3 * Math.Max(0, dy));
                        if (candidate > score)
                        {
                            score = candidate;
                            origin = (j, p);
                        }
                    }
                }

                best[k][c] = score;
                from[k][c] = origin;
                if (score > overall)
                {
                    overall = score;
                    end = (k, c);
                }
            }
        }

        var path = new BodyCandidate?[n];
        while (end.Slice >= 0)
        {
            path[end.Slice] = surveys[end.Slice].Candidates[end.Index];
            end = from[end.Slice][end.Index];
        }

        return path;
    }

    private static SliceSurvey Survey(AxialStack stack, int k, int factor, SurveyBuffers b)
    {
        var w = b.Width;
        var h = b.Height;
        var slice = stack.Slice(k);
        var area = factor * factor;
        if (factor == 1)
        {
            slice[..b.Hu.Length].CopyTo(b.Hu);
        }

        for (var cy = 0; cy < h && factor > 1; cy++)
        {
            for (var cx = 0; cx < w; cx++)
            {
                b.Hu[(cy * w) + cx] = (short)(SliceMorphology.BlockSum(slice, stack.Nx, cx, cy, factor, factor) / area);
            }
        }

        var px = stack.PixelXMm * factor;
        var py = stack.PixelYMm * factor;

        // The trunk: the largest region denser than lung or air; the table under it is a thin separate region.
        var (body, size) = SliceMorphology.LargestRegion(b.Hu, -400, b.Mask, b.Labels, w, h, b.Queue);
        if (body == 0 || size * px * py < 2000)
        {
            return SliceSurvey.Empty;
        }

        double sumX = 0;
        var metal = 0;
        for (var i = 0; i < b.Labels.Length; i++)
        {
            if (b.Labels[i] == body)
            {
                sumX += i % w;
                metal += b.Hu[i] >= MetalHu ? 1 : 0;
            }
        }

        // Slices through screws are left to the slices above and below: the bodies there are cut up by metal and streaks.
        if (metal >= 3)
        {
            return new SliceSurvey([], HasMetal: true);
        }

        var bodyX = sumX / size * px;

        // A body is a hole walled by cortex. Holes are found at three wall thresholds: cortical bone (200 HU) walls in
        // normal and osteoporotic bone, a thin osteoporotic cortex blurred into its pixels may only reach 150 HU, and a
        // denser cut (350 HU) still leaves dense young or contrast-enhanced trabecular bone inside the cortex as a hole.
        // Each hole is measured on its own, so the canal behind a body (another walled hole) is not merged into it, and
        // solid bright regions (an enhanced aorta) are never candidates.
        b.Distance.AsSpan().Clear();
        foreach (var wall in (double[])[ThinCorticalHu, CorticalHu, DenseCorticalHu])
        {
            for (var i = 0; i < b.Hu.Length; i++)
            {
                // Metal (screws in a body) is not wall: it would break the body's hole into pieces.
                b.Mask[i] = b.Hu[i] >= wall && b.Hu[i] < MetalHu && b.Labels[i] == body;
            }

            // Gaps of a pixel or two in thin cortex (the basivertebral foramen, noise) are closed before finding holes.
            SliceMorphology.Dilate(b.Mask, b.Walls, w, h, b.Filled);
            SliceMorphology.FillHoles(b.Walls, b.Filled, w, h, b.Queue);
            for (var i = 0; i < b.Filled.Length; i++)
            {
                b.Filled[i] &= !b.Walls[i];
            }

            SliceMorphology.Distance(b.Filled, b.HoleDistance, w, h);
            for (var i = 0; i < b.Distance.Length; i++)
            {
                // A hole's distance stops a pixel short of the true cortex because the walls were dilated.
                var d = b.HoleDistance[i] > 0 ? b.HoleDistance[i] + 3 : 0;
                b.Distance[i] = Math.Max(b.Distance[i], d);
            }
        }

        var candidates = new List<BodyCandidate>();
        var pixel = Math.Min(px, py);
        var suppress = (int)Math.Ceiling(8 / pixel);
        for (var yy = 0; yy < h; yy++)
        {
            for (var xx = 0; xx < w; xx++)
            {
                var d = b.Distance[(yy * w) + xx];
                var radius = d / 3.0 * pixel;
                if (radius < 6 || radius > 32 || !IsLocalMaximum(b.Distance, w, h, xx, yy, suppress))
                {
                    continue;
                }

                var xMm = ((xx * factor) + ((factor - 1) / 2.0)) * stack.PixelXMm;
                var yMm = ((yy * factor) + ((factor - 1) / 2.0)) * stack.PixelYMm;
                var lateral = Math.Abs((xx * px) - bodyX);
                // The canal holds CSF and epidural fat, darker than even osteoporotic trabecular bone.
                var dark = Math.Clamp((40 - MedianAround(b.Hu, w, h, xx, yy, (int)Math.Ceiling(4 / pixel))) / 5, 0, 8);
                candidates.Add(new BodyCandidate(xMm, yMm, radius, radius - (0.3 * Math.Max(0, lateral - 20)) - dark));
            }
        }

        // The canal is a bone-walled hole too, right behind its body. A candidate with a larger one straight in front of
        // it is the canal (or the arch), whatever the continuity from slice to slice would prefer.
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var ahead = candidates
                .Where(o => Math.Abs(o.XMm - c.XMm) <= 10 && o.YMm - c.YMm is >= -45 and <= -10 && o.RadiusMm >= Math.Max(8, c.RadiusMm))
                .Select(o => o.RadiusMm)
                .DefaultIfEmpty(0)
                .Max();
            candidates[i] = c with { Score = c.Score - (0.8 * ahead) };
        }

        candidates.Sort((p, q) => q.Score.CompareTo(p.Score));
        if (candidates.Count > 6)
        {
            candidates.RemoveRange(6, candidates.Count - 6);
        }

        return new SliceSurvey(candidates, HasMetal: false);
    }

    private static double MedianAround(short[] hu, int w, int h, int x, int y, int reach)
    {
        var values = new List<short>();
        for (var yy = Math.Max(0, y - reach); yy <= Math.Min(h - 1, y + reach); yy++)
        {
            for (var xx = Math.Max(0, x - reach); xx <= Math.Min(w - 1, x + reach); xx++)
            {
                if (((xx - x) * (xx - x)) + ((yy - y) * (yy - y)) <= reach * reach)
                {
                    values.Add(hu[(yy * w) + xx]);
                }
            }
        }

        values.Sort();
        return values.Count == 0 ? 0 : values[values.Count / 2];
    }

    /// <summary>True when no pixel within <paramref name="reach"/> has a larger distance (ties go to the first in raster order).</summary>
    private static bool IsLocalMaximum(int[] distance, int w, int h, int x, int y, int reach)
    {
        var value = distance[(y * w) + x];
        for (var yy = Math.Max(0, y - reach); yy <= Math.Min(h - 1, y + reach); yy++)
        {
            for (var xx = Math.Max(0, x - reach); xx <= Math.Min(w - 1, x + reach); xx++)
            {
                var other = distance[(yy * w) + xx];
                if (other > value || (other == value && ((yy * w) + xx) < ((y * w) + x)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private sealed class SurveyBuffers(int width, int height)
    {
        public int Width { get; } = width;

        public int Height { get; } = height;

        public short[] Hu { get; } = new short[width * height];

        public bool[] Mask { get; } = new bool[width * height];

        public bool[] Walls { get; } = new bool[width * height];

        public int[] Labels { get; } = new int[width * height];

        public bool[] Filled { get; } = new bool[width * height];

        public int[] Distance { get; } = new int[width * height];

        public int[] HoleDistance { get; } = new int[width * height];

        public int[] Queue { get; } = new int[width * height];
    }
}
