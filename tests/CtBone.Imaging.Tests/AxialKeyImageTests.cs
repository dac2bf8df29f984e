using CtBone.Core.Volumes;

namespace CtBone.Imaging.Tests;

public sealed class AxialKeyImageTests
{
    private static readonly KeyImageOptions s_options = new() { SeriesInstanceUid = "1.2.826.0.1.3680043.8.498.1234567890", AlgorithmVersion = "ctbone-spine 0.1.0" };
    private static readonly CtVolume s_volume = SyntheticSpine.Volume();

    // Worked out here rather than taken from the renderer: the default view is 640 px for 200 mm (0.3125 mm a pixel),
    // centred on the ROI centre, below the caption band; x grows to patient left, y to posterior.
    private const double MmPerPixel = 200.0 / 640;

    private static (double X, double Y) Pixel(double xMm, double yMm) =>
        (320 + ((xMm - SyntheticSpine.VertebraCentre.X) / MmPerPixel), AxialKeyImage.HeaderPx + 320 + ((yMm - SyntheticSpine.VertebraCentre.Y) / MmPerPixel));

    private static DecodedImage Render(Core.Analysis.LevelFinding? level = null, CtVolume? volume = null, KeyImageOptions? options = null) =>
        DecodedImage.Decode(KeyImageRenderer.RenderAxial(volume ?? s_volume, level ?? SyntheticSpine.Level(), options ?? s_options));

    [Fact]
    public void RenderAxial_WhenRendered_PngHasCaptionImageAndProvenanceBands()
    {
        var image = Render();

        Assert.Equal(640, image.Width);
        Assert.Equal(AxialKeyImage.HeaderPx + 640 + AxialKeyImage.FooterPx, image.Height);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(1024)]
    public void RenderAxial_WhenImageSizeChanges_AnatomyScalesWithIt(int sizePx)
    {
        var image = Render(options: s_options with { AxialSizePx = sizePx });

        // The 4 mm rod 30 mm to patient left stays 30 mm from the centre at every size (200 mm across the image).
        var pixelsPerMm = sizePx / 200.0;
        var y = AxialKeyImage.HeaderPx + (sizePx / 2) + (int)((SyntheticSpine.LeftRod.Y - SyntheticSpine.VertebraCentre.Y) * pixelsPerMm);
        var rod = (sizePx / 2) + (int)((SyntheticSpine.LeftRod.X - SyntheticSpine.VertebraCentre.X) * pixelsPerMm);
        var beyond = (sizePx / 2) + (int)((SyntheticSpine.LeftRod.X + 8 - SyntheticSpine.VertebraCentre.X) * pixelsPerMm);
        Assert.Equal(sizePx, image.Width);
        Assert.True(DecodedImage.Grey(image[rod, y]) > 230, $"no rod at x = {rod} px");
        Assert.True(DecodedImage.Grey(image[beyond, y]) < 120, $"the rod reaches x = {beyond} px, 8 mm past it");
    }

    [Fact]
    public void RenderAxial_WhenRoiGiven_OutlineLiesOnTheEllipseAndNotInside()
    {
        var image = Render();
        var roi = DecodedImage.Like(KeyImagePalette.Roi);

        for (var degrees = 0; degrees < 360; degrees += 10)
        {
            var t = degrees * Math.PI / 180;
            var (x, y) = Pixel(12 * Math.Cos(t), SyntheticSpine.VertebraCentre.Y + (8 * Math.Sin(t)));
            Assert.True(image.Near(x, y, 2, roi), $"no outline at {degrees}°, pixel ({x:0}, {y:0})");
        }

        var (cx, cy) = Pixel(0, SyntheticSpine.VertebraCentre.Y);
        Assert.False(image.Near(cx, cy, 15, roi), "outline colour at the ROI centre");
        // A third larger ellipse must be clear: the outline is not merely somewhere near.
        foreach (var (dx, dy) in new[] { (16.0, 0.0), (-16.0, 0.0), (0.0, 10.7), (0.0, -10.7) })
        {
            var (x, y) = Pixel(dx, SyntheticSpine.VertebraCentre.Y + dy);
            Assert.False(image.Near(x, y, 1, roi), $"outline colour at ({dx}, {dy}) mm from the centre");
        }
    }

    [Fact]
    public void RenderAxial_WhenDefaultWindow_TrabecularBoneIsMidGrey()
    {
        var image = Render();
        var (x, y) = Pixel(0, SyntheticSpine.VertebraCentre.Y);

        // Bone window W 1500 / L 300: 150 HU is (150 + 450) / 1500 of full scale.
        var expected = (SyntheticSpine.TrabecularHu + 450) / 1500 * 255;
        Assert.InRange(DecodedImage.Grey(image[(int)x, (int)y]), expected - 3, expected + 3);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void RenderAxial_WhenRowsOrColumnsRunEitherWay_PatientLeftIsOnImageRightAndAnteriorUp(bool flipRows, bool flipColumns)
    {
        // Slice 30 lies above z = 0, where the anterior rod is, and clear of the ball behind the vertebra.
        var image = Render(SyntheticSpine.Level(midSlice: 30), SyntheticSpine.Volume(flipRows, flipColumns));

        var left = Pixel(SyntheticSpine.LeftRod.X, SyntheticSpine.LeftRod.Y);
        var mirroredLeft = Pixel(-SyntheticSpine.LeftRod.X, SyntheticSpine.LeftRod.Y);
        Assert.True(left.X > 320);
        Assert.True(DecodedImage.Grey(image[(int)left.X, (int)left.Y]) > 230, "patient-left rod not on the image's right");
        Assert.True(DecodedImage.Grey(image[(int)mirroredLeft.X, (int)mirroredLeft.Y]) < 120, "patient-left rod mirrored to the image's left");

        var front = Pixel(SyntheticSpine.AnteriorRod.X, SyntheticSpine.AnteriorRod.Y);
        var mirroredFront = Pixel(SyntheticSpine.AnteriorRod.X, (2 * SyntheticSpine.VertebraCentre.Y) - SyntheticSpine.AnteriorRod.Y);
        Assert.True(front.Y < AxialKeyImage.HeaderPx + 320);
        Assert.True(DecodedImage.Grey(image[(int)front.X, (int)front.Y]) > 230, "anterior rod not in the upper half");
        Assert.True(DecodedImage.Grey(image[(int)mirroredFront.X, (int)mirroredFront.Y]) < 120, "anterior rod mirrored to the lower half");
    }

    [Fact]
    public void RenderAxial_WhenStorageIsFlipped_ImageIsTheSame()
    {
        var plain = Render();
        var flipped = Render(volume: SyntheticSpine.Volume(flipRows: true, flipColumns: true));

        var differing = 0;
        for (var y = 0; y < plain.Height; y++)
        {
            for (var x = 0; x < plain.Width; x++)
            {
                differing += Math.Abs(DecodedImage.Grey(plain[x, y]) - DecodedImage.Grey(flipped[x, y])) > 8 ? 1 : 0;
            }
        }

        Assert.True(differing < plain.Width * plain.Height / 500, $"{differing} pixels differ");
    }

    [Theory]
    [InlineData(10, false)]
    [InlineData(30, true)]
    public void RenderAxial_WhenMidSliceGiven_ShowsThatSlice(int midSlice, bool anteriorRodVisible)
    {
        // The anterior rod exists only above z = 0, i.e. from slice 20 up.
        var image = Render(SyntheticSpine.Level(midSlice: midSlice));
        var (x, y) = Pixel(SyntheticSpine.AnteriorRod.X, SyntheticSpine.AnteriorRod.Y);

        Assert.Equal(anteriorRodVisible, DecodedImage.Grey(image[(int)x, (int)y]) > 230);
    }

    [Fact]
    public void RenderAxial_WhenLevelAndHuDiffer_CaptionPixelsDiffer()
    {
        var l1 = Render(SyntheticSpine.Level("L1", meanHu: 148));
        var l3 = Render(SyntheticSpine.Level("L3", meanHu: 148));
        var otherHu = Render(SyntheticSpine.Level("L1", meanHu: 96));

        // Without a usable font SkiaSharp draws nothing and all three captions would be the same empty band.
        Assert.True(l1.Count(0, 0, l1.Width, 44, DecodedImage.IsLight) > 300, "caption has almost no text pixels");
        Assert.True(l1.CountDifferent(l3, 0, 0, 60, 44) > 30, "level name did not change the caption");
        Assert.True(l1.CountDifferent(otherHu, 60, 0, l1.Width, 44) > 30, "HU did not change the caption");
        Assert.Equal(0, l1.CountDifferent(l3, 0, AxialKeyImage.HeaderPx, l1.Width, AxialKeyImage.HeaderPx + 640));
    }

    [Fact]
    public void RenderAxial_WhenProvenanceGiven_FooterHasText()
    {
        var image = Render();
        var bare = Render(options: new KeyImageOptions());

        var footerTop = image.Height - AxialKeyImage.FooterPx;
        Assert.True(image.CountDifferent(bare, 0, footerTop, image.Width / 2, image.Height) > 100);
    }

    [Fact]
    public void RenderAxial_WhenFlagged_FlagsLineIsAmber()
    {
        var flagged = Render(SyntheticSpine.Level() with { Flags = ["outliers", "labeling-uncertain"] });
        var clean = Render();

        var amber = DecodedImage.Like(KeyImagePalette.Flag, 40);
        Assert.True(flagged.Count(0, 42, flagged.Width, 64, amber) > 100);
        Assert.Equal(0, clean.Count(0, 42, clean.Width, 64, amber));
    }

    [Fact]
    public void RenderAxial_WhenExcluded_CaptionSaysSoInRed()
    {
        var excluded = Render(SyntheticSpine.Level() with { Excluded = true, ExclusionReason = "metal artefact in the ROI", Flags = ["metal"] });
        var measured = Render();

        var red = DecodedImage.Like(KeyImagePalette.Excluded, 40);
        Assert.True(excluded.Count(0, 64, excluded.Width, AxialKeyImage.HeaderPx, red) > 150);
        Assert.Equal(0, measured.Count(0, 0, measured.Width, AxialKeyImage.HeaderPx, red));
    }

    [Fact]
    public void RenderAxial_WhenNoRoi_MarksTheCentreAndSaysNoRoi()
    {
        var image = Render(SyntheticSpine.Level() with { Roi = null });

        var marker = DecodedImage.Like(KeyImagePalette.NoRoi, 40);
        var (cx, cy) = Pixel(SyntheticSpine.VertebraCentre.X, SyntheticSpine.VertebraCentre.Y);
        Assert.True(image.Near(cx + 14, cy, 2, marker), "no marker arm right of the centre");
        Assert.True(image.Near(cx, cy - 14, 2, marker), "no marker arm above the centre");
        Assert.False(image.Near(cx, cy, 3, marker), "the marker hides the centre");
        Assert.Equal(0, image.Count(0, AxialKeyImage.HeaderPx, image.Width, AxialKeyImage.HeaderPx + 640, DecodedImage.Like(KeyImagePalette.Roi)));
        Assert.True(image.Count(0, 64, image.Width, AxialKeyImage.HeaderPx, marker) > 150, "no 'no ROI' text");
    }

    [Fact]
    public void RenderAxial_WhenFontFileIsMissing_ThrowsNamingThePathAndThePackage()
    {
        var options = s_options with { FontPath = "/nonexistent/fonts/DejaVuSans.ttf" };

        var error = Assert.Throws<FileNotFoundException>(() => KeyImageRenderer.RenderAxial(s_volume, SyntheticSpine.Level(), options));

        Assert.Equal(options.FontPath, error.FileName);
        Assert.Contains("fonts-dejavu-core", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderAxial_WhenFontFileIsNotAFont_ThrowsInvalidData()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ctbone-not-a-font-{Guid.NewGuid():N}.ttf");
        File.WriteAllText(path, "this is not a font");
        try
        {
            Assert.Throws<InvalidDataException>(() => KeyImageRenderer.RenderAxial(s_volume, SyntheticSpine.Level(), s_options with { FontPath = path }));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RenderAxial_WhenMidSliceIsOutsideTheVolume_ThrowsArgumentException()
    {
        var level = SyntheticSpine.Level() with { Roi = SyntheticSpine.Level().Roi! with { MidSlice = SyntheticSpine.Slices } };

        var error = Assert.Throws<ArgumentException>(() => KeyImageRenderer.RenderAxial(s_volume, level, s_options));

        Assert.Contains("mid-slice", error.Message, StringComparison.Ordinal);
    }
}
