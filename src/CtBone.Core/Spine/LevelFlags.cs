namespace CtBone.Core.Spine;

/// <summary>The strings a level's <c>flags</c> carry in the findings document; other tools read them.</summary>
public static class LevelFlags
{
    public const string Metal = "metal";
    public const string Fracture = "fracture";
    public const string PartialCoverage = "partial-coverage";
    public const string LabelingUncertain = "labeling-uncertain";
    public const string Sclerosis = "sclerosis";
    public const string Outliers = "outliers";
    public const string SmallRoi = "small-roi";

    /// <summary>A reviewer excluded the level (its reason is the exclusion reason).</summary>
    public const string ReviewerExcluded = "reviewer-excluded";

    /// <summary>A reviewer included a level the analysis had excluded.</summary>
    public const string ReviewerIncluded = "reviewer-included";
}
