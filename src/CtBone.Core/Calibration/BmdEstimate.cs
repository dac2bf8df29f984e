namespace CtBone.Core.Calibration;

/// <summary>Estimated volumetric BMD (mg/cm³) and how it was obtained.</summary>
public sealed record BmdEstimate
{
    /// <summary>"phantomless-internal" or "scanner-calibration".</summary>
    public required string Method { get; init; }

    public double? MeanBmdMgPerCm3 { get; init; }
}
