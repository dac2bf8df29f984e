using System.Globalization;
using CtBone.Core.Volumes;

namespace CtBone.Core.Series;

/// <summary>
/// Orders the images of one series into a volume: by position along the slice normal (never by file name or
/// InstanceNumber), and checks what the geometry promises: one size and orientation, no duplicates, even spacing.
/// </summary>
public static class SliceStacker
{
    public static StackOutcome Stack(IReadOnlyList<SliceHeader> images, SliceStackerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        options ??= new SliceStackerOptions();
        var warnings = new List<string>();
        var dropped = new List<FileIssue>();

        var placed = new List<SliceHeader>();
        foreach (var image in images)
        {
            if (image.ImagePositionPatient is null || image.RowDirection is null || image.ColumnDirection is null || image.PixelSpacingMm is null)
            {
                dropped.Add(new FileIssue(image.FilePath, "no ImagePositionPatient, ImageOrientationPatient or PixelSpacing"));
                continue;
            }

            placed.Add(image);
        }

        if (placed.Count == 0)
        {
            return StackOutcome.Rejected("no image has ImagePositionPatient, ImageOrientationPatient and PixelSpacing", dropped);
        }

        var groups = placed.GroupBy(GeometryKey).OrderByDescending(g => g.Count()).ToList();
        var main = groups[0].ToList();
        if (groups.Count > 1)
        {
            var others = placed.Count - main.Count;
            var describe = string.Join(", ", groups.Select(g => $"{g.Key} ({g.Count()} images)"));
            if (others > Math.Max(options.MaxStrayImages, placed.Count * options.MaxStrayFraction))
            {
                return StackOutcome.Rejected($"mixed image sizes or orientations in one series: {describe}", dropped);
            }

            foreach (var stray in groups.Skip(1).SelectMany(g => g))
            {
                dropped.Add(new FileIssue(stray.FilePath, $"size or orientation differs from the rest of the series ({GeometryKey(stray)})"));
            }

            warnings.Add($"dropped {others} image(s) whose size or orientation differs from the other {main.Count}: {describe}");
        }

        var first = main[0];
        var row = first.RowDirection!.Value;
        var column = first.ColumnDirection!.Value;
        if (Math.Abs(row.Length - 1) > 0.01 || Math.Abs(column.Length - 1) > 0.01 || Math.Abs(row.Dot(column)) > 0.01)
        {
            return StackOutcome.Rejected($"ImageOrientationPatient is not two orthogonal unit vectors: {row} {column}", dropped);
        }

        row = row.Normalized();
        column = column.Normalized();
        var normal = row.Cross(column).Normalized();

        // Run the stack from feet to head whenever the normal has a head-foot component, so that every consumer
        // sees k increase superiorly whatever the patient position (HFS, FFS) or the scanner's slice order.
        var direction = normal.Z < 0 ? normal * -1 : normal;
        var ordered = main
            .Select(h => (Header: h, Distance: h.ImagePositionPatient!.Value.Dot(direction)))
            .OrderBy(p => p.Distance)
            .ThenBy(p => p.Header.InstanceNumber ?? int.MaxValue)
            .ThenBy(p => p.Header.SopInstanceUid, StringComparer.Ordinal)
            .ToList();

        var unique = new List<(SliceHeader Header, double Distance)>(ordered.Count);
        var sameInstance = 0;
        var samePosition = 0;
        foreach (var slice in ordered)
        {
            if (unique.Count > 0 && Math.Abs(slice.Distance - unique[^1].Distance) < options.SamePositionToleranceMm)
            {
                if (slice.Header.SopInstanceUid == unique[^1].Header.SopInstanceUid)
                {
                    sameInstance++;
                    dropped.Add(new FileIssue(slice.Header.FilePath, $"duplicate of SOP instance {slice.Header.SopInstanceUid}"));
                    continue;
                }

                samePosition++;
            }

            unique.Add(slice);
        }

        if (samePosition > 0)
        {
            return StackOutcome.Rejected($"{samePosition} slice position(s) hold two different images (two acquisitions in one series?)", dropped);
        }

        if (sameInstance > 0)
        {
            warnings.Add($"ignored {sameInstance} duplicate file(s) of the same SOP instance");
        }

        if (unique.Count < 2)
        {
            return StackOutcome.Rejected("fewer than two distinct slice positions", dropped);
        }

        var steps = new double[unique.Count - 1];
        for (var i = 0; i < steps.Length; i++)
        {
            steps[i] = unique[i + 1].Distance - unique[i].Distance;
        }

        var nominal = Median(steps);
        if (nominal < 0.05)
        {
            return StackOutcome.Rejected(Invariant($"slice spacing of {nominal:0.###} mm is implausible"), dropped);
        }

        var slots = new List<StackSlot>();
        var missing = 0;
        var gapNotes = new List<string>();
        for (var i = 0; i < unique.Count; i++)
        {
            if (i > 0)
            {
                var ratio = steps[i - 1] / nominal;
                var whole = Math.Round(ratio);
                if (Math.Abs(ratio - whole) > options.SpacingTolerance * Math.Max(1, whole) || whole < 1)
                {
                    return StackOutcome.Rejected(
                        Invariant($"uneven slice spacing: {steps.Min():0.###} to {steps.Max():0.###} mm (typical {nominal:0.###} mm), a step of {steps[i - 1]:0.###} mm after position {unique[i - 1].Distance:0.##} mm"),
                        dropped);
                }

                var gap = (int)whole - 1;
                if (gap > 0)
                {
                    if (gap > options.MaxConsecutiveMissingSlices)
                    {
                        return StackOutcome.Rejected(
                            Invariant($"gap of {steps[i - 1]:0.##} mm ({gap} slices missing) after position {unique[i - 1].Distance:0.##} mm"),
                            dropped);
                    }

                    var below = slots.Count - 1;
                    for (var g = 0; g < gap; g++)
                    {
                        slots.Add(new StackSlot(slots.Count, null, below, below + gap + 1));
                    }

                    missing += gap;
                    gapNotes.Add(Invariant($"{gap} at {unique[i - 1].Distance + nominal:0.##} mm"));
                }
            }

            slots.Add(new StackSlot(slots.Count, unique[i].Header, slots.Count, slots.Count));
        }

        if (missing > Math.Max(options.MaxConsecutiveMissingSlices, slots.Count * options.MaxMissingFraction))
        {
            return StackOutcome.Rejected($"{missing} of {slots.Count} slices are missing", dropped);
        }

        if (missing > 0)
        {
            warnings.Add($"{missing} missing slice(s) filled by linear interpolation between their neighbours ({string.Join("; ", gapNotes)})");
        }

        var firstPosition = unique[0].Header.ImagePositionPatient!.Value;
        var lastPosition = unique[^1].Header.ImagePositionPatient!.Value;
        var travel = lastPosition - firstPosition;
        var along = travel.Dot(direction);
        var across = (travel - (direction * along)).Length;
        var tilt = Math.Atan2(across, along) * 180 / Math.PI;
        var sliceDirection = direction;
        var sliceSpacing = along / (slots.Count - 1);
        if (tilt > options.TiltToleranceDegrees)
        {
            sliceDirection = travel.Normalized();
            sliceSpacing = travel.Length / (slots.Count - 1);
            var tag = first.GantryTiltDegrees is { } t ? Invariant($", GantryDetectorTilt {t:0.#}°") : string.Empty;
            warnings.Add(Invariant($"gantry tilt of {tilt:0.#}°{tag}: the slices are sheared, and voxel positions follow the true slice direction"));
        }

        foreach (var (header, _) in unique)
        {
            var offset = header.ImagePositionPatient!.Value - firstPosition;
            var off = (offset - (sliceDirection * offset.Dot(sliceDirection))).Length;
            if (off > options.OffAxisToleranceMm)
            {
                return StackOutcome.Rejected(Invariant($"slice positions do not lie on one line (one is {off:0.##} mm off it)"), dropped);
            }
        }

        var spacing = first.PixelSpacingMm!.Value;
        var geometry = new VolumeGeometry(
            first.Columns,
            first.Rows,
            slots.Count,
            spacing.ColumnMm,
            spacing.RowMm,
            sliceSpacing,
            firstPosition,
            row,
            column,
            sliceDirection);
        return new StackOutcome(new StackedSeries(geometry, slots, warnings) { TiltDegrees = tilt > options.TiltToleranceDegrees ? tilt : 0 }, null, dropped);
    }

    private static string GeometryKey(SliceHeader h)
    {
        var r = h.RowDirection!.Value;
        var c = h.ColumnDirection!.Value;
        var s = h.PixelSpacingMm!.Value;
        return Invariant($"{h.Columns}x{h.Rows} px, {s.RowMm:0.###}x{s.ColumnMm:0.###} mm, orientation {r.X:0.##},{r.Y:0.##},{r.Z:0.##},{c.X:0.##},{c.Y:0.##},{c.Z:0.##}");
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A stack, or the reason the series cannot be one, plus the files left out either way.</summary>
public sealed record StackOutcome(StackedSeries? Stack, string? RejectionReason, IReadOnlyList<FileIssue> Dropped)
{
    public static StackOutcome Rejected(string reason, IReadOnlyList<FileIssue> dropped) => new(null, reason, dropped);
}

/// <summary>Tolerances for <see cref="SliceStacker"/>.</summary>
public sealed record SliceStackerOptions
{
    /// <summary>Two slices closer than this along the normal are at the same position. Default 0.01 mm.</summary>
    public double SamePositionToleranceMm { get; init; } = 0.01;

    /// <summary>A step may differ from the typical spacing by this fraction and still count as even. Default 0.1.</summary>
    public double SpacingTolerance { get; init; } = 0.1;

    /// <summary>Longest run of missing slices that is filled by interpolation rather than rejected. Default 2.</summary>
    public int MaxConsecutiveMissingSlices { get; init; } = 2;

    /// <summary>Largest fraction of the stack that may be interpolated. Default 0.05.</summary>
    public double MaxMissingFraction { get; init; } = 0.05;

    /// <summary>Images of another size or orientation that are dropped rather than rejecting the series: at most this many... Default 2.</summary>
    public int MaxStrayImages { get; init; } = 2;

    /// <summary>... or this fraction of the series. Default 0.05.</summary>
    public double MaxStrayFraction { get; init; } = 0.05;

    /// <summary>Below this angle between the normal and the slice travel, the stack counts as untilted. Default 0.5°.</summary>
    public double TiltToleranceDegrees { get; init; } = 0.5;

    /// <summary>How far a slice position may lie off the line through the first and last ones. Default 0.5 mm.</summary>
    public double OffAxisToleranceMm { get; init; } = 0.5;
}
