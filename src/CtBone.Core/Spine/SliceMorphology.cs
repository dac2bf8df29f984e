namespace CtBone.Core.Spine;

/// <summary>Binary-image steps on one slice: dilation, filling enclosed holes, connected regions and chamfer distances.</summary>
internal static class SliceMorphology
{
    /// <summary>Sets every pixel that has a set pixel among its 8 neighbours (a 3×3 dilation, done as two 1-D passes).</summary>
    public static void Dilate(ReadOnlySpan<bool> source, Span<bool> target, int width, int height, Span<bool> scratch)
    {
        for (var y = 0; y < height; y++)
        {
            var row = y * width;
            for (var x = 0; x < width; x++)
            {
                scratch[row + x] = source[row + x] || (x > 0 && source[row + x - 1]) || (x < width - 1 && source[row + x + 1]);
            }
        }

        for (var y = 0; y < height; y++)
        {
            var row = y * width;
            for (var x = 0; x < width; x++)
            {
                target[row + x] = scratch[row + x] || (y > 0 && scratch[row - width + x]) || (y < height - 1 && scratch[row + width + x]);
            }
        }
    }

    /// <summary>
    /// Marks as filled every pixel that is set or cannot be reached from the slice border through unset pixels
    /// (4-connected): the interiors of closed rings such as a vertebral body's cortex.
    /// </summary>
    public static void FillHoles(ReadOnlySpan<bool> walls, Span<bool> filled, int width, int height, Span<int> queue)
    {
        filled.Fill(true);
        var tail = 0;
        for (var x = 0; x < width; x++)
        {
            tail = Open(walls, filled, queue, tail, x);
            tail = Open(walls, filled, queue, tail, ((height - 1) * width) + x);
        }

        for (var y = 0; y < height; y++)
        {
            tail = Open(walls, filled, queue, tail, y * width);
            tail = Open(walls, filled, queue, tail, (y * width) + width - 1);
        }

        var last = (height - 1) * width;
        for (var head = 0; head < tail; head++)
        {
            var index = queue[head];
            var x = index % width;
            if (x > 0)
            {
                tail = Open(walls, filled, queue, tail, index - 1);
            }

            if (x < width - 1)
            {
                tail = Open(walls, filled, queue, tail, index + 1);
            }

            if (index >= width)
            {
                tail = Open(walls, filled, queue, tail, index - width);
            }

            if (index < last)
            {
                tail = Open(walls, filled, queue, tail, index + width);
            }
        }
    }

    private static int Open(ReadOnlySpan<bool> walls, Span<bool> filled, Span<int> queue, int tail, int index)
    {
        if (walls[index] || !filled[index])
        {
            return tail;
        }

        filled[index] = false;
        queue[tail] = index;
        return tail + 1;
    }

    /// <summary>
    /// Chamfer (3-4) distance from each set pixel to the nearest unset pixel, in units of a third of a pixel
    /// (divide by 3 for pixels). Unset pixels get 0.
    /// </summary>
    public static void Distance(ReadOnlySpan<bool> mask, Span<int> distance, int width, int height)
    {
        const int big = int.MaxValue / 4;
        for (var i = 0; i < mask.Length; i++)
        {
            distance[i] = mask[i] ? big : 0;
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width) + x;
                if (distance[i] == 0)
                {
                    continue;
                }

                var d = distance[i];
                d = x > 0 ? Math.Min(d, distance[i - 1] + 3) : Math.Min(d, 3);
                if (y > 0)
                {
                    d = Math.Min(d, distance[i - width] + 3);
                    d = x > 0 ? Math.Min(d, distance[i - width - 1] + 4) : d;
                    d = x < width - 1 ? Math.Min(d, distance[i - width + 1] + 4) : d;
                }
                else
                {
                    d = Math.Min(d, 3);
                }

                distance[i] = d;
            }
        }

        for (var y = height - 1; y >= 0; y--)
        {
            for (var x = width - 1; x >= 0; x--)
            {
                var i = (y * width) + x;
                if (distance[i] == 0)
                {
                    continue;
                }

                var d = distance[i];
                d = x < width - 1 ? Math.Min(d, distance[i + 1] + 3) : Math.Min(d, 3);
                if (y < height - 1)
                {
                    d = Math.Min(d, distance[i + width] + 3);
                    d = x < width - 1 ? Math.Min(d, distance[i + width + 1] + 4) : d;
                    d = x > 0 ? Math.Min(d, distance[i + width - 1] + 4) : d;
                }
                else
                {
                    d = Math.Min(d, 3);
                }

                distance[i] = d;
            }
        }
    }

    /// <summary>Labels 8-connected regions of set pixels (1, 2, ...; 0 for unset) and returns how many there are.</summary>
    public static int Label(ReadOnlySpan<bool> mask, Span<int> labels, int width, int height, Span<int> queue)
    {
        labels.Clear();
        var next = 0;
        for (var start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || labels[start] != 0)
            {
                continue;
            }

            next++;
            var head = 0;
            var tail = 0;
            labels[start] = next;
            queue[tail++] = start;
            while (head < tail)
            {
                var index = queue[head++];
                var x = index % width;
                var y = index / width;
                for (var dy = -1; dy <= 1; dy++)
                {
                    var yy = y + dy;
                    if (yy < 0 || yy >= height)
                    {
                        continue;
                    }

                    for (var dx = -1; dx <= 1; dx++)
                    {
                        var xx = x + dx;
                        if (xx < 0 || xx >= width)
                        {
                            continue;
                        }

                        var n = (yy * width) + xx;
                        if (mask[n] && labels[n] == 0)
                        {
                            labels[n] = next;
                            queue[tail++] = n;
                        }
                    }
                }
            }
        }

        return next;
    }

    /// <summary>
    /// The largest 8-connected region of pixels above <paramref name="aboveHu"/>: its label in <paramref name="labels"/>
    /// (0 when there is none) and its size in pixels. <paramref name="mask"/> is scratch.
    /// </summary>
    public static (int Label, int Size) LargestRegion(ReadOnlySpan<short> hu, double aboveHu, Span<bool> mask, Span<int> labels, int width, int height, Span<int> queue)
    {
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = hu[i] > aboveHu;
        }

        var count = Label(mask, labels, width, height, queue);
        if (count == 0)
        {
            return (0, 0);
        }

        var sizes = new int[count + 1];
        foreach (var label in labels)
        {
            sizes[label]++;
        }

        var largest = 1;
        for (var l = 2; l <= count; l++)
        {
            largest = sizes[l] > sizes[largest] ? l : largest;
        }

        return (largest, sizes[largest]);
    }

    /// <summary>Sum of the <paramref name="fx"/> × <paramref name="fy"/> block of a slice (rows of <paramref name="width"/>) whose cell index is (cx, cy).</summary>
    public static int BlockSum(ReadOnlySpan<short> slice, int width, int cx, int cy, int fx, int fy)
    {
        var sum = 0;
        for (var dy = 0; dy < fy; dy++)
        {
            var row = slice.Slice((((cy * fy) + dy) * width) + (cx * fx), fx);
            foreach (var hu in row)
            {
                sum += hu;
            }
        }

        return sum;
    }
}
