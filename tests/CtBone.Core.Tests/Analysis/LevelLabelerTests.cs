using CtBone.Core.Spine;

namespace CtBone.Core.Tests.Analysis;

public sealed class LevelLabelerTests
{
    /// <summary>Segments 30 mm apart from z = 0 up, bottom first; the first <paramref name="sacral"/> are sacrum.</summary>
    private static (List<ColumnSegment> Segments, List<bool> Sacral) Column(int count, int sacral)
    {
        var segments = Enumerable.Range(0, count).Select(i => new ColumnSegment(i * 30, (i * 30) + 22, i == 0 && sacral == 0, false)).ToList();
        return (segments, Enumerable.Range(0, count).Select(i => i < sacral).ToList());
    }

    private static List<RibFinding> RibsOn(List<ColumnSegment> segments, IEnumerable<int> indices, double reachMm = 120) =>
        indices.SelectMany(i => new[] { new RibFinding(segments[i].CenterZMm, "left", reachMm, 6000), new RibFinding(segments[i].CenterZMm, "right", reachMm, 6000) }).ToList();

    [Fact]
    public void Label_WhenFiveVertebraeBetweenLastRibAndSacrum_CountsAgreeAndNamesAreStandard()
    {
        var (segments, sacral) = Column(9, 1);
        var ribs = RibsOn(segments, [6, 7, 8]);

        var (levels, summary) = LevelLabeler.Label(segments, sacral, ribs);

        Assert.Equal(["L5", "L4", "L3", "L2", "L1", "T12", "T11", "T10"], levels.Select(l => l.Level));
        Assert.True(summary.CountsAgree);
        Assert.Equal(5, summary.VertebraeBetweenLastRibAndSacrum);
        Assert.Equal("T12", summary.LastRibBearingLevel);
        Assert.All(levels, l => Assert.False(l.Uncertain));
        Assert.All(levels, l => Assert.Equal(LevelLabeler.AgreeingConfidence, l.Confidence));
    }

    [Fact]
    public void Label_WhenSixVertebraeBetween_EveryLevelUncertainWithLowConfidence()
    {
        var (segments, sacral) = Column(9, 1);
        var ribs = RibsOn(segments, [7, 8]);

        var (levels, summary) = LevelLabeler.Label(segments, sacral, ribs);

        Assert.False(summary.CountsAgree);
        Assert.Equal(6, summary.VertebraeBetweenLastRibAndSacrum);
        Assert.All(levels, l => Assert.True(l.Uncertain));
        Assert.All(levels, l => Assert.Equal(LevelLabeler.DisagreeingConfidence, l.Confidence));
        Assert.Contains("6 vertebrae", summary.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_WhenLastRibShort_ThatLevelAndAboveUncertainButLumbarStaysConfident()
    {
        var (segments, sacral) = Column(9, 1);
        var ribs = RibsOn(segments, [7, 8]).Concat(RibsOn(segments, [6], reachMm: 70)).ToList();

        var (levels, summary) = LevelLabeler.Label(segments, sacral, ribs);

        Assert.True(summary.CountsAgree);
        Assert.All(levels.Take(5), l => Assert.False(l.Uncertain));
        Assert.All(levels.Skip(5), l => Assert.True(l.Uncertain));
        Assert.Contains("short", summary.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_WhenNoSacrumInView_RibsOnlyWithSingleCountConfidence()
    {
        var (segments, sacral) = Column(5, 0);
        var ribs = RibsOn(segments, [4]);

        var (levels, summary) = LevelLabeler.Label(segments, sacral, ribs);

        Assert.Equal(["L4", "L3", "L2", "L1", "T12"], levels.Select(l => l.Level));
        Assert.Equal("ribs-only", summary.Method);
        Assert.All(levels, l => Assert.Equal(LevelLabeler.SingleCountConfidence, l.Confidence));
        Assert.All(levels, l => Assert.False(l.Uncertain));
    }

    [Fact]
    public void Label_WhenNoRibsInView_CountsUpFromTheSacrum()
    {
        var (segments, sacral) = Column(4, 1);

        var (levels, summary) = LevelLabeler.Label(segments, sacral, []);

        Assert.Equal(["L5", "L4", "L3"], levels.Select(l => l.Level));
        Assert.Equal("sacrum-only", summary.Method);
        Assert.True(summary.SacrumFound);
    }

    [Fact]
    public void Label_WhenEveryVertebraHasRibsAndNoSacrum_NothingAnchorsTheCount()
    {
        var (segments, sacral) = Column(4, 0);
        var ribs = RibsOn(segments, [0, 1, 2, 3]);

        var (levels, summary) = LevelLabeler.Label(segments, sacral, ribs);

        Assert.Equal("none", summary.Method);
        Assert.Null(summary.LastRibBearingLevel);
        Assert.All(levels, l => Assert.StartsWith("V", l.Level, StringComparison.Ordinal));
        Assert.All(levels, l => Assert.True(l.Uncertain));
        Assert.All(levels, l => Assert.True(l.HasRibs));
    }

    [Fact]
    public void Label_WhenRibRootLiesNearerAnotherVertebra_ItCountsForThatOne()
    {
        var (segments, sacral) = Column(9, 1);
        // A rib rooted 12 mm below T12's centre is still nearer T12 (centre 191) than L1 (centre 161).
        var ribs = RibsOn(segments, [7, 8]).Append(new RibFinding(segments[6].CenterZMm - 12, "left", 120, 5000)).ToList();

        var (levels, _) = LevelLabeler.Label(segments, sacral, ribs);

        Assert.Equal("T12", levels[5].Level);
        Assert.True(levels[5].HasRibs);
        Assert.False(levels[4].HasRibs);
    }
}
