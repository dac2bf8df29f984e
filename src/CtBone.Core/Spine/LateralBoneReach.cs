namespace CtBone.Core.Spine;

/// <summary>
/// How far bone that is joined to a vertebral body reaches to each side on an axial slice. Transverse processes stop
/// short; the sacral alae, fused to the first sacral body and reaching the iliac bones, go much further. This is what
/// tells the sacrum from the last lumbar vertebra.
/// </summary>
internal static class LateralBoneReach
{
    /// <summary>
    /// The smaller of the left and right reaches (mm from the column's midline) of the bone region that holds the body
    /// centre on slice k, and the smaller of its front-to-back thicknesses 8 to 18 mm beyond the body's sides (a
    /// transverse process is a thin bar there, an ala a thick wing). Zeros when the centre is not in a bone-walled region.
    /// </summary>
    public static (double ReachMm, double ThicknessMm) Measure(AxialStack stack, int k, double centerXMm, double centerYMm, double bodyHalfWidthMm)
    {
        const double halfWidthMm = 130;
        const double aheadMm = 50;
        const double behindMm = 70;
        var x0 = Math.Max(0, (int)Math.Floor((centerXMm - halfWidthMm) / stack.PixelXMm));
        var x1 = Math.Min(stack.Nx - 1, (int)Math.Ceiling((centerXMm + halfWidthMm) / stack.PixelXMm));
        var y0 = Math.Max(0, (int)Math.Floor((centerYMm - aheadMm) / stack.PixelYMm));
        var y1 = Math.Min(stack.Ny - 1, (int)Math.Ceiling((centerYMm + behindMm) / stack.PixelYMm));
        var w = x1 - x0 + 1;
        var h = y1 - y0 + 1;
        if (w < 3 || h < 3)
        {
            return (0, 0);
        }

        var walls = new bool[w * h];
        var dilated = new bool[w * h];
        var filled = new bool[w * h];
        var labels = new int[w * h];
        var queue = new int[w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                walls[(y * w) + x] = stack[x0 + x, y0 + y, k] >= SpineColumn.CorticalHu;
            }
        }

        SliceMorphology.Dilate(walls, dilated, w, h, filled);
        SliceMorphology.FillHoles(dilated, filled, w, h, queue);
        SliceMorphology.Label(filled, labels, w, h, queue);

        var cx = (int)Math.Round(centerXMm / stack.PixelXMm) - x0;
        var cy = (int)Math.Round(centerYMm / stack.PixelYMm) - y0;
        var label = NearestLabel(labels, w, h, cx, cy, (int)Math.Ceiling(6 / stack.PixelXMm));
        if (label == 0)
        {
            return (0, 0);
        }

        double left = 0, right = 0;
        var leftRows = new bool[h];
        var rightRows = new bool[h];
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] != label)
            {
                continue;
            }

            var offset = (((i % w) + x0) * stack.PixelXMm) - centerXMm;
            left = Math.Max(left, offset);
            right = Math.Max(right, -offset);
            var beyond = Math.Abs(offset) - bodyHalfWidthMm;
            if (beyond is >= 8 and <= 18)
            {
                (offset > 0 ? leftRows : rightRows)[i / w] = true;
            }
        }

        var thickness = Math.Min(leftRows.Count(r => r), rightRows.Count(r => r)) * stack.PixelYMm;
        return (Math.Min(left, right), thickness);
    }

    private static int NearestLabel(int[] labels, int w, int h, int cx, int cy, int reach)
    {
        var best = 0;
        var bestDistance = int.MaxValue;
        for (var y = Math.Max(0, cy - reach); y <= Math.Min(h - 1, cy + reach); y++)
        {
            for (var x = Math.Max(0, cx - reach); x <= Math.Min(w - 1, cx + reach); x++)
            {
                var label = labels[(y * w) + x];
                var distance = ((x - cx) * (x - cx)) + ((y - cy) * (y - cy));
                if (label != 0 && distance < bestDistance)
                {
                    best = label;
                    bestDistance = distance;
                }
            }
        }

        return best;
    }
}
