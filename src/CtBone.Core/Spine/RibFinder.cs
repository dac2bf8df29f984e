namespace CtBone.Core.Spine;

/// <summary>A rib found beside the column: where it leaves the spine and how far out it reaches.</summary>
/// <param name="RootZMm">Patient z where the rib is nearest the spine (its neck, by the transverse process).</param>
/// <param name="Side">"left" or "right" (patient).</param>
/// <param name="ReachMm">Largest distance from the column's midline reached by the rib.</param>
/// <param name="VolumeMm3">Volume of its bone outside the spine's band.</param>
internal readonly record struct RibFinding(double RootZMm, string Side, double ReachMm, double VolumeMm3);

/// <summary>
/// Finds ribs as the bone that leaves the spine sideways: everything within a band around the column (body,
/// pedicles, transverse processes) is set aside, and what remains is split into 3-D connected pieces. A piece whose
/// nearest point lies at the band's edge, behind the front of the bodies, and that reaches well beyond the band is a rib
/// rooted at that point's level. Ribs descending from higher levels are rooted higher, so they do not count for
/// the level they pass.
/// </summary>
internal static class RibFinder
{
    /// <summary>How far beyond a body's half width the band reaches: transverse processes end within it.</summary>
    public const double BandMarginMm = 26;

    /// <summary>Bone pieces larger than this (mm³) are pelvis, not rib.</summary>
    public const double MaxRibVolumeMm3 = 40_000;

    /// <summary>Largest bone volume per mm of lateral reach (mm²) that still reads as a rib.</summary>
    public const double MaxRibSectionMm2 = 300;

    public static IReadOnlyList<RibFinding> Find(AxialStack stack, SpineColumn column, Func<double, (double HalfWidthMm, double HalfDepthMm)> bodySize, int maxThreads, CancellationToken cancellationToken)
    {
        const double cellMm = 2;
        var fx = Math.Max(1, (int)Math.Round(cellMm / stack.PixelXMm));
        var fy = Math.Max(1, (int)Math.Round(cellMm / stack.PixelYMm));
        var cellX = fx * stack.PixelXMm;
        var cellY = fy * stack.PixelYMm;
        var w = stack.Nx / fx;
        var h = stack.Ny / fy;
        // Ribs are about 9 mm thick: slices 2 mm apart keep each one connected and spare the work of thinner ones.
        var stride = Math.Max(1, (int)Math.Round(2.0 / Math.Max(0.1, stack.SliceSpacingMm)));
        var depth = ((stack.Nz - 1) / stride) + 1;
        if (depth < 1)
        {
            return [];
        }

        var bone = new bool[(long)w * h * depth];
        var axisX = new double[depth];
        var axisY = new double[depth];
        var band = new double[depth];
        var front = new double[depth];
        Parallel.For(0, depth, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = maxThreads }, d =>
        {
            var k = d * stride;
            var z = stack.SliceZMm[k];
            var point = column.At(z, stack);
            var (halfWidth, halfDepth) = bodySize(z);
            axisX[d] = point.X;
            axisY[d] = point.Y;
            band[d] = halfWidth + BandMarginMm;
            front[d] = point.Y - halfDepth - 5;
            var slice = stack.Slice(k);
            var offset = (long)d * w * h;
            // Rods and screw heads run beside the spine like ribs; slices with metal are left out.
            foreach (var hu in slice)
            {
                if (hu >= SpineColumn.MetalHu)
                {
                    return;
                }
            }

            for (var cy = 0; cy < h; cy++)
            {
                for (var cx = 0; cx < w; cx++)
                {
                    var xMm = ((cx * fx) + ((fx - 1) / 2.0)) * stack.PixelXMm;
                    if (Math.Abs(xMm - point.X) <= band[d])
                    {
                        continue;
                    }

                    bone[offset + (cy * w) + cx] = SliceMorphology.BlockSum(slice, stack.Nx, cx, cy, fx, fy) >= SpineColumn.CorticalHu * fx * fy;
                }
            }
        });

        var ribs = new List<RibFinding>();
        var visited = new bool[bone.Length];
        var queue = new List<long>();
        var voxelMm3 = cellX * cellY * stack.SliceSpacingMm * stride;
        for (long start = 0; start < bone.Length; start++)
        {
            if (!bone[start] || visited[start])
            {
                continue;
            }

            queue.Clear();
            queue.Add(start);
            visited[start] = true;
            var nearest = double.MaxValue;
            var reach = 0.0;
            double rootZ = 0, rootY = 0, rootSide = 0;
            for (var head = 0; head < queue.Count; head++)
            {
                var index = queue[head];
                var d = (int)(index / (w * h));
                var rest = (int)(index % (w * h));
                var cy = rest / w;
                var cx = rest % w;
                var xMm = ((cx * fx) + ((fx - 1) / 2.0)) * stack.PixelXMm;
                var lateral = Math.Abs(xMm - axisX[d]);
                if (lateral < nearest)
                {
                    nearest = lateral;
                    rootZ = stack.SliceZMm[d * stride];
                    rootY = ((cy * fy) + ((fy - 1) / 2.0)) * stack.PixelYMm;
                    rootSide = Math.Sign(xMm - axisX[d]);
                }

                reach = Math.Max(reach, lateral);
                for (var dd = -1; dd <= 1; dd++)
                {
                    var nd = d + dd;
                    if (nd < 0 || nd >= depth)
                    {
                        continue;
                    }

                    for (var dy = -1; dy <= 1; dy++)
                    {
                        var ny = cy + dy;
                        if (ny < 0 || ny >= h)
                        {
                            continue;
                        }

                        for (var dx = -1; dx <= 1; dx++)
                        {
                            var nx = cx + dx;
                            if (nx < 0 || nx >= w)
                            {
                                continue;
                            }

                            var n = ((long)nd * w * h) + (ny * w) + nx;
                            if (bone[n] && !visited[n])
                            {
                                visited[n] = true;
                                queue.Add(n);
                            }
                        }
                    }
                }
            }

            // The root's level: the mean z of the rib's bone within 4 mm of its nearest approach, steadier than one voxel.
            double zSum = 0;
            var zCount = 0;
            foreach (var index in queue)
            {
                var d = (int)(index / (w * h));
                var cx = (int)(index % (w * h)) % w;
                var xMm = ((cx * fx) + ((fx - 1) / 2.0)) * stack.PixelXMm;
                if (Math.Abs(xMm - axisX[d]) <= nearest + 4)
                {
                    zSum += stack.SliceZMm[d * stride];
                    zCount++;
                }
            }

            rootZ = zSum / zCount;
            var rootSlice = (int)Math.Round(stack.SliceAt(rootZ)) / stride;
            rootSlice = Math.Clamp(rootSlice, 0, depth - 1);
            var atBand = nearest <= band[rootSlice] + 12;
            var behindFront = rootY >= front[rootSlice];
            var leavesSpine = reach >= band[rootSlice] + 30;
            // A piece rooted on the first or last slice searched may belong to a rib that starts outside the field of view.
            var cutByField = rootSlice == 0 || rootSlice == depth - 1;
            // Ribs are thin: even the longest in view holds a few tens of cm³, and its volume per millimetre of lateral reach
            // is a rib's cross-section (under 1.5 cm² with the curve). Iliac and sacral bone are far bulkier.
            var volume = queue.Count * voxelMm3;
            var thin = volume / Math.Max(1, reach - band[rootSlice]) <= MaxRibSectionMm2;
            if (atBand && behindFront && leavesSpine && !cutByField && volume <= MaxRibVolumeMm3 && thin)
            {
                ribs.Add(new RibFinding(rootZ, rootSide > 0 ? "left" : "right", reach, volume));
            }
        }

        return ribs;
    }
}
