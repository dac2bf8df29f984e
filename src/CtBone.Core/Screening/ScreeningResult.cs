namespace CtBone.Core.Screening;

/// <summary>The screening categories of CLINICAL.md (Pickhardt 2013 bands by default).</summary>
public enum ScreeningCategory
{
    Normal,
    Osteopenia,
    Osteoporosis,
    Indeterminate,
}

/// <summary>What the screening policy made of the level measurements.</summary>
public sealed record ScreeningResult
{
    public required ScreeningCategory Category { get; init; }

    /// <summary>"severe" when the HU is at or below the severe threshold (or osteoporosis with a fracture); null otherwise.</summary>
    public string? Severity { get; init; }

    /// <summary>The level whose HU decided the category (L1, or the nearest valid of T12, L2, L3); null when none.</summary>
    public string? LevelUsed { get; init; }

    /// <summary>The HU compared with the thresholds, after any contrast or kVp adjustment.</summary>
    public double? Hu { get; init; }

    public string? Source { get; init; }

    public double? L1ToL4MeanHu { get; init; }

    public string? Recommendation { get; init; }
}
