using CtBone.Core.Spine;

namespace CtBone.Core.Tests.Analysis;

public sealed class VertebralQcTests
{
    [Theory]
    [InlineData(0.19, FractureGrade.None)]
    [InlineData(0.20, FractureGrade.Mild)]
    [InlineData(0.249, FractureGrade.Mild)]
    [InlineData(0.25, FractureGrade.Moderate)]
    [InlineData(0.40, FractureGrade.Moderate)]
    [InlineData(0.41, FractureGrade.Severe)]
    public void Grade_WhenHeightLossAtGenantBoundaries_GradeFollowsGenant(double loss, FractureGrade grade) =>
        Assert.Equal(grade, VertebralQc.Grade(loss, sliceSpacingMm: 1));

    [Theory]
    [InlineData(0.22, 3, FractureGrade.Mild)]
    [InlineData(0.22, 5, FractureGrade.None)]
    [InlineData(0.29, 5, FractureGrade.None)]
    [InlineData(0.31, 5, FractureGrade.Moderate)]
    public void Grade_WhenSlicesThickerThan3Mm_SmallLossesAreNotCalledFractures(double loss, double spacingMm, FractureGrade grade) =>
        Assert.Equal(grade, VertebralQc.Grade(loss, spacingMm));

    [Fact]
    public void RoiSliceContains_WhenBodyRotated_FollowsTheRotatedAxes()
    {
        // Rotated 90°: the long (lateral) axis now runs along y.
        var roi = new RoiSlice(0, new CtBone.Core.Volumes.Vector3D(50, 50, 0), 10, 4, 90);

        Assert.True(roi.Contains(50, 59));
        Assert.False(roi.Contains(59, 50));
        Assert.True(roi.Contains(53, 50));
    }
}
