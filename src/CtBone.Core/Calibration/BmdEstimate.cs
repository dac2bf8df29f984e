namespace CtBone.Core.Calibration;

/// <summary>
/// Estimated volumetric BMD (mg/cm³) and how it was obtained. Always present: when nothing could be estimated,
/// <see cref="Method"/> is "none" and <see cref="Reason"/> says why.
/// </summary>
public sealed record BmdEstimate
{
    /// <summary>"phantomless-internal", "scanner-calibration" or "none" (<see cref="BmdMethods"/>).</summary>
    public required string Method { get; init; }

    /// <summary>Why there is no estimate (or no mean of two vertebrae); null when there is one.</summary>
    public string? Reason { get; init; }

    /// <summary>Where the calibration's numbers come from, and how far to trust them.</summary>
    public string? Source { get; init; }

    /// <summary>The registered scanner calibration used ("manufacturer model at kVp: description, date"); null for phantomless.</summary>
    public string? Calibration { get; init; }

    /// <summary>The line BMD = slope × HU + intercept that was applied.</summary>
    public CalibrationLine? Fit { get; init; }

    /// <summary>Reference tissues as measured, with the density assumed for each and whether the fit used it.</summary>
    public IReadOnlyList<TissueCalibrationPoint> ReferenceTissues { get; init; } = [];

    /// <summary>Estimate for every usable level (excluded or unmeasured levels are left out).</summary>
    public IReadOnlyList<LevelBmd> Levels { get; init; } = [];

    /// <summary>Levels averaged into <see cref="MeanBmdMgPerCm3"/>: the first two usable of L1 to L4 (QCT convention, mean of two).</summary>
    public IReadOnlyList<string> MeanLevels { get; init; } = [];

    /// <summary>Mean estimated BMD of <see cref="MeanLevels"/>, mg/cm³.</summary>
    public double? MeanBmdMgPerCm3 { get; init; }

    /// <summary>QCT band of <see cref="MeanBmdMgPerCm3"/>: above 120 normal, 80 to 120 low bone mass, below 80 osteoporosis.</summary>
    public QctCategory? Category { get; init; }

    /// <summary>"severe" when osteoporosis comes with a fracture at any level.</summary>
    public string? Severity { get; init; }

    public string? CategorySource { get; init; }

    public IReadOnlyList<string> Caveats { get; init; } = [];
}

/// <summary>The values of <see cref="BmdEstimate.Method"/>.</summary>
public static class BmdMethods
{
    public const string PhantomlessInternal = "phantomless-internal";
    public const string ScannerCalibration = "scanner-calibration";
    public const string None = "none";
}

/// <summary>QCT bands of the mean of two lumbar vertebrae (ACR/ISCD, Chinese QCT consensus 2020).</summary>
public enum QctCategory
{
    Normal,
    LowBoneMass,
    Osteoporosis,
}

/// <summary>A straight HU-to-BMD calibration: BMD (mg/cm³) = <see cref="SlopeMgPerCm3PerHu"/> × HU + <see cref="InterceptMgPerCm3"/>.</summary>
public sealed record CalibrationLine
{
    public required double SlopeMgPerCm3PerHu { get; init; }

    public required double InterceptMgPerCm3 { get; init; }

    /// <summary>Points the line was fitted through (0 when a registry entry gave slope and intercept).</summary>
    public int PointCount { get; init; }

    /// <summary>Root-mean-square residual of the fit, mg/cm³; null with two points or fewer (the line passes through them).</summary>
    public double? RmsResidualMgPerCm3 { get; init; }

    public double BmdMgPerCm3(double hu) => SlopeMgPerCm3PerHu * hu + InterceptMgPerCm3;
}

/// <summary>A reference tissue in the phantomless fit.</summary>
public sealed record TissueCalibrationPoint
{
    /// <summary>"air", "subcutaneous-fat", "visceral-fat", "muscle", "aortic-blood".</summary>
    public required string Tissue { get; init; }

    /// <summary>Mean HU measured in the series (voxel-weighted over its measurements); null when not measured.</summary>
    public double? MeasuredHu { get; init; }

    /// <summary>The equivalent density the fit assumes for the tissue, mg/cm³.</summary>
    public required double AssumedDensityMgPerCm3 { get; init; }

    public required bool UsedInFit { get; init; }

    /// <summary>Why the tissue was not used, or what to know about it.</summary>
    public string? Note { get; init; }
}

/// <summary>Estimated BMD of one level.</summary>
public sealed record LevelBmd(string Level, double MeanHu, double EstimatedBmdMgPerCm3);
