namespace CtBone.Core.Calibration;

/// <summary>The tissue names of <see cref="Analysis.ReferenceTissueMeasurement.Tissue"/>.</summary>
public static class ReferenceTissues
{
    public const string Air = "air";
    public const string SubcutaneousFat = "subcutaneous-fat";
    public const string VisceralFat = "visceral-fat";
    public const string Muscle = "muscle";
    public const string AorticBlood = "aortic-blood";

    public static bool IsFat(string tissue) =>
        string.Equals(tissue, VisceralFat, StringComparison.OrdinalIgnoreCase) || string.Equals(tissue, SubcutaneousFat, StringComparison.OrdinalIgnoreCase);
}
