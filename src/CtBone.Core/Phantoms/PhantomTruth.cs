using System.Text.Json;
using CtBone.Core.Series;
using CtBone.Core.Spine;

namespace CtBone.Core.Phantoms;

/// <summary>
/// What a generated study really contains, written as <c>truth.json</c>. Points are LPS millimetres as [x, y, z], directions
/// are unit vectors in LPS. Every number is computed from the model that drew the voxels, none is typed in.
/// </summary>
public sealed record PhantomTruth
{
    public string Generator { get; init; } = "CtBone.LumbarPhantom";

    /// <summary>Bumped whenever the same options would draw different voxels.</summary>
    public int GeneratorVersion { get; init; } = 1;

    public required PhantomOptions Options { get; init; }

    public required string StudyInstanceUid { get; init; }

    /// <summary>The thin axial series that series selection should choose.</summary>
    public required string PrimarySeriesInstanceUid { get; init; }

    public required IReadOnlyList<SeriesTruth> Series { get; init; }

    public required PatientPosition PatientPosition { get; init; }

    /// <summary>Contrast phase of the primary series.</summary>
    public required ContrastPhase ContrastPhase { get; init; }

    public required int RibPairs { get; init; }

    public required int LumbarVertebrae { get; init; }

    /// <summary>The lowest vertebra with ribs, e.g. T12 (T11 with 11 pairs, T13 with 13).</summary>
    public required string LastRibBearingLevel { get; init; }

    /// <summary>z of the lowest and the highest slice centre of the primary series, [min, max].</summary>
    public required double[] FieldOfViewZMm { get; init; }

    /// <summary>Noise-free HU of the reference tissues in the primary series' phase, for phantomless calibration.</summary>
    public required ReferenceTissues ReferenceTissuesHu { get; init; }

    /// <summary>What the contrast phase adds to trabecular bone (CLINICAL.md: +14 arterial, +26 portal venous; Grünewald).</summary>
    public required double TrabecularContrastOffsetHu { get; init; }

    public required double NoiseSdHu { get; init; }

    /// <summary>Every modelled vertebra, top (T9) first, then S1 (the sacral promontory segment).</summary>
    public required IReadOnlyList<VertebraTruth> Vertebrae { get; init; }

    public required IReadOnlyList<ScrewTruth> Screws { get; init; }

    /// <summary>Centre of the superior endplate of S1.</summary>
    public required double[] SacrumTopCenterMm { get; init; }

    /// <summary>z of the top of the iliac crests.</summary>
    public required double IliacCrestZMm { get; init; }

    public VertebraTruth? Level(string level) =>
        Vertebrae.FirstOrDefault(v => string.Equals(v.Level, level, StringComparison.OrdinalIgnoreCase));

    public string ToJson() => JsonSerializer.Serialize(this, CtBoneJson.Indented);

    public static PhantomTruth FromJson(string json) =>
        JsonSerializer.Deserialize<PhantomTruth>(json, CtBoneJson.Options) ?? throw new JsonException("truth.json is empty.");
}

/// <summary>Noise-free HU of tissues that internal calibration and phase detection use.</summary>
public sealed record ReferenceTissues(
    double Air,
    double SubcutaneousFat,
    double VisceralFat,
    double Muscle,
    double AortaBlood,
    double InferiorVenaCava,
    double Liver,
    double Kidney,
    double Csf);

/// <summary>One written series, as the truth sees it.</summary>
public sealed record SeriesTruth
{
    public required string SeriesInstanceUid { get; init; }

    public required int SeriesNumber { get; init; }

    public required SeriesKind Kind { get; init; }

    public required bool IsPrimary { get; init; }

    public required string SeriesDescription { get; init; }

    public required IReadOnlyList<string> ImageType { get; init; }

    public required int ImageCount { get; init; }

    public double? SliceThicknessMm { get; init; }

    /// <summary>Distance between image planes (for the localizer, 0).</summary>
    public required double SliceSpacingMm { get; init; }

    /// <summary>PixelSpacing as written: between rows, then between columns.</summary>
    public required double[] PixelSpacingMm { get; init; }

    public required ContrastPhase ContrastPhase { get; init; }

    public required PixelTransferSyntax TransferSyntax { get; init; }

    public required bool IsLossy { get; init; }

    /// <summary>Folder of the files relative to the study folder; set by the writer.</summary>
    public string? Folder { get; init; }
}

/// <summary>One pedicle screw: a titanium cylinder from its entry point (under the head) to its tip.</summary>
public sealed record ScrewTruth(string Level, string Side, double[] EntryMm, double[] TipMm, double DiameterMm);

/// <summary>One vertebra (or the S1 segment) of the phantom.</summary>
public sealed record VertebraTruth
{
    public required string Level { get; init; }

    /// <summary>1 for the lowest presacral vertebra, counting up; 0 for sacral segments.</summary>
    public required int PresacralIndex { get; init; }

    public required bool IsSacral { get; init; }

    /// <summary>
    /// The mean HU a correct trabecular ROI measures without noise: the model's trabecular density, plus the contrast offset,
    /// averaged (texture included) over the central region described by <see cref="RoiCenterMm"/>, away from cortex and the
    /// basivertebral vein. Metal and streaks at screw levels are not included: this is the bone, not the image.
    /// </summary>
    public required double TrabecularHu { get; init; }

    /// <summary>Unenhanced trabecular density of the level (the option or preset value).</summary>
    public required double UnenhancedTrabecularHu { get; init; }

    public required double CorticalHu { get; init; }

    /// <summary>Centre of the vertebral body: mid-height on the body axis (for a fracture, mid-height of the remaining middle height).</summary>
    public required double[] CenterMm { get; init; }

    public required double[] SuperiorEndplateCenterMm { get; init; }

    public required double[] InferiorEndplateCenterMm { get; init; }

    /// <summary>Unit vector of the body axis towards the head (tilted by lordosis and scoliosis).</summary>
    public required double[] SuperiorAxis { get; init; }

    /// <summary>Unit vector towards the front of the body (rotated with the vertebra in scoliosis).</summary>
    public required double[] AnteriorAxis { get; init; }

    /// <summary>Unit vector towards the patient's left side of the body.</summary>
    public required double[] LeftAxis { get; init; }

    /// <summary>Axial rotation about the body axis, positive turning the front towards patient left.</summary>
    public required double AxialRotationDegrees { get; init; }

    /// <summary>Intact height of the body, endplate to endplate at the centre.</summary>
    public required double BodyHeightMm { get; init; }

    /// <summary>Anterior, middle and posterior heights (Genant): equal unless the level is fractured.</summary>
    public required double AnteriorHeightMm { get; init; }

    public required double MiddleHeightMm { get; init; }

    public required double PosteriorHeightMm { get; init; }

    public required double BodyWidthMm { get; init; }

    public required double BodyDepthMm { get; init; }

    public required bool HasRibs { get; init; }

    /// <summary>Centres of the rib heads where they meet the body, [left, right]; empty without ribs.</summary>
    public required IReadOnlyList<double[]> RibHeadsMm { get; init; }

    public required bool HasScrew { get; init; }

    public required FractureGrade FractureGrade { get; init; }

    /// <summary>Anterior height loss as a fraction of <see cref="BodyHeightMm"/>.</summary>
    public required double HeightLossFraction { get; init; }

    /// <summary>Fraction of the body's extent along z that lies inside the primary series' slices (0 to 1).</summary>
    public required double CoverageFraction { get; init; }

    /// <summary>Centre of the truth ROI: mid-height, slightly anterior of the body centre.</summary>
    public required double[] RoiCenterMm { get; init; }

    /// <summary>Half-axes of the truth ROI: along <see cref="LeftAxis"/>, along <see cref="AnteriorAxis"/>, along <see cref="SuperiorAxis"/>.</summary>
    public required double[] RoiHalfAxesMm { get; init; }
}
