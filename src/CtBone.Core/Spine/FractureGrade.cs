namespace CtBone.Core.Spine;

/// <summary>Genant semi-quantitative grade of a vertebral fracture (height loss: mild 20–25%, moderate 25–40%, severe over 40%).</summary>
public enum FractureGrade
{
    None,
    Mild,
    Moderate,
    Severe,
}
