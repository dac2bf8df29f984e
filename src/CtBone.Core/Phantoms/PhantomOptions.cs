using CtBone.Core.Series;
using CtBone.Core.Spine;

namespace CtBone.Core.Phantoms;

/// <summary>How the patient lay on the table (PatientPosition, 0018,5100).</summary>
public enum PatientPosition
{
    /// <summary>Head first supine: the scan runs head to feet, InstanceNumber 1 is the most superior slice.</summary>
    Hfs,

    /// <summary>Feet first supine: the scan runs feet to head, InstanceNumber 1 is the most inferior slice.</summary>
    Ffs,
}

/// <summary>Series written beside the primary thin axial series.</summary>
[Flags]
public enum ExtraSeries
{
    None = 0,

    /// <summary>One AP projection image, ImageType ORIGINAL\PRIMARY\LOCALIZER, coronal orientation.</summary>
    Localizer = 1,

    /// <summary>A sagittal multiplanar reformat of the primary series, ImageType DERIVED\SECONDARY\REFORMATTED.</summary>
    SagittalReformat = 2,

    /// <summary>A 5 mm axial reconstruction of the same acquisition.</summary>
    ThickAxial = 4,

    /// <summary>A second thin axial series in the portal venous phase; the primary must then be unenhanced.</summary>
    ContrastAxial = 8,
}

/// <summary>A compression fracture of one vertebral body: a wedge with anterior height loss.</summary>
/// <param name="Level">Level name, e.g. "L1".</param>
/// <param name="Grade">Genant grade; it sets the anterior height loss unless <paramref name="AnteriorHeightLoss"/> is given.</param>
/// <param name="AnteriorHeightLoss">Fraction (0–0.8) of the anterior height lost; null uses the middle of the grade's band (0.22, 0.32, 0.45).</param>
public sealed record VertebralFracture(string Level, FractureGrade Grade, double? AnteriorHeightLoss = null)
{
    /// <summary>Anterior height loss as a fraction of the intact height.</summary>
    public double HeightLossFraction => AnteriorHeightLoss ?? Grade switch
    {
        FractureGrade.Mild => 0.22,
        FractureGrade.Moderate => 0.32,
        FractureGrade.Severe => 0.45,
        _ => 0,
    };

    /// <summary>Genant grade of a height loss fraction (Genant 1993: 0.20–0.25 mild, 0.25–0.40 moderate, over 0.40 severe).</summary>
    public static FractureGrade GradeOf(double heightLossFraction) => heightLossFraction switch
    {
        < 0.20 => FractureGrade.None,
        < 0.25 => FractureGrade.Mild,
        <= 0.40 => FractureGrade.Moderate,
        _ => FractureGrade.Severe,
    };
}

/// <summary>
/// Everything that shapes a synthetic lumbar CT study. Every default below is what <see cref="LumbarPhantom.Generate"/>
/// uses when the option is left alone; lengths are millimetres, densities Hounsfield units.
/// </summary>
public sealed record PhantomOptions
{
    /// <summary>Seed of every random choice (noise, texture, bowel, streak angles, UIDs). Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Short name that goes into PatientName and the series descriptions. Default "standard".</summary>
    public string Name { get; init; } = "standard";

    /// <summary>Rows and Columns of the axial series. Default 512; 64 to 1024.</summary>
    public int MatrixSize { get; init; } = 512;

    /// <summary>In-plane pixel spacing. Default 0.78 mm (a 400 mm field); 0.3 to 6 (coarse grids make tiny test series).</summary>
    public double PixelSpacingMm { get; init; } = 0.78;

    /// <summary>Reconstructed slice thickness, simulated by averaging the model along z over this width. Default 1 mm.</summary>
    public double SliceThicknessMm { get; init; } = 1.0;

    /// <summary>Distance between slice centres; may be smaller than the thickness (overlapping slices). Default 1 mm.</summary>
    public double SliceSpacingMm { get; init; } = 1.0;

    /// <summary>Standard deviation of the image noise per pixel. Default 12 HU (a typical 1 mm abdominal reconstruction).</summary>
    public double NoiseSdHu { get; init; } = 12;

    /// <summary>Standard deviation of the in-plane Gaussian blur that stands for the scanner's point spread. Default 0.5 mm.</summary>
    public double BlurSigmaMm { get; init; } = 0.5;

    /// <summary>HFS or FFS. Default HFS.</summary>
    public PatientPosition PatientPosition { get; init; } = PatientPosition.Hfs;

    /// <summary>Shift of the whole patient towards patient left (+x). Default 0.</summary>
    public double PatientOffsetXMm { get; init; }

    /// <summary>Shift of the whole patient towards posterior (+y). Default 0.</summary>
    public double PatientOffsetYMm { get; init; }

    /// <summary>Sagittal curve from the S1 endplate to the thoracolumbar junction (L1–S1 lordosis). Default 44 degrees (a supine adult).</summary>
    public double LordosisDegrees { get; init; } = 44;

    /// <summary>Cobb angle of a lumbar scoliosis (apex near L1–L2, convex to patient left when positive). Default 0.</summary>
    public double ScoliosisDegrees { get; init; }

    /// <summary>Rib pairs: 11 (T12 carries no rib), 12, or 13 (an extra rib-bearing T13 above L1). Default 12.</summary>
    public int RibPairs { get; init; } = 12;

    /// <summary>Lumbar vertebrae: 5, or 6 (an L6 above the sacrum). Default 5.</summary>
    public int LumbarVertebrae { get; init; } = 5;

    /// <summary>Most superior level to cover, e.g. "T12"; null covers from just above T10. Default null.</summary>
    public string? CoverageFromLevel { get; init; }

    /// <summary>Most inferior level to cover, e.g. "L3"; null covers the upper sacrum and the iliac wings. Default null.</summary>
    public string? CoverageToLevel { get; init; }

    /// <summary>Levels with bilateral pedicle screws; two or more levels also get rods. Default none.</summary>
    public IReadOnlyList<string> ScrewLevels { get; init; } = [];

    /// <summary>A wedge compression fracture, or null. Default null.</summary>
    public VertebralFracture? Fracture { get; init; }

    /// <summary>Contrast phase of the primary series. Default none.</summary>
    public ContrastPhase Contrast { get; init; } = ContrastPhase.None;

    /// <summary>
    /// Unenhanced trabecular HU per level, overriding <see cref="PhantomPresets.HealthyTrabecularHu"/> for the levels given.
    /// Keys are level names (T9..T13, L1..L6, S1..S3), case-insensitive. Default empty.
    /// </summary>
    public IReadOnlyDictionary<string, double> TrabecularHu { get; init; } = new Dictionary<string, double>();

    /// <summary>Amplitude of the spatially correlated trabecular texture (values stay within ± this). Default 15 HU.</summary>
    public double TrabecularTextureHu { get; init; } = 15;

    /// <summary>HU of vertebral cortical bone and endplates. Default 850 HU.</summary>
    public double CorticalHu { get; init; } = 850;

    /// <summary>Thickness of the vertebral cortical shell. Default 1.5 mm.</summary>
    public double CorticalThicknessMm { get; init; } = 1.5;

    /// <summary>HU of pedicle screws and rods before the storage range clips them (titanium reads far above 3000 HU). Default 6000.</summary>
    public double MetalHu { get; init; } = 6000;

    /// <summary>Peak amplitude of metal streaks next to a screw. Default 250 HU.</summary>
    public double StreakAmplitudeHu { get; init; } = 250;

    /// <summary>Extra series to write. Default none.</summary>
    public ExtraSeries Extras { get; init; } = ExtraSeries.None;

    /// <summary>How the axial series store their pixels. Default signed 16-bit, slope 1, intercept −1024, explicit VR little endian.</summary>
    public StorageEncoding Encoding { get; init; } = new();

    /// <summary>Whether pixels outside the circular reconstruction field hold a constant padding value, as on real scanners. Default true.</summary>
    public bool ReconstructionCircle { get; init; } = true;

    /// <summary>Whether the carbon table under the patient is in the image. Default true.</summary>
    public bool IncludeTable { get; init; } = true;

    /// <summary>KVP (0018,0060). Default 120.</summary>
    public double KvP { get; init; } = 120;

    /// <summary>ConvolutionKernel (0018,1210) of the axial series. Default "STANDARD" (a soft-tissue kernel).</summary>
    public string ConvolutionKernel { get; init; } = "STANDARD";

    /// <summary>Manufacturer (0008,0070). Default "CtBone".</summary>
    public string Manufacturer { get; init; } = "CtBone";

    /// <summary>ManufacturerModelName (0008,1090). Default "LumbarPhantom".</summary>
    public string ManufacturerModelName { get; init; } = "LumbarPhantom";

    /// <summary>Age at the study date; null writes neither PatientAge nor PatientBirthDate. Default 56.</summary>
    public int? PatientAgeYears { get; init; } = 56;

    /// <summary>Whether PatientAge (0010,1010) is written; when false only PatientBirthDate carries the age. Default true.</summary>
    public bool WritePatientAge { get; init; } = true;

    /// <summary>PatientSex (0010,0040): M, F or O. Default "F".</summary>
    public string PatientSex { get; init; } = "F";

    /// <summary>StudyDate (0008,0020). Default 2024-03-15; fixed so that output is reproducible.</summary>
    public DateOnly StudyDate { get; init; } = new(2024, 3, 15);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is out of range.</summary>
    public void Validate()
    {
        Require(MatrixSize is >= 64 and <= 1024, nameof(MatrixSize), "must be 64 to 1024");
        Require(PixelSpacingMm is >= 0.3 and <= 6, nameof(PixelSpacingMm), "must be 0.3 to 6 mm");
        Require(SliceThicknessMm is >= 0.5 and <= 10, nameof(SliceThicknessMm), "must be 0.5 to 10 mm");
        Require(SliceSpacingMm is >= 0.3 and <= 10, nameof(SliceSpacingMm), "must be 0.3 to 10 mm");
        Require(NoiseSdHu is >= 0 and <= 200, nameof(NoiseSdHu), "must be 0 to 200 HU");
        Require(BlurSigmaMm is >= 0 and <= 5, nameof(BlurSigmaMm), "must be 0 to 5 mm");
        Require(Math.Abs(PatientOffsetXMm) <= 100 && Math.Abs(PatientOffsetYMm) <= 100, nameof(PatientOffsetXMm), "offsets must be within ±100 mm");
        Require(LordosisDegrees is >= 0 and <= 80, nameof(LordosisDegrees), "must be 0 to 80 degrees");
        Require(Math.Abs(ScoliosisDegrees) <= 60, nameof(ScoliosisDegrees), "must be within ±60 degrees");
        Require(RibPairs is 11 or 12 or 13, nameof(RibPairs), "must be 11, 12 or 13");
        Require(LumbarVertebrae is 5 or 6, nameof(LumbarVertebrae), "must be 5 or 6");
        Require(TrabecularTextureHu is >= 0 and <= 100, nameof(TrabecularTextureHu), "must be 0 to 100 HU");
        Require(CorticalThicknessMm is >= 0.5 and <= 4, nameof(CorticalThicknessMm), "must be 0.5 to 4 mm");
        Require(PatientSex is "M" or "F" or "O", nameof(PatientSex), "must be M, F or O");
        Require(PatientAgeYears is null or (>= 0 and <= 120), nameof(PatientAgeYears), "must be 0 to 120");
        Require(!string.IsNullOrWhiteSpace(Name), nameof(Name), "must not be empty");
        Encoding.Validate();

        var levels = SpineLevels.Presacral(RibPairs, LumbarVertebrae);
        foreach (var level in ScrewLevels)
        {
            Require(levels.Contains(level, StringComparer.OrdinalIgnoreCase), nameof(ScrewLevels), $"level {level} is not a presacral level of this spine ({string.Join(", ", levels)})");
        }

        if (Fracture is { } fracture)
        {
            Require(levels.Contains(fracture.Level, StringComparer.OrdinalIgnoreCase), nameof(Fracture), $"level {fracture.Level} is not a presacral level of this spine");
            Require(fracture.HeightLossFraction is > 0 and <= 0.8, nameof(Fracture), "height loss must be above 0 and at most 0.8");
        }

        var all = SpineLevels.All(RibPairs, LumbarVertebrae);
        foreach (var key in TrabecularHu.Keys)
        {
            Require(SpineLevels.IsKnown(key), nameof(TrabecularHu), $"unknown level {key}");
        }

        int? from = null, to = null;
        if (CoverageFromLevel is { } fromLevel)
        {
            from = SpineLevels.IndexOf(all, fromLevel);
            Require(from >= 0, nameof(CoverageFromLevel), $"level {fromLevel} is not in this spine ({string.Join(", ", all)})");
        }

        if (CoverageToLevel is { } toLevel)
        {
            to = SpineLevels.IndexOf(all, toLevel);
            Require(to >= 0, nameof(CoverageToLevel), $"level {toLevel} is not in this spine ({string.Join(", ", all)})");
        }

        // Levels run from the top (T9) down, so the superior level has the smaller index.
        Require(from is null || to is null || from <= to, nameof(CoverageFromLevel), "the first coverage level must be above the last");
    }

    private static void Require(bool condition, string option, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"{option} {message}.", option);
        }
    }
}
