using System.Text.Json.Serialization;

namespace CtBone.Core.Screening;

/// <summary>The screening categories of CLINICAL.md (Pickhardt 2013 bands by default).</summary>
public enum ScreeningCategory
{
    Normal,
    Osteopenia,
    Osteoporosis,
    Indeterminate,
}

/// <summary>
/// What the screening policy made of the level measurements. It flags possible low bone density; it does not replace
/// DXA or QCT. HU are trabecular ROI means; "adjusted" means after the policy's contrast and kVp adjustments.
/// </summary>
public sealed record ScreeningResult
{
    public required ScreeningCategory Category { get; init; }

    /// <summary>"severe" when the HU is at or below the severe threshold (or osteoporosis with a fracture); null otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Severity { get; init; }

    /// <summary>The level whose HU decided the category (L1, or the nearest valid of T12, L2, L3); null when none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? LevelUsed { get; init; }

    /// <summary>Why that level was used, and why L1 was not when it was not (or why no level could be used).</summary>
    public string? LevelUsedReason { get; init; }

    /// <summary>The HU compared with the thresholds, after any contrast or kVp adjustment.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? Hu { get; init; }

    /// <summary>The HU of <see cref="LevelUsed"/> as measured, before any adjustment.</summary>
    public double? RawHu { get; init; }

    /// <summary>Study-wide HU adjustments considered (contrast phase, tube voltage), applied or only suggested.</summary>
    public IReadOnlyList<HuAdjustment> Adjustments { get; init; } = [];

    /// <summary>Sources of the thresholds that decided the category.</summary>
    public string? Source { get; init; }

    /// <summary>Mean adjusted HU of the usable levels among L1 to L4 (Zou 2020, J Neurosurg Spine: 106 HU with loosened screws vs 133).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? L1ToL4MeanHu { get; init; }

    /// <summary>How many levels <see cref="L1ToL4MeanHu"/> averages (0 to 4).</summary>
    public int L1ToL4LevelCount { get; init; }

    /// <summary>Why the L1–L4 mean is reported: the surgical outcome study that uses it.</summary>
    public string? L1ToL4Source { get; init; }

    public string? Recommendation { get; init; }

    /// <summary>Literature risk notes that apply to the HU of <see cref="LevelUsed"/>.</summary>
    public IReadOnlyList<RiskNote> RiskNotes { get; init; } = [];

    /// <summary>Where the HU stands among people of the patient's age (reference data); null when the age is not known.</summary>
    public AgeReference? AgeReference { get; init; }

    /// <summary>What limits trust in this result: contrast, tube voltage, labelling, missing age, ...</summary>
    public IReadOnlyList<string> Caveats { get; init; } = [];

    /// <summary>0 to 1: the label confidence of the level used, lowered when labelling is uncertain; 0 when indeterminate.</summary>
    public double Confidence { get; init; }

    /// <summary>Every level with its raw and adjusted HU, whether it could be used, and the risk notes that apply to it.</summary>
    public IReadOnlyList<ScreeningLevel> Levels { get; init; } = [];

    public string? PolicyName { get; init; }

    public string? PolicyVersion { get; init; }

    /// <summary>Every number the policy used, with its source.</summary>
    public IReadOnlyList<PolicyThreshold> Thresholds { get; init; } = [];
}

/// <summary>A study-wide HU adjustment: <see cref="DeltaHu"/> is added to every level's HU when <see cref="Applied"/>.</summary>
public sealed record HuAdjustment
{
    /// <summary>"contrast-arterial", "contrast-portal-venous" or "kvp".</summary>
    public required string Kind { get; init; }

    public required double DeltaHu { get; init; }

    public required bool Applied { get; init; }

    public required string Note { get; init; }

    public required string Source { get; init; }
}

/// <summary>One level as the policy saw it.</summary>
public sealed record ScreeningLevel
{
    public required string Level { get; init; }

    public double? RawHu { get; init; }

    public double? AdjustedHu { get; init; }

    public required bool Usable { get; init; }

    /// <summary>Why the level cannot carry a density; null when usable.</summary>
    public string? Reason { get; init; }

    /// <summary>Ids of the <see cref="ScreeningResult.Thresholds"/> risk notes its adjusted HU falls under.</summary>
    public IReadOnlyList<string> RiskNotes { get; init; } = [];
}

/// <summary>A literature risk note that applies, with its source.</summary>
public sealed record RiskNote(string Id, double ThresholdHu, string Text, string Source);

/// <summary>
/// Position of an HU among age peers in normative data: <see cref="ZScore"/> = (HU − expected mean) / expected SD.
/// Reference data only.
/// </summary>
public sealed record AgeReference
{
    public required double AgeYears { get; init; }

    public required double ExpectedMeanHu { get; init; }

    public required double ExpectedSdHu { get; init; }

    public required double ZScore { get; init; }

    /// <summary>(HU − young-women mean) / SD, for female patients only.</summary>
    public double? YoungWomenScore { get; init; }

    public required string Note { get; init; }

    public required string Source { get; init; }
}

/// <summary>A number of the policy: threshold, offset or reference value, with its unit and source.</summary>
public sealed record PolicyThreshold(string Id, double Value, string Unit, string Rule, string Source);
