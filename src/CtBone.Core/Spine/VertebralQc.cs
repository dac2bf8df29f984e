using CtBone.Core.Analysis;
using CtBone.Core.Volumes;

namespace CtBone.Core.Spine;

/// <summary>Quality checks of one vertebra: its heights (for fractures) and metal in or near it.</summary>
internal static class VertebralQc
{
    /// <summary>Metal, dense cement and their brightest streaks read above this; cortical bone does not (CLINICAL.md: exclude metal levels).</summary>
    public const double MetalHu = 2000;

    /// <summary>
    /// Anterior, middle and posterior heights (Genant): along lines parallel to the column axis in the body's mid-sagittal
    /// plane, at half the half depth in front of and behind the centre, from endplate to endplate (the first endplate met
    /// going up and going down from mid-height). Each is the median over three lines 3 mm apart side to side.
    /// </summary>
    public static BodyHeights? Heights(AxialStack stack, SpineColumn column, ColumnSegment segment, double halfDepthMm, double rotationDegrees)
    {
        var centre = column.At(segment.CenterZMm, stack);
        var up = column.BodyAxis(segment, stack);
        var (sin, cos) = Math.SinCos(rotationDegrees * Math.PI / 180);
        var anterior = new Vector3D(sin, -cos, 0);
        anterior = (anterior - (up * anterior.Dot(up))).Normalized();
        var left = up.Cross(anterior).Normalized();
        var reach = Math.Max(20, 0.9 * segment.LengthMm);

        double? Height(double offsetMm)
        {
            var heights = new List<double>();
            foreach (var side in (double[])[-3, 0, 3])
            {
                var origin = centre + (anterior * offsetMm) + (left * side);
                var top = Edge(stack, origin, up, anterior, left, reach);
                var bottom = Edge(stack, origin, up * -1, anterior, left, reach);
                if (top is { } t && bottom is { } b)
                {
                    heights.Add(t + b);
                }
            }

            return heights.Count >= 2 ? SpineColumn.Median(heights) : null;
        }

        var front = Height(0.5 * halfDepthMm);
        var middle = Height(0);
        var back = Height(-0.5 * halfDepthMm);
        if (front is not { } ha || middle is not { } hm || back is not { } hp)
        {
            return null;
        }

        var reference = Math.Max(hp, Math.Max(ha, hm));
        var loss = reference > 0 ? 1 - (Math.Min(ha, hm) / reference) : 0;
        return new BodyHeights(Math.Round(ha, 1), Math.Round(hm, 1), Math.Round(hp, 1), Math.Round(Math.Max(0, loss), 3));
    }

    /// <summary>
    /// Distance along a direction from a point inside the body to its endplate: the first peak that rises at least
    /// 60 HU above the trabecular bone at the start, located at the half-way crossing of its rising edge. A relative
    /// peak, not a fixed threshold, because a thin or tilted endplate averaged into a thick slice reads barely above
    /// osteoporotic bone.
    /// </summary>
    private static double? Edge(AxialStack stack, Vector3D origin, Vector3D direction, Vector3D across1, Vector3D across2, double reachMm)
    {
        const double step = 0.5;
        const double rise = 60;
        double Sample(double t)
        {
            var p = origin + (direction * t);
            return (stack.SampleMm(p) + stack.SampleMm(p + across1) + stack.SampleMm(p - across1) + stack.SampleMm(p + across2) + stack.SampleMm(p - across2)) / 5;
        }

        var count = (int)(reachMm / step);
        var values = new double[count + 1];
        for (var i = 0; i <= count; i++)
        {
            if (stack.SliceAt((origin + (direction * (i * step))).Z) < 0)
            {
                count = i - 1;
                break;
            }

            values[i] = Sample(i * step);
        }

        if (count < 8)
        {
            return null;
        }

        var interior = (values[0] + values[1] + values[2] + values[3] + values[4] + values[5] + values[6]) / 7;
        for (var i = 1; i <= count; i++)
        {
            if (values[i] < interior + rise)
            {
                continue;
            }

            var peak = i;
            while (peak < count && values[peak + 1] >= values[peak])
            {
                peak++;
            }

            var half = interior + ((values[peak] - interior) / 2);
            var j = peak;
            while (j > 0 && values[j - 1] >= half)
            {
                j--;
            }

            var fraction = j > 0 && values[j] > values[j - 1] ? (half - values[j - 1]) / (values[j] - values[j - 1]) : 1;
            return ((j - 1) * step) + (step * Math.Clamp(fraction, 0, 1));
        }

        return null;
    }

    /// <summary>
    /// Genant grade of a height loss (Genant 1993: 20–25% mild, 25–40% moderate, over 40% severe). Slices thicker than
    /// 3 mm blur each endplate by up to half a slice, so the least loss called a fracture rises by 5 points per mm above 3.
    /// </summary>
    public static FractureGrade Grade(double heightLossFraction, double sliceSpacingMm)
    {
        var floor = 0.20 + (0.05 * Math.Max(0, sliceSpacingMm - 3));
        return heightLossFraction < floor ? FractureGrade.None : Grade(heightLossFraction);
    }

    /// <summary>Genant grade of a height loss (Genant 1993: 20–25% mild, 25–40% moderate, over 40% severe).</summary>
    public static FractureGrade Grade(double heightLossFraction) => heightLossFraction switch
    {
        < 0.20 => FractureGrade.None,
        < 0.25 => FractureGrade.Mild,
        <= 0.40 => FractureGrade.Moderate,
        _ => FractureGrade.Severe,
    };

    /// <summary>
    /// Volume (mm³) of voxels at or above <see cref="MetalHu"/> in the vertebra: its body and posterior elements, from
    /// endplate to endplate plus 2 mm, within 45 mm to each side and from 15 mm in front of the body to 70 mm behind its centre.
    /// </summary>
    public static double MetalVolumeMm3(AxialStack stack, SpineColumn column, ColumnSegment segment, double halfDepthMm)
    {
        var count = 0;
        for (var k = 0; k < stack.Nz; k++)
        {
            var z = stack.SliceZMm[k];
            if (z < segment.BottomZMm - 2 || z > segment.TopZMm + 2)
            {
                continue;
            }

            var point = column.At(z, stack);
            var x0 = Math.Max(0, (int)((point.X - 45) / stack.PixelXMm));
            var x1 = Math.Min(stack.Nx - 1, (int)((point.X + 45) / stack.PixelXMm));
            var y0 = Math.Max(0, (int)((point.Y - halfDepthMm - 15) / stack.PixelYMm));
            var y1 = Math.Min(stack.Ny - 1, (int)((point.Y + 70) / stack.PixelYMm));
            for (var y = y0; y <= y1; y++)
            {
                for (var x = x0; x <= x1; x++)
                {
                    if (stack[x, y, k] >= MetalHu)
                    {
                        count++;
                    }
                }
            }
        }

        return count * stack.PixelXMm * stack.PixelYMm * stack.SliceSpacingMm;
    }
}
