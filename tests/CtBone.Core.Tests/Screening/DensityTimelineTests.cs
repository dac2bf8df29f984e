using CtBone.Core.Screening;
using static CtBone.Core.Tests.LevelFindings;

namespace CtBone.Core.Tests.Screening;

public class DensityTimelineTests
{
    private static TimelineScan Scan(string id, DateOnly date, double l1, double l2) =>
        new(id, date, ScreeningPolicy.Default.Screen(Levels(150, l1, l2, 140, 140, 140), Acquisition(), null));

    [Fact]
    public void Build_WhenL1FellTwentyHuInTwoYears_FlagsFasterThanNormalLossBeyondRepeatScanVariation()
    {
        var timeline = DensityTimeline.Build([Scan("b", new DateOnly(2024, 3, 1), 110, 120), Scan("a", new DateOnly(2022, 3, 1), 130, 122)]);

        Assert.Equal(["a", "b"], timeline.Scans.Select(s => s.AnalysisId));
        Assert.Equal(["T12", "L1", "L2", "L3", "L4", "L5"], timeline.Levels);
        var l1 = timeline.Trends.Single(t => t.Level == "L1");
        Assert.Equal(-10, l1.ChangeHuPerYear, 1);
        Assert.True(l1.FasterThanNormalLoss);
        Assert.True(l1.BeyondRepeatScanVariation);
        var l2 = timeline.Trends.Single(t => t.Level == "L2");
        Assert.False(l2.FasterThanNormalLoss);
        Assert.False(l2.BeyondRepeatScanVariation);
    }

    [Fact]
    public void Build_WhenL1FellAtTheNormalRate_DoesNotFlag()
    {
        var timeline = DensityTimeline.Build([Scan("a", new DateOnly(2020, 1, 1), 130, 122), Scan("b", new DateOnly(2024, 1, 1), 121, 120)]);

        Assert.False(timeline.Trends.Single(t => t.Level == "L1").FasterThanNormalLoss);
    }

    [Fact]
    public void Build_WhenScansAreWeeksApart_GivesNoRate()
    {
        var timeline = DensityTimeline.Build([Scan("a", new DateOnly(2024, 1, 1), 130, 122), Scan("b", new DateOnly(2024, 2, 1), 100, 120)]);

        Assert.Empty(timeline.Trends);
    }
}
