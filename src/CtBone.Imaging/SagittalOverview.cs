using CtBone.Core.Analysis;
using CtBone.Core.Volumes;
using SkiaSharp;

namespace CtBone.Imaging;

/// <summary>
/// The overview: a sagittal reformat, curved left-right through the level centres so that a scoliotic spine stays in the
/// image, with square pixels, head up and anterior on the left; each level's ROI marked and labelled in a column to the right.
/// </summary>
internal static class SagittalOverview
{
    public const int HeaderPx = 64;
    public const int FooterPx = 52;
    public const int LabelColumnPx = 320;
    public const int MinimumWidthPx = 720;

    /// <summary>
    /// The view's middle sits this far behind the mean vertebral body centre, so that the default 200 mm hold the bodies,
    /// the canal and the spinous processes (which reach about 60–70 mm behind the body centre) with the aorta in front.
    /// </summary>
    private const double PosteriorShiftMm = 10;

    private const float LabelSizePx = 17;
    private const float LabelSpacingPx = 23;

    public static byte[] Render(CtVolume volume, IReadOnlyList<LevelFinding> levels, KeyImageOptions options) =>
        Compose(Reformat(volume, levels, options), levels, options);

    /// <summary>The reformat alone, without header, footer or labels, and where it lies in patient space.</summary>
    public static OverviewReformat Reformat(CtVolume volume, IReadOnlyList<LevelFinding> levels, KeyImageOptions options)
    {
        var plane = Plane(volume.Geometry, levels, options);
        var centreline = Centreline.Through(levels, plane.CenterMm.X);
        using var canvas = new KeyImageCanvas(plane.Width, plane.Height, options.FontPath, KeyImagePalette.Background);
        new GreyscaleSampler(volume, options.WindowCenterHu, options.WindowWidthHu)
            .Paint(canvas, plane, 0, fixedSlice: null, rowStart => new Vector3D(centreline.XAt(rowStart.Z) - rowStart.X, 0, 0));
        var geometry = volume.Geometry;
        return new OverviewReformat(
            canvas.EncodePng(),
            new OverviewLayout(plane.CenterMm, plane.MmPerPixel, plane.Width, plane.Height, geometry.SliceNormal, geometry.SliceSpacingMm, geometry.SliceDirection));
    }

    /// <summary>
    /// The overview from its reformat: the picture, then the level markers and labels, the summary and the provenance
    /// drawn over it. The analysis and a reviewer's revision both draw it here, so a corrected overview differs from the
    /// first only in what the findings say.
    /// </summary>
    public static byte[] Compose(OverviewReformat reformat, IReadOnlyList<LevelFinding> levels, KeyImageOptions options)
    {
        var layout = reformat.Layout;
        var plane = layout.Plane;
        var width = Math.Max(plane.Width + LabelColumnPx, MinimumWidthPx);
        using var canvas = new KeyImageCanvas(width, HeaderPx + plane.Height + FooterPx, options.FontPath, KeyImagePalette.Background);
        canvas.DrawPng(reformat.Png, 0, HeaderPx);

        canvas.OrientationLetters(HeaderPx, plane.Width, plane.Height, "S", "I", "A", "P");
        DrawLevels(canvas, plane, layout, levels);

        var summary = string.IsNullOrWhiteSpace(options.ScreeningSummary) ? "Screening: no summary given" : options.ScreeningSummary.Trim();
        canvas.Text(canvas.Fit(summary, 19, canvas.Width - 24, bold: true), 12, 28, 19, KeyImagePalette.Text, new TextStyle(Bold: true));
        var how = "Sagittal reformat curved through the level centres · anterior left, head up · " + LevelCaptions.Window(options);
        canvas.Text(canvas.Fit(how, 13, canvas.Width - 24), 12, 52, 13, KeyImagePalette.Muted);

        var footerTop = HeaderPx + plane.Height;
        canvas.Text(canvas.Fit(LevelCaptions.Disclaimer, 16, canvas.Width - 24, bold: true), 12, footerTop + 22, 16, KeyImagePalette.Flag, new TextStyle(Bold: true));
        canvas.Text(canvas.Fit(LevelCaptions.Provenance(options, null), 13, canvas.Width - 24), 12, footerTop + 43, 13, KeyImagePalette.Muted);
        return canvas.EncodePng();
    }

    /// <summary>
    /// The flat plane the curved one bends from: pixel x towards posterior (+y), pixel y towards the feet (−z), the
    /// volume's whole head-feet extent, and one mm-per-pixel for both axes so that thick slices are resampled to square pixels.
    /// </summary>
    internal static DisplayPlane Plane(VolumeGeometry geometry, IReadOnlyList<LevelFinding> levels, KeyImageOptions options)
    {
        var (min, max) = Bounds(geometry);
        var heightMm = max.Z - min.Z;
        var depthMm = options.OverviewDepthMm;
        var mmPerPixel = Math.Max(heightMm, depthMm) / options.OverviewSizePx;
        var centre = new Vector3D(
            levels.Count == 0 ? (min.X + max.X) / 2 : levels.Average(l => Point(l).X),
            levels.Count == 0 ? (min.Y + max.Y) / 2 : levels.Average(l => Point(l).Y) + PosteriorShiftMm,
            (min.Z + max.Z) / 2);
        var widthPx = Math.Max(1, (int)Math.Round(depthMm / mmPerPixel));
        var heightPx = Math.Max(1, (int)Math.Round(heightMm / mmPerPixel));
        return new DisplayPlane(centre, Vector3D.UnitY, Vector3D.UnitZ * -1, mmPerPixel, widthPx, heightPx);
    }

    /// <summary>LPS bounding box of the volume's voxels, edges included (half a voxel beyond the outer centres).</summary>
    private static (Vector3D Min, Vector3D Max) Bounds(VolumeGeometry geometry)
    {
        var corners = new List<Vector3D>(8);
        foreach (var i in new[] { -0.5, geometry.Columns - 0.5 })
        {
            foreach (var j in new[] { -0.5, geometry.Rows - 0.5 })
            {
                foreach (var k in new[] { -0.5, geometry.Slices - 0.5 })
                {
                    corners.Add(geometry.ToPatient(i, j, k));
                }
            }
        }

        return (new Vector3D(corners.Min(c => c.X), corners.Min(c => c.Y), corners.Min(c => c.Z)),
            new Vector3D(corners.Max(c => c.X), corners.Max(c => c.Y), corners.Max(c => c.Z)));
    }

    private static void DrawLevels(KeyImageCanvas canvas, DisplayPlane plane, OverviewLayout geometry, IReadOnlyList<LevelFinding> levels)
    {
        var labelLeft = plane.Width + 16f;
        var labelWidth = canvas.Width - labelLeft - 8;
        var previousBaseline = float.NegativeInfinity;
        foreach (var (level, x, y) in levels
            .Select(l => (Level: l, Pixel: plane.ToPixel(Point(l))))
            .Select(p => (p.Level, X: (float)p.Pixel.X, Y: (float)p.Pixel.Y + HeaderPx))
            .OrderBy(p => p.Y))
        {
            var colour = Colour(level);
            if (level.Roi is { } roi)
            {
                DrawRoiFootprint(canvas, plane, geometry, roi, colour);
            }

            canvas.Circle(x, y, 4, colour, 3);

            // Levels closer than a line of text are pushed down, each keeping its leader line to its own marker.
            var baseline = Math.Max(y + (LabelSizePx / 3), previousBaseline + LabelSpacingPx);
            previousBaseline = baseline;
            canvas.Line(x + 6, y, labelLeft - 4, baseline - (LabelSizePx / 3), colour, 1);
            canvas.Text(canvas.Fit(LevelCaptions.OverviewLabel(level), LabelSizePx, labelWidth, bold: true), labelLeft, baseline, LabelSizePx, colour, new TextStyle(Bold: true));
        }
    }

    /// <summary>The ROI seen from the side: its anterior-posterior extent over the slices it spans.</summary>
    private static void DrawRoiFootprint(KeyImageCanvas canvas, DisplayPlane plane, OverviewLayout geometry, RoiGeometry roi, SKColor colour)
    {
        if (roi.SliceCentersMm.Count == 0)
        {
            return;
        }

        var normal = geometry.SliceNormal;
        var major = AxialKeyImage.ToVector(roi.MajorAxis, null).Normalized();
        var minor = normal.Cross(major).Normalized();
        var halfDepth = Math.Sqrt(Math.Pow(roi.SemiAxisMajorMm * major.Y, 2) + Math.Pow(roi.SemiAxisMinorMm * minor.Y, 2));
        var halfSlice = geometry.SliceSpacingMm / 2 * Math.Abs(geometry.SliceDirection.Z);
        var centres = roi.SliceCentersMm.Select(c => AxialKeyImage.ToVector(c, null)).ToList();
        var top = centres.Max(c => c.Z) + halfSlice;
        var bottom = centres.Min(c => c.Z) - halfSlice;
        var y = centres.Average(c => c.Y);
        var (left, upper) = plane.ToPixel(new Vector3D(0, y - halfDepth, top));
        var (right, lower) = plane.ToPixel(new Vector3D(0, y + halfDepth, bottom));
        SKPoint[] box =
        [
            new((float)left, (float)upper + HeaderPx), new((float)right, (float)upper + HeaderPx),
            new((float)right, (float)lower + HeaderPx), new((float)left, (float)lower + HeaderPx),
        ];
        canvas.Polyline(box, colour.WithAlpha(170), 1, closed: true);
    }

    private static SKColor Colour(LevelFinding level) =>
        level.Excluded ? KeyImagePalette.Excluded : level.MeanHu is null ? KeyImagePalette.NoRoi : KeyImagePalette.Roi;

    private static Vector3D Point(LevelFinding level) => AxialKeyImage.ToVector(level.CenterMm, level);

    /// <summary>Patient x of the curved plane as a function of z: linear between level centres, constant beyond the ends.</summary>
    private sealed class Centreline(IReadOnlyList<(double Z, double X)> knots, double fallbackX)
    {
        public static Centreline Through(IReadOnlyList<LevelFinding> levels, double fallbackX) =>
            new(levels.Select(l => (Point(l).Z, Point(l).X)).OrderBy(k => k.Z).ToList(), fallbackX);

        public double XAt(double z)
        {
            if (knots.Count == 0)
            {
                return fallbackX;
            }

            if (z <= knots[0].Z)
            {
                return knots[0].X;
            }

            for (var n = 1; n < knots.Count; n++)
            {
                if (z <= knots[n].Z)
                {
                    var (z0, x0) = knots[n - 1];
                    var (z1, x1) = knots[n];
                    return z1 - z0 < 1e-6 ? x1 : x0 + ((x1 - x0) * (z - z0) / (z1 - z0));
                }
            }

            return knots[^1].X;
        }
    }
}

/// <summary>
/// Where an overview reformat lies: its flat plane (pixel x towards posterior, y towards the feet, <see cref="MmPerPixel"/>
/// both ways, centred on <see cref="CenterMm"/>, LPS mm) and the slice geometry the ROI footprints are drawn with.
/// </summary>
public sealed record OverviewLayout(Vector3D CenterMm, double MmPerPixel, int Width, int Height, Vector3D SliceNormal, double SliceSpacingMm, Vector3D SliceDirection)
{
    internal DisplayPlane Plane => new(CenterMm, Vector3D.UnitY, Vector3D.UnitZ * -1, MmPerPixel, Width, Height);
}

/// <summary>The sagittal overview's picture without any label (PNG, <see cref="OverviewLayout.Width"/> × <see cref="OverviewLayout.Height"/>) and its layout.</summary>
public sealed record OverviewReformat(byte[] Png, OverviewLayout Layout);
