namespace CtBone.Imaging;

/// <summary>
/// How key images look and what provenance they carry. The display settings suit configuration (section
/// <see cref="SectionName"/>); the study fields (<see cref="SeriesInstanceUid"/>, <see cref="AlgorithmVersion"/>,
/// <see cref="ScreeningSummary"/>) are set per study, e.g. with <c>options with { ... }</c>.
/// </summary>
public sealed record KeyImageOptions
{
    /// <summary>Configuration section these options bind from.</summary>
    public const string SectionName = "KeyImages";

    /// <summary>Where DejaVu Sans is installed by Debian's fonts-dejavu-core.</summary>
    public const string DejaVuSansPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    /// <summary>
    /// TrueType font every label is drawn with. Default <see cref="DejaVuSansPath"/>. SkiaSharp's NoDependencies build sees
    /// no system fonts, so a missing file is an error, never an image without text.
    /// </summary>
    public string FontPath { get; init; } = DejaVuSansPath;

    /// <summary>
    /// Window centre (level) of the grey scale. Default 300 HU: with <see cref="WindowWidthHu"/> 1500 this is the usual CT
    /// bone window, which keeps cortex (700–1000 HU) short of white, trabecular bone (50–250 HU) mid-grey and visibly apart
    /// from muscle (about 50 HU) and fat (about −100 HU), and shows metal streaks for what they are. −1000 to 3000.
    /// </summary>
    public double WindowCenterHu { get; init; } = 300;

    /// <summary>Window width of the grey scale. Default 1500 HU (bone window, see <see cref="WindowCenterHu"/>); 50 to 5000.</summary>
    public double WindowWidthHu { get; init; } = 1500;

    /// <summary>Width and height of the square image area of an axial key image, pixels. Default 640; 512 to 2048.</summary>
    public int AxialSizePx { get; init; } = 640;

    /// <summary>
    /// Side of the square patient area an axial key image shows, centred on the ROI. Default 200 mm: the vertebra with its
    /// posterior elements, psoas and aorta, large enough to judge the ROI's placement. 60 to 600 mm.
    /// </summary>
    public double AxialFieldOfViewMm { get; init; } = 200;

    /// <summary>
    /// The sagittal overview's image area fits in a square of this many pixels, keeping square pixels. Default 800; 256 to 4096.
    /// </summary>
    public int OverviewSizePx { get; init; } = 800;

    /// <summary>
    /// Anterior-posterior extent the overview shows around the spine. Default 200 mm (vertebral bodies, canal and spinous
    /// processes, with the aorta in front). The overview always shows the volume's whole head-feet extent. 60 to 600 mm.
    /// </summary>
    public double OverviewDepthMm { get; init; } = 200;

    /// <summary>SeriesInstanceUid of the measured series; its tail goes into each image's provenance line. Optional.</summary>
    public string? SeriesInstanceUid { get; init; }

    /// <summary>Name and version of the algorithm behind the numbers, e.g. "ctbone-spine 0.1.0". Optional.</summary>
    public string? AlgorithmVersion { get; init; }

    /// <summary>One line with the screening outcome, printed on the overview, e.g. "Osteopenia: L1 112 HU (Pickhardt 2013)". Optional.</summary>
    public string? ScreeningSummary { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is out of range.</summary>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(FontPath), nameof(FontPath), "must name a TrueType font file");
        Require(WindowCenterHu is >= -1000 and <= 3000, nameof(WindowCenterHu), "must be -1000 to 3000 HU");
        Require(WindowWidthHu is >= 50 and <= 5000, nameof(WindowWidthHu), "must be 50 to 5000 HU");
        Require(AxialSizePx is >= 512 and <= 2048, nameof(AxialSizePx), "must be 512 to 2048 px");
        Require(AxialFieldOfViewMm is >= 60 and <= 600, nameof(AxialFieldOfViewMm), "must be 60 to 600 mm");
        Require(OverviewSizePx is >= 256 and <= 4096, nameof(OverviewSizePx), "must be 256 to 4096 px");
        Require(OverviewDepthMm is >= 60 and <= 600, nameof(OverviewDepthMm), "must be 60 to 600 mm");
    }

    private static void Require(bool condition, string name, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"KeyImageOptions.{name} {rule}.", name);
        }
    }
}
