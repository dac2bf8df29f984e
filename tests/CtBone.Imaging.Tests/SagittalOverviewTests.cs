using CtBone.Core.Analysis;
using CtBone.Core.Volumes;

namespace CtBone.Imaging.Tests;

public sealed class SagittalOverviewTests
{
    private static readonly CtVolume s_volume = SyntheticSpine.Volume();
    private static readonly KeyImageOptions s_options = new()
    {
        ScreeningSummary = "Screening: osteopenia, L1 112 HU",
        SeriesInstanceUid = "1.2.826.0.1.3680043.8.498.1234567890",
        AlgorithmVersion = "ctbone-spine 0.1.0",
    };

    // Worked out here: the volume spans z −50…+50 mm and the view 200 mm front to back, so 800 px fit 200 mm
    // (0.25 mm a pixel both ways) and the image area is 800 × 400 px. Its middle is 10 mm behind the mean level centre
    // (y = 10), at y = 20; x grows to posterior, y to the feet.
    private const double MmPerPixel = 0.25;
    private const int AreaWidth = 800;
    private const int AreaHeight = 400;

    private static (double X, double Y) Pixel(double yMm, double zMm) =>
        ((AreaWidth / 2.0) + ((yMm - 20) / MmPerPixel), SagittalOverview.HeaderPx + (AreaHeight / 2.0) - (zMm / MmPerPixel));

    private static LevelFinding[] Levels(double xMm = 0, double l2MeanHu = 131) =>
    [
        Shift(SyntheticSpine.Level("L1", midSlice: 30, meanHu: 148), xMm),
        Shift(SyntheticSpine.Level("L2", midSlice: 20, meanHu: l2MeanHu), xMm),
        Shift(SyntheticSpine.Level("L3", midSlice: 8) with { Excluded = true, ExclusionReason = "metal artefact in the ROI; screws at L3", Flags = ["metal"] }, xMm),
    ];

    private static LevelFinding Shift(LevelFinding level, double xMm) => level with
    {
        CenterMm = [level.CenterMm[0] + xMm, level.CenterMm[1], level.CenterMm[2]],
        Roi = level.Roi! with { SliceCentersMm = level.Roi.SliceCentersMm.Select(c => new[] { c[0] + xMm, c[1], c[2] }).ToList() },
    };

    private static DecodedImage Render(IReadOnlyList<LevelFinding>? levels = null, KeyImageOptions? options = null) =>
        DecodedImage.Decode(KeyImageRenderer.RenderSagittalOverview(s_volume, levels ?? Levels(), options ?? s_options));

    [Fact]
    public void ComposeOverview_OnTheStoredReformatWithTheSameFindings_IsTheOverviewPixelForPixel()
    {
        var findings = new Findings { Status = AnalysisStatus.Completed, AlgorithmVersion = "ctbone-spine 0.1.0", Vertebrae = Levels() };
        var reformat = KeyImageRenderer.RenderOverviewReformat(s_volume, findings, s_options);
        var stored = System.Text.Json.JsonSerializer.Deserialize<OverviewLayout>(System.Text.Json.JsonSerializer.Serialize(reformat.Layout, Core.CtBoneJson.Options), Core.CtBoneJson.Options)!;

        var composed = DecodedImage.Decode(KeyImageRenderer.ComposeOverview(reformat with { Layout = stored }, findings, s_options));

        var rendered = Render();
        Assert.Equal((rendered.Width, rendered.Height), (composed.Width, composed.Height));
        Assert.Equal(0, rendered.CountDifferent(composed, 0, 0, rendered.Width, rendered.Height));
        Assert.Equal((AreaWidth, AreaHeight), (reformat.Layout.Width, reformat.Layout.Height));
    }

    [Fact]
    public void ComposeOverview_WhenAReviewerRenamedTheLevels_OnlyTheLabelColumnChanges()
    {
        var findings = new Findings { Status = AnalysisStatus.Completed, AlgorithmVersion = "ctbone-spine 0.1.0", Vertebrae = Levels() };
        var reformat = KeyImageRenderer.RenderOverviewReformat(s_volume, findings, s_options);
        var renamed = findings with { Vertebrae = [.. findings.Vertebrae.Select(l => l with { Level = l.Level == "L1" ? "T12" : l.Level == "L2" ? "L1" : "L2" })] };

        var before = DecodedImage.Decode(KeyImageRenderer.ComposeOverview(reformat, findings, s_options));
        var after = DecodedImage.Decode(KeyImageRenderer.ComposeOverview(reformat, renamed, s_options));

        // The labels start 16 px right of the image area; the picture, markers and leader lines stay as they were.
        Assert.Equal(0, before.CountDifferent(after, 0, 0, AreaWidth + 12, before.Height));
        Assert.True(before.CountDifferent(after, AreaWidth + 12, 0, before.Width, before.Height) > 50);
    }

    [Fact]
    public void RenderSagittalOverview_WhenSlicesAreThick_HeightIsTheZExtentAtTheInPlaneScale()
    {
        var image = Render();

        Assert.Equal(AreaWidth + SagittalOverview.LabelColumnPx, image.Width);
        Assert.Equal(SagittalOverview.HeaderPx + (int)(SyntheticSpine.Slices * SyntheticSpine.SliceSpacingMm / MmPerPixel) + SagittalOverview.FooterPx, image.Height);
    }

    [Fact]
    public void RenderSagittalOverview_WhenSlicesAreThick_BallStaysRound()
    {
        var image = Render();
        var (cx, cy) = Pixel(SyntheticSpine.Ball.Y, SyntheticSpine.Ball.Z);

        var across = Run(image, (int)cx, (int)cy, 1, 0);
        var down = Run(image, (int)cx, (int)cy, 0, 1);

        // 16 mm across is 64 px; 2.5 mm slices blur the top and bottom by up to half a slice (5 px) either way.
        Assert.InRange(across, 58, 68);
        Assert.InRange(down, 54, 70);
        Assert.True(Math.Abs(across - down) <= 8, $"across {across} px, down {down} px");
    }

    [Fact]
    public void RenderSagittalOverview_WhenRendered_HeadIsUpAndAnteriorLeft()
    {
        var image = Render();

        // The anterior rod exists only above z = 0: bright in the upper half at its front-back place, dark in the lower.
        var upper = Pixel(SyntheticSpine.AnteriorRod.Y, 25);
        var lower = Pixel(SyntheticSpine.AnteriorRod.Y, -25);
        Assert.True(upper.X < AreaWidth / 2.0);
        Assert.True(DecodedImage.Grey(image[(int)upper.X, (int)upper.Y]) > 230, "anterior rod not in the upper left");
        Assert.True(DecodedImage.Grey(image[(int)lower.X, (int)lower.Y]) < 120, "anterior rod in the lower half");
    }

    [Fact]
    public void RenderSagittalOverview_WhenLevelsGiven_MarksEachCentreInItsColour()
    {
        var image = Render();

        foreach (var level in Levels())
        {
            var (x, y) = Pixel(level.CenterMm[1], level.CenterMm[2]);
            var colour = level.Excluded ? KeyImagePalette.Excluded : KeyImagePalette.Roi;
            Assert.True(image.Near(x, y, 5, DecodedImage.Like(colour, 40)), $"no marker for {level.Level} at ({x:0}, {y:0})");
        }
    }

    [Fact]
    public void RenderSagittalOverview_WhenLevelsGiven_LabelColumnHasEachLabel()
    {
        var image = Render();
        var otherHu = Render(Levels(l2MeanHu: 231));
        var left = AreaWidth + 16;

        Assert.True(image.Count(left, SagittalOverview.HeaderPx, image.Width, SagittalOverview.HeaderPx + AreaHeight, DecodedImage.Like(KeyImagePalette.Roi, 40)) > 300, "measured labels missing");
        var (_, l3Y) = Pixel(10, SyntheticSpine.SliceZ(8));
        Assert.True(image.Count(left, (int)l3Y - 20, image.Width, (int)l3Y + 20, DecodedImage.Like(KeyImagePalette.Excluded, 40)) > 150, "excluded label missing");
        var (_, l2Y) = Pixel(10, SyntheticSpine.SliceZ(20));
        Assert.True(image.CountDifferent(otherHu, left, (int)l2Y - 20, image.Width, (int)l2Y + 20) > 30, "L2's HU did not change its label");
    }

    [Fact]
    public void RenderSagittalOverview_WhenRendered_CarriesSummaryAndDisclaimer()
    {
        var image = Render();
        var withoutSummary = Render(options: s_options with { ScreeningSummary = null });

        Assert.True(image.CountDifferent(withoutSummary, 0, 0, image.Width, 34) > 100, "summary line not drawn");
        var footerTop = image.Height - SagittalOverview.FooterPx;
        Assert.True(image.Count(0, footerTop, image.Width, footerTop + 28, DecodedImage.Like(KeyImagePalette.Flag, 40)) > 300, "disclaimer not drawn");
    }

    [Fact]
    public void RenderSagittalOverview_WhenLevelsSitOffTheMidline_ReformatBendsThroughThem()
    {
        var (x, y) = Pixel(SyntheticSpine.OffMidlineRod.Y, 30);

        var throughLevels = Render(Levels(xMm: SyntheticSpine.OffMidlineRod.X));
        var midline = Render(Levels(xMm: 0));

        Assert.True(DecodedImage.Grey(throughLevels[(int)x, (int)y]) > 230, "the rod beside the midline is not in the reformat");
        Assert.True(DecodedImage.Grey(midline[(int)x, (int)y]) < 120);
    }

    [Fact]
    public void RenderSagittalOverview_WhenNoLevels_StillRendersTheFullWidthWithoutFailing()
    {
        var image = Render([]);

        Assert.Equal(Math.Max(AreaWidth + SagittalOverview.LabelColumnPx, SagittalOverview.MinimumWidthPx), image.Width);
    }

    /// <summary>Length of the run of bright pixels through (x, y) along (dx, dy), both ways.</summary>
    private static int Run(DecodedImage image, int x, int y, int dx, int dy)
    {
        var length = 1;
        foreach (var sign in new[] { 1, -1 })
        {
            for (var n = 1; DecodedImage.Grey(image[x + (sign * n * dx), y + (sign * n * dy)]) > 170; n++)
            {
                length++;
            }
        }

        return length;
    }
}
