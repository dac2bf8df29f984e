using System.Text;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Core.Volumes;

namespace CtBone.Imaging;

/// <summary>
/// The key images a surgeon checks a CtBone number against (issue 3), as PNG: per level an axial image of the ROI's
/// mid-slice with the ROI outline and the level's HU, flags and exclusion; and one sagittal overview with every level.
/// </summary>
/// <remarks>
/// Conventions: grey scale from <see cref="KeyImageOptions.WindowCenterHu"/> and <see cref="KeyImageOptions.WindowWidthHu"/>
/// (bone window by default). Axial images are radiological: patient right on the image's left, anterior up, whichever way
/// the series stores rows and columns. The overview shows head up and anterior left with square pixels. All geometry is
/// DICOM patient LPS in mm, as in <see cref="LevelFinding"/> and <see cref="VolumeGeometry"/>. Labels need the font at
/// <see cref="KeyImageOptions.FontPath"/>; a missing font throws <see cref="FileNotFoundException"/>.
/// </remarks>
public static class KeyImageRenderer
{
    /// <summary>File name of the sagittal overview written by <see cref="WriteAsync"/>.</summary>
    public const string OverviewFileName = "sagittal.png";

    /// <summary>
    /// PNG of <paramref name="level"/>'s ROI mid-slice (<see cref="RoiGeometry.MidSlice"/>), or without an ROI the slice
    /// nearest <see cref="LevelFinding.CenterMm"/> with a marker there. The image is <see cref="KeyImageOptions.AxialSizePx"/>
    /// wide and shows <see cref="KeyImageOptions.AxialFieldOfViewMm"/> centred on the ROI, with caption and provenance bands.
    /// </summary>
    /// <exception cref="FileNotFoundException">The font file does not exist.</exception>
    /// <exception cref="ArgumentException">An option is out of range, or the level's geometry does not fit the volume.</exception>
    public static byte[] RenderAxial(CtVolume volume, LevelFinding level, KeyImageOptions options)
    {
        Check(volume, options);
        ArgumentNullException.ThrowIfNull(level);
        return AxialKeyImage.Render(volume, level, options);
    }

    /// <summary>
    /// PNG of a sagittal reformat over the volume's whole head-feet extent, curved left-right through the level centres,
    /// head up and anterior left, with every level marked at <see cref="LevelFinding.CenterMm"/> and labelled with its HU
    /// or exclusion, the <see cref="KeyImageOptions.ScreeningSummary"/> and the screening disclaimer.
    /// </summary>
    /// <exception cref="FileNotFoundException">The font file does not exist.</exception>
    /// <exception cref="ArgumentException">An option is out of range, or a level's centre is not an [x, y, z] point.</exception>
    public static byte[] RenderSagittalOverview(CtVolume volume, IReadOnlyList<LevelFinding> levels, KeyImageOptions options)
    {
        Check(volume, options);
        ArgumentNullException.ThrowIfNull(levels);
        return SagittalOverview.Render(volume, levels, options);
    }

    /// <summary>
    /// Writes one <c>{level}_axial.png</c> per vertebra of <paramref name="findings"/> (e.g. <c>L1_axial.png</c>) and
    /// <see cref="OverviewFileName"/> into <paramref name="directory"/>, creating it and replacing files of the same names.
    /// Provenance and the screening line come from <paramref name="options"/> where set, else from the findings.
    /// </summary>
    /// <returns>The paths written: the axial images top level first, then the overview.</returns>
    public static async Task<IReadOnlyList<string>> WriteAsync(
        CtVolume volume, Findings findings, string directory, KeyImageOptions options, CancellationToken cancellationToken)
    {
        Check(volume, options);
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        options = ForFindings(options, findings);

        Directory.CreateDirectory(directory);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { OverviewFileName };
        var paths = findings.Vertebrae.Select(level => Path.Combine(directory, UniqueName(names, FileStem(level.Level) + "_axial", ".png"))).ToList();
        var overview = Path.Combine(directory, OverviewFileName);

        // Each image is drawn on a canvas of its own, so they render side by side, one per core.
        var images = new byte[paths.Count + 1][];
        Parallel.For(0, images.Length, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            images[i] = i < paths.Count ? AxialKeyImage.Render(volume, findings.Vertebrae[i], options) : SagittalOverview.Render(volume, findings.Vertebrae, options));

        var written = new List<string>(paths) { overview };
        for (var i = 0; i < written.Count; i++)
        {
            await File.WriteAllBytesAsync(written[i], images[i], cancellationToken).ConfigureAwait(false);
        }

        return written;
    }

    /// <summary>
    /// The sagittal overview's reformat without labels, and its layout: what a later revision of the overview is drawn
    /// on (<see cref="ComposeOverview"/>) once the volume is gone.
    /// </summary>
    /// <exception cref="FileNotFoundException">The font file does not exist.</exception>
    public static OverviewReformat RenderOverviewReformat(CtVolume volume, Findings findings, KeyImageOptions options)
    {
        Check(volume, options);
        ArgumentNullException.ThrowIfNull(findings);
        return SagittalOverview.Reformat(volume, findings.Vertebrae, options);
    }

    /// <summary>
    /// The sagittal overview (PNG) of <paramref name="findings"/> drawn on a stored reformat: the same picture
    /// <see cref="WriteAsync"/> writes as <see cref="OverviewFileName"/>, with these findings' labels, values and screening.
    /// </summary>
    /// <exception cref="FileNotFoundException">The font file does not exist.</exception>
    /// <exception cref="ArgumentException">The reformat is not a PNG, or a level's centre is not an [x, y, z] point.</exception>
    public static byte[] ComposeOverview(OverviewReformat reformat, Findings findings, KeyImageOptions options)
    {
        ArgumentNullException.ThrowIfNull(reformat);
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return SagittalOverview.Compose(reformat, findings.Vertebrae, ForFindings(options, findings));
    }

    /// <summary>
    /// The pixels of a key image PNG (such as <see cref="OverviewFileName"/>) as 8-bit RGB, row by row, for a DICOM
    /// Secondary Capture; the picture is exactly the one the PNG shows.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are not a PNG.</exception>
    public static (int Width, int Height, byte[] Rgb) DecodeRgb(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        return KeyImageCanvas.DecodeRgb(png);
    }

    private static void Check(CtVolume volume, KeyImageOptions options)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
    }

    /// <summary>Provenance and the screening line from the findings, where the options do not set them.</summary>
    private static KeyImageOptions ForFindings(KeyImageOptions options, Findings findings) => options with
    {
        SeriesInstanceUid = options.SeriesInstanceUid ?? findings.SeriesInstanceUid,
        AlgorithmVersion = options.AlgorithmVersion ?? findings.AlgorithmVersion,
        ScreeningSummary = options.ScreeningSummary ?? ScreeningLine(findings.Screening),
    };

    private static string? ScreeningLine(ScreeningResult? screening)
    {
        if (screening is null)
        {
            return null;
        }

        var line = new StringBuilder("Screening: ").Append(screening.Category.ToString().ToLowerInvariant());
        if (!string.IsNullOrWhiteSpace(screening.Severity))
        {
            line.Append(" (").Append(screening.Severity).Append(')');
        }

        if (screening.LevelUsed is not null && screening.Hu is { } hu)
        {
            line.Append(LevelCaptions.Invariant($", {screening.LevelUsed} {hu:0} HU"));
        }

        return line.ToString();
    }

    /// <summary>A level name as a file-name stem: letters, digits and '-' kept, anything else '_'.</summary>
    private static string FileStem(string level)
    {
        var stem = new string(level.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_').ToArray());
        return stem.Length == 0 ? "level" : stem;
    }

    private static string UniqueName(HashSet<string> taken, string stem, string extension)
    {
        var name = stem + extension;
        for (var n = 2; !taken.Add(name); n++)
        {
            name = LevelCaptions.Invariant($"{stem}_{n}{extension}");
        }

        return name;
    }
}
