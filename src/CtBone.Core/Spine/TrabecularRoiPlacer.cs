using CtBone.Core.Volumes;

namespace CtBone.Core.Spine;

/// <summary>An elliptical ROI on one axial slice, in the stack's mm frame.</summary>
/// <param name="Slice">Slice index k of the stack (feet to head).</param>
/// <param name="CenterMm">Ellipse centre (z is the slice's).</param>
/// <param name="SemiLateralMm">Half-axis along the body's left axis.</param>
/// <param name="SemiAnteriorMm">Half-axis along the body's front-back axis.</param>
/// <param name="RotationDegrees">Axial rotation of the body: positive turns its front towards patient left.</param>
internal readonly record struct RoiSlice(int Slice, Vector3D CenterMm, double SemiLateralMm, double SemiAnteriorMm, double RotationDegrees)
{
    /// <summary>Whether a point of the slice (stack mm) is inside the ellipse.</summary>
    public bool Contains(double xMm, double yMm)
    {
        var (sin, cos) = Math.SinCos(RotationDegrees * Math.PI / 180);
        var dx = xMm - CenterMm.X;
        var dy = yMm - CenterMm.Y;
        // Body axes: left = (cos, sin), posterior = (−sin, cos).
        var u = (dx * cos) + (dy * sin);
        var v = (-dx * sin) + (dy * cos);
        return ((u * u) / (SemiLateralMm * SemiLateralMm)) + ((v * v) / (SemiAnteriorMm * SemiAnteriorMm)) <= 1;
    }
}

/// <summary>HU statistics over the voxels inside a trabecular ROI; <c>AreaMm2</c> is the mean in-plane area per slice of the voxels counted.</summary>
internal sealed record RoiStatistics(double MeanHu, double SdHu, double MedianHu, double AreaMm2, int VoxelCount);

/// <summary>The ROI of one vertebra and what it measured.</summary>
/// <param name="Slices">The ellipse on each slice measured.</param>
/// <param name="MidSlice">Slice index k nearest the body's mid-height.</param>
/// <param name="Statistics">HU statistics over all the ROI's voxels.</param>
/// <param name="OutlierFraction">Share of voxels more than 4 robust SDs from the median.</param>
/// <param name="HighDensityFraction">Share of voxels at 600 HU or more (sclerosis).</param>
/// <param name="StreakFraction">Share of voxels below −200 or above 1500 HU: metal streaks, not bone.</param>
/// <param name="HalfWidthMm">Inner half width of the body (median over the slices).</param>
/// <param name="HalfDepthMm">Inner half depth of the body (median over the slices).</param>
internal sealed record TrabecularMeasurement(IReadOnlyList<RoiSlice> Slices, int MidSlice, RoiStatistics Statistics, double OutlierFraction, double HighDensityFraction, double StreakFraction, double HalfWidthMm, double HalfDepthMm);

/// <summary>
/// Places the trabecular ROI of a vertebral body: on the axial slices of its middle half-height, an ellipse in the
/// front and middle of the body, inset from the cortex and kept in front of the basivertebral vein, about 200 mm²
/// (CLINICAL.md: oval ROI of about 200 mm² in anterior-central trabecular bone; several mid-body slices lower noise).
/// </summary>
internal static class TrabecularRoiPlacer
{
    /// <summary>Largest ROI area per slice, mm² (Osteoporos Int 2025 recommends about 200).</summary>
    public const double MaxAreaMm2 = 220;

    /// <summary>Below this the ROI is flagged small-roi.</summary>
    public const double SmallAreaMm2 = 90;

    public static TrabecularMeasurement? Place(AxialStack stack, SpineColumn column, ColumnSegment segment, IReadOnlySet<int> avoidSlices)
    {
        var halfRange = Math.Max(0.22 * segment.LengthMm, stack.SliceSpacingMm * 0.5);
        var sections = new List<(int K, BodyCrossSection Section)>();
        for (var k = 0; k < stack.Nz; k++)
        {
            if (Math.Abs(stack.SliceZMm[k] - segment.CenterZMm) > halfRange || avoidSlices.Contains(k))
            {
                continue;
            }

            var point = column.At(stack.SliceZMm[k], stack);
            var section = BodyCrossSection.Measure(stack, point, Vector3D.UnitX, Vector3D.UnitY, (1.6 * column.TypicalRadiusMm) + 12);
            if (section.IsBody && !double.IsNaN(section.HalfWidthMm) && section.HalfWidthMm >= 5 && section.HalfDepthMm >= 4)
            {
                sections.Add((k, section));
            }
        }

        if (sections.Count == 0)
        {
            return null;
        }

        // One shape per body (the median over its slices); only the centre follows the body from slice to slice.
        var halfWidth = SpineColumn.Median(sections.Select(s => s.Section.HalfWidthMm));
        var halfDepth = SpineColumn.Median(sections.Select(s => s.Section.HalfDepthMm));
        var rotation = SpineColumn.Median(sections.Select(s => s.Section.RotationDegrees));
        var semiLateral = 0.55 * halfWidth;
        var semiAnterior = 0.42 * halfDepth;
        var area = Math.PI * semiLateral * semiAnterior;
        if (area > MaxAreaMm2)
        {
            var scale = Math.Sqrt(MaxAreaMm2 / area);
            semiLateral *= scale;
            semiAnterior *= scale;
        }

        var (sin, cos) = Math.SinCos(rotation * Math.PI / 180);
        var anterior = new Vector3D(sin, -cos, 0);
        var left = new Vector3D(cos, sin, 0);

        // A body tilted by lordosis meets an axial slice obliquely: keep only slices on which the whole ellipse stays in
        // the middle 60% of the body's height, measured along its own axis (disc to disc), clear of both endplates.
        var bodyCentre = column.At(segment.CenterZMm, stack);
        var up = column.BodyAxis(segment, stack);
        // A slice averages half its spacing above and below its centre: that much less room.
        var limit = (0.3 * segment.LengthMm) - (0.5 * stack.SliceSpacingMm * Math.Abs(up.Z));
        bool Central(Vector3D centre) =>
            new[] { anterior * semiAnterior, anterior * -semiAnterior, left * semiLateral, left * -semiLateral }
                .All(d => Math.Abs((centre + d - bodyCentre).Dot(up)) <= limit);
        var rois = sections
            .Select(s => new RoiSlice(s.K, s.Section.CenterMm + (anterior * (0.30 * halfDepth)), semiLateral, semiAnterior, rotation))
            .Where(r => Central(r.CenterMm))
            .ToList();
        if (rois.Count == 0)
        {
            return null;
        }

        var values = new List<short>();
        foreach (var roi in rois)
        {
            var reach = Math.Max(roi.SemiLateralMm, roi.SemiAnteriorMm);
            var x0 = Math.Max(0, (int)Math.Floor((roi.CenterMm.X - reach) / stack.PixelXMm));
            var x1 = Math.Min(stack.Nx - 1, (int)Math.Ceiling((roi.CenterMm.X + reach) / stack.PixelXMm));
            var y0 = Math.Max(0, (int)Math.Floor((roi.CenterMm.Y - reach) / stack.PixelYMm));
            var y1 = Math.Min(stack.Ny - 1, (int)Math.Ceiling((roi.CenterMm.Y + reach) / stack.PixelYMm));
            for (var y = y0; y <= y1; y++)
            {
                for (var x = x0; x <= x1; x++)
                {
                    if (roi.Contains(x * stack.PixelXMm, y * stack.PixelYMm))
                    {
                        values.Add(stack[x, y, roi.Slice]);
                    }
                }
            }
        }

        if (values.Count == 0)
        {
            return null;
        }

        var statistics = Statistics(values, stack.PixelXMm * stack.PixelYMm, rois.Count, out var outliers, out var dense);
        var streaks = values.Count(v => v is < -200 or > 1500) / (double)values.Count;
        var mid = rois.MinBy(r => Math.Abs(stack.SliceZMm[r.Slice] - segment.CenterZMm)).Slice;
        return new TrabecularMeasurement(rois, mid, statistics, outliers, dense, streaks, halfWidth, halfDepth);
    }

    private static RoiStatistics Statistics(List<short> values, double pixelAreaMm2, int slices, out double outlierFraction, out double denseFraction)
    {
        values.Sort();
        double sum = 0, sumSquares = 0;
        foreach (var v in values)
        {
            sum += v;
            sumSquares += (double)v * v;
        }

        var n = values.Count;
        var mean = sum / n;
        var sd = n > 1 ? Math.Sqrt(Math.Max(0, (sumSquares - (n * mean * mean)) / (n - 1))) : 0;
        var median = n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2.0;
        var deviations = values.Select(v => Math.Abs(v - median)).OrderBy(d => d).ToList();
        var robustSd = 1.4826 * deviations[n / 2];
        outlierFraction = robustSd > 0 ? values.Count(v => Math.Abs(v - median) > 4 * Math.Max(robustSd, 5)) / (double)n : 0;
        denseFraction = values.Count(v => v >= 600) / (double)n;
        return new RoiStatistics(mean, sd, median, n * pixelAreaMm2 / slices, n);
    }
}
