using CtBone.Core.Analysis;
using CtBone.Core.Volumes;
using SkiaSharp;

namespace CtBone.Imaging;

/// <summary>
/// One level's axial key image: a caption band (level, HU, flags, exclusion), the ROI's mid-slice in radiological view
/// with the ROI outline, and a provenance line.
/// </summary>
internal static class AxialKeyImage
{
    public const int HeaderPx = 92;
    public const int FooterPx = 28;

    private const int OutlinePoints = 180;
    private const double ScaleBarMm = 20;

    public static byte[] Render(CtVolume volume, LevelFinding level, KeyImageOptions options)
    {
        var geometry = volume.Geometry;
        var slice = SliceOf(geometry, level);
        var center = OnSlice(geometry, slice, RoiCenter(level, slice));
        var plane = DisplayPlane.Axial(center, geometry.SliceNormal, options.AxialFieldOfViewMm, options.AxialSizePx);

        using var canvas = new KeyImageCanvas(plane.Width, HeaderPx + plane.Height + FooterPx, options.FontPath, KeyImagePalette.Background);
        new GreyscaleSampler(volume, options.WindowCenterHu, options.WindowWidthHu).Paint(canvas, plane, HeaderPx, slice);

        if (level.Roi is { } roi)
        {
            DrawOutline(canvas, plane, center, roi);
        }
        else
        {
            DrawCentreMarker(canvas, plane, center);
        }

        canvas.OrientationLetters(HeaderPx, plane.Width, plane.Height, "A", "P", "R", "L");
        DrawScaleAndWindow(canvas, plane, options);
        DrawCaption(canvas, level);
        var provenance = LevelCaptions.Provenance(options, LevelCaptions.Invariant($"slice {slice} of {geometry.Slices}"));
        canvas.Text(canvas.Fit(provenance, 13, canvas.Width - 20), 10, canvas.Height - 9, 13, KeyImagePalette.Muted);
        return canvas.EncodePng();
    }

    /// <summary>The ROI's mid-slice, or without an ROI the slice nearest the vertebral body centre.</summary>
    private static int SliceOf(VolumeGeometry geometry, LevelFinding level)
    {
        if (level.Roi is { } roi)
        {
            if (roi.MidSlice < 0 || roi.MidSlice >= geometry.Slices)
            {
                throw new ArgumentException($"Level {level.Level}: ROI mid-slice {roi.MidSlice} is outside the volume's {geometry.Slices} slices.", nameof(level));
            }

            return roi.MidSlice;
        }

        var k = geometry.ToVoxel(ToVector(level.CenterMm, level)).K;
        return (int)Math.Clamp(Math.Round(k), 0, geometry.Slices - 1);
    }

    private static Vector3D RoiCenter(LevelFinding level, int slice)
    {
        if (level.Roi is { } roi)
        {
            var index = roi.Slices.ToList().IndexOf(slice);
            if (index >= 0 && index < roi.SliceCentersMm.Count)
            {
                return ToVector(roi.SliceCentersMm[index], level);
            }
        }

        return ToVector(level.CenterMm, level);
    }

    /// <summary>The point moved along the slice normal onto slice <paramref name="k"/>, so that the view plane is that slice.</summary>
    private static Vector3D OnSlice(VolumeGeometry geometry, int k, Vector3D pointMm)
    {
        var normal = geometry.SliceNormal;
        var sliceOrigin = geometry.ToPatient(0, 0, k);
        return pointMm - (normal * (pointMm - sliceOrigin).Dot(normal));
    }

    private static void DrawOutline(KeyImageCanvas canvas, DisplayPlane plane, Vector3D center, RoiGeometry roi)
    {
        var normal = plane.Right.Cross(plane.Down).Normalized();
        var axis = ToVector(roi.MajorAxis, null);
        var major = (axis - (normal * axis.Dot(normal))).Normalized();
        if (major.Length == 0)
        {
            major = plane.Right;
        }

        var minor = normal.Cross(major).Normalized();
        var points = new SKPoint[OutlinePoints];
        for (var n = 0; n < OutlinePoints; n++)
        {
            var t = 2 * Math.PI * n / OutlinePoints;
            var p = center + (major * (roi.SemiAxisMajorMm * Math.Cos(t))) + (minor * (roi.SemiAxisMinorMm * Math.Sin(t)));
            var (x, y) = plane.ToPixel(p);
            points[n] = new SKPoint((float)x, (float)(y + HeaderPx));
        }

        canvas.Polyline(points, KeyImagePalette.Roi, 2, closed: true);
    }

    /// <summary>A crosshair with an open middle, so that the bone under the centre stays visible.</summary>
    private static void DrawCentreMarker(KeyImageCanvas canvas, DisplayPlane plane, Vector3D center)
    {
        var (px, py) = plane.ToPixel(center);
        float x = (float)px, y = (float)py + HeaderPx;
        const float Gap = 6, Arm = 16;
        canvas.Line(x - Gap - Arm, y, x - Gap, y, KeyImagePalette.NoRoi, 2);
        canvas.Line(x + Gap, y, x + Gap + Arm, y, KeyImagePalette.NoRoi, 2);
        canvas.Line(x, y - Gap - Arm, x, y - Gap, KeyImagePalette.NoRoi, 2);
        canvas.Line(x, y + Gap, x, y + Gap + Arm, KeyImagePalette.NoRoi, 2);
    }

    /// <summary>A 20 mm bar at the lower right and the window at the lower left, as a PACS viewer shows them.</summary>
    private static void DrawScaleAndWindow(KeyImageCanvas canvas, DisplayPlane plane, KeyImageOptions options)
    {
        canvas.Text(LevelCaptions.Window(options), 12, HeaderPx + plane.Height - 12, 13, KeyImagePalette.Text, new TextStyle(Halo: true));
        var length = (float)(ScaleBarMm / plane.MmPerPixel);
        float right = plane.Width - 16, y = HeaderPx + plane.Height - 16;
        canvas.Line(right - length, y, right, y, KeyImagePalette.Text, 3);
        canvas.Text(LevelCaptions.Invariant($"{ScaleBarMm:0} mm"), right - (length / 2), y - 7, 13, KeyImagePalette.Text, new TextStyle(SKTextAlign.Center, Halo: true));
    }

    private static void DrawCaption(KeyImageCanvas canvas, LevelFinding level)
    {
        const float Left = 12;
        var maxWidth = canvas.Width - (2 * Left);
        canvas.Text(level.Level, Left, 32, 26, KeyImagePalette.Text, new TextStyle(Bold: true));
        var measurementLeft = Left + canvas.MeasureText(level.Level, 26, bold: true) + 18;
        canvas.Text(canvas.Fit(LevelCaptions.Measurement(level), 21, maxWidth - measurementLeft), measurementLeft, 32, 21, KeyImagePalette.Text);

        var flagColour = level.Flags.Count == 0 ? KeyImagePalette.Muted : KeyImagePalette.Flag;
        canvas.Text(canvas.Fit(LevelCaptions.Flags(level), 16, maxWidth), Left, 58, 16, flagColour);

        var exclusion = LevelCaptions.Exclusion(level);
        var noRoi = level.Roi is null ? "no ROI: marker at the vertebral body centre" : null;
        var status = string.Join(" · ", new[] { exclusion, noRoi }.OfType<string>());
        if (status.Length > 0)
        {
            var colour = exclusion is null ? KeyImagePalette.NoRoi : KeyImagePalette.Excluded;
            canvas.Text(canvas.Fit(status, 16, maxWidth, bold: true), Left, 82, 16, colour, new TextStyle(Bold: true));
        }
    }

    internal static Vector3D ToVector(double[] mm, LevelFinding? level) => mm is { Length: 3 }
        ? new Vector3D(mm[0], mm[1], mm[2])
        : throw new ArgumentException($"Level {level?.Level ?? "?"}: expected an [x, y, z] point or vector in mm, got {mm?.Length ?? 0} values.");
}
