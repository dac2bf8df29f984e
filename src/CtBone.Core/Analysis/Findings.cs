using System.Text.Json.Serialization;
using CtBone.Core.Calibration;
using CtBone.Core.Screening;

namespace CtBone.Core.Analysis;

/// <summary>How an analysis ended: the <c>status</c> of the findings document.</summary>
public enum AnalysisStatus
{
    /// <summary>The series was measured; some or all levels may still be excluded, see each level's flags.</summary>
    Completed,

    /// <summary>The input cannot be analysed (not a CT with a lumbar spine, broken series, ...); <c>reason</c> says why.</summary>
    Rejected,

    /// <summary>CtBone itself failed; <c>reason</c> says where.</summary>
    Failed,
}

/// <summary>
/// The findings document: what <c>ctbone analyze --format json</c> prints and what the service stores and returns.
/// Field names are a contract that other tools read (issue 3); add fields, never rename them.
/// </summary>
public sealed record Findings
{
    public required AnalysisStatus Status { get; init; }

    /// <summary>Why the analysis was rejected or failed; null when completed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Reason { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? StudyInstanceUid { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? SeriesInstanceUid { get; init; }

    /// <summary>Patient and study the series belongs to, from its DICOM header. PHI: shown to viewers, never logged.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public Series.StudyIdentity? Study { get; init; }

    /// <summary>Name and version of the algorithm that produced every number here, e.g. "ctbone-spine 0.1.0".</summary>
    public required string AlgorithmVersion { get; init; }

    /// <summary>Every vertebra found, top (most superior) first, measured or excluded.</summary>
    public IReadOnlyList<LevelFinding> Vertebrae { get; init; } = [];

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public ScreeningResult? Screening { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public BmdEstimate? Bmd { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public AcquisitionSummary? Acquisition { get; init; }

    /// <summary>Reference tissues measured in the series (air, fat, muscle, aortic blood), for calibration and scanner QA.</summary>
    public IReadOnlyList<ReferenceTissueMeasurement> ReferenceTissues { get; init; } = [];

    /// <summary>How the spine was labelled: the two counts and whether they agree.</summary>
    public LabelingSummary? Labeling { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Wall-clock milliseconds of each step.</summary>
    public IReadOnlyDictionary<string, double> TimingsMs { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// One vertebra: where it is, the trabecular ROI measured in it, and its quality checks. HU are raw (as read from the
/// series); contrast and kVp corrections live in <see cref="ScreeningResult"/>.
/// </summary>
public sealed record LevelFinding
{
    /// <summary>"T12", "L1" ... "L5", also "T11", "T13", "L6" when the anatomy or the field of view has them.</summary>
    public required string Level { get; init; }

    /// <summary>Mean HU in the ROI; null when nothing could be measured (for example a level only partly in the field of view).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? MeanHu { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? SdHu { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? MedianHu { get; init; }

    /// <summary>Mean in-plane area per slice of the voxels counted, mm².</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? AreaMm2 { get; init; }

    public int VoxelCount { get; init; }

    /// <summary>ROI centre on its mid-slice as [x, y, z] in DICOM patient LPS mm (the vertebral body centre when no ROI was placed).</summary>
    public required double[] CenterMm { get; init; }

    /// <summary>True when the level must not be used for density (metal, fracture, partial coverage, ...); <see cref="ExclusionReason"/> says why.</summary>
    public bool Excluded { get; init; }

    public string? ExclusionReason { get; init; }

    /// <summary>Strings from <see cref="Spine.LevelFlags"/>.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>Confidence (0 to 1) in this level's label.</summary>
    public required double Confidence { get; init; }

    /// <summary>Genant grade when a fracture is found ("mild", "moderate", "severe"); null otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public Spine.FractureGrade? FractureGrade { get; init; }

    /// <summary>Vertebral body heights (Genant), mm, measured along the body axis at the front, middle and back.</summary>
    public BodyHeights? Heights { get; init; }

    /// <summary>The ROI that was measured: plane, ellipse, slices. Null when none was placed.</summary>
    public RoiGeometry? Roi { get; init; }

    /// <summary>Estimated volumetric BMD of this level, mg/cm³, when a calibration applies.</summary>
    public double? EstimatedBmdMgPerCm3 { get; init; }
}

/// <summary>Anterior, middle and posterior body heights (mm) and the height loss that grades a fracture.</summary>
public sealed record BodyHeights(double AnteriorMm, double MiddleMm, double PosteriorMm, double HeightLossFraction);

/// <summary>
/// Geometry of a trabecular ROI: the same ellipse drawn on each of <see cref="Slices"/> in <see cref="Plane"/> slices.
/// Slice indices count from the first slice of the series as loaded (feet to head).
/// </summary>
public sealed record RoiGeometry
{
    public string Plane { get; init; } = "axial";

    /// <summary>Half-axes of the ellipse, mm: along <see cref="MajorAxis"/> and perpendicular to it in the slice plane.</summary>
    public required double SemiAxisMajorMm { get; init; }

    public required double SemiAxisMinorMm { get; init; }

    /// <summary>Unit vector (LPS) of the ellipse's first axis.</summary>
    public required double[] MajorAxis { get; init; }

    /// <summary>The slice a key image and the DICOM SR SCOORD show.</summary>
    public required int MidSlice { get; init; }

    public required IReadOnlyList<int> Slices { get; init; }

    /// <summary>ROI centre on each of <see cref="Slices"/>, LPS mm.</summary>
    public required IReadOnlyList<double[]> SliceCentersMm { get; init; }

    /// <summary>SOPInstanceUID of the mid-slice image, when the caller knows it.</summary>
    public string? MidSliceSopInstanceUid { get; init; }
}

/// <summary>A tissue measured for internal calibration or QA.</summary>
/// <param name="Tissue">"air", "subcutaneous-fat", "visceral-fat", "muscle", "aortic-blood".</param>
/// <param name="MeanHu">Mean HU.</param>
/// <param name="SdHu">Standard deviation.</param>
/// <param name="VoxelCount">Voxels measured.</param>
/// <param name="CenterMm">Centre of the sampled region, LPS mm.</param>
public sealed record ReferenceTissueMeasurement(string Tissue, double MeanHu, double SdHu, int VoxelCount, double[] CenterMm);

/// <summary>How the acquisition affects the HU: what a reader needs to trust or correct them.</summary>
public sealed record AcquisitionSummary
{
    public double? KvP { get; init; }

    public Series.ContrastPhase ContrastPhase { get; init; }

    /// <summary>How the phase was decided: the measured aorta and IVC HU and the ContrastBolusAgent tag.</summary>
    public string? ContrastEvidence { get; init; }

    public double? AortaHu { get; init; }

    public double? InferiorVenaCavaHu { get; init; }

    public string? ContrastBolusAgent { get; init; }

    public double? SliceThicknessMm { get; init; }

    public double? SliceSpacingMm { get; init; }

    public double? PixelSpacingMm { get; init; }

    public string? ConvolutionKernel { get; init; }

    public string? Manufacturer { get; init; }

    public string? ManufacturerModelName { get; init; }

    /// <summary>Age in years; null when the series does not record it (never defaulted).</summary>
    public double? PatientAgeYears { get; init; }

    public string? PatientSex { get; init; }
}

/// <summary>The values of <see cref="LabelingSummary.Method"/>; other tools read them.</summary>
public static class LabelingMethods
{
    public const string RibsAndSacrum = "ribs-and-sacrum";
    public const string RibsOnly = "ribs-only";
    public const string SacrumOnly = "sacrum-only";
    public const string None = "none";

    /// <summary>A reviewer set the labels (see the note); the analysis' own counts are in the original findings.</summary>
    public const string Reviewer = "reviewer";
}

/// <summary>The two ways of counting levels and what came of them (CLINICAL.md: transitional anatomy is common).</summary>
public sealed record LabelingSummary
{
    /// <summary>"ribs-and-sacrum" (both counts, agreeing or not), "ribs-only", "sacrum-only", or "none".</summary>
    public required string Method { get; init; }

    public required bool CountsAgree { get; init; }

    /// <summary>Vertebrae between the last rib-bearing vertebra and the sacrum (5 in typical anatomy), when both are seen.</summary>
    public int? VertebraeBetweenLastRibAndSacrum { get; init; }

    public string? LastRibBearingLevel { get; init; }

    public bool SacrumFound { get; init; }

    public required double Confidence { get; init; }

    public string? Note { get; init; }
}
