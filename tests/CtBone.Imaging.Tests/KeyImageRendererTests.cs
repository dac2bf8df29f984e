using CtBone.Core.Analysis;
using CtBone.Core.Screening;

namespace CtBone.Imaging.Tests;

public sealed class KeyImageRendererTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"ctbone-keyimages-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static Findings FindingsWith(params LevelFinding[] levels) => new()
    {
        Status = AnalysisStatus.Completed,
        SeriesInstanceUid = "1.2.3.4.5",
        AlgorithmVersion = "ctbone-spine 0.1.0",
        Vertebrae = levels,
        Screening = new ScreeningResult { Category = ScreeningCategory.Osteopenia, LevelUsed = "L1", Hu = 112 },
    };

    [Fact]
    public async Task WriteAsync_WhenFindingsHaveLevels_WritesStableNamesInOrder()
    {
        var findings = FindingsWith(SyntheticSpine.Level("L1", midSlice: 30), SyntheticSpine.Level("L2", midSlice: 20));

        var paths = await KeyImageRenderer.WriteAsync(SyntheticSpine.Volume(), findings, _directory, new KeyImageOptions(), CancellationToken.None);

        Assert.Equal(["L1_axial.png", "L2_axial.png", KeyImageRenderer.OverviewFileName], paths.Select(Path.GetFileName));
        Assert.All(paths, p => Assert.Equal(_directory, Path.GetDirectoryName(p)));
        Assert.All(paths, p => Assert.True(DecodedImage.Decode(File.ReadAllBytes(p)).Width >= 512));
    }

    [Fact]
    public async Task WriteAsync_WhenLevelNamesRepeatOrHoldOddCharacters_NamesStayUniqueAndSafe()
    {
        var findings = FindingsWith(SyntheticSpine.Level("L1"), SyntheticSpine.Level("L1"), SyntheticSpine.Level("L1/L2?"));

        var paths = await KeyImageRenderer.WriteAsync(SyntheticSpine.Volume(), findings, _directory, new KeyImageOptions(), CancellationToken.None);

        Assert.Equal(["L1_axial.png", "L1_axial_2.png", "L1_L2__axial.png", "sagittal.png"], paths.Select(Path.GetFileName));
    }

    [Fact]
    public void DecodeRgb_WhenOverviewPng_EveryPixelIsThePngsColourInRgbOrder()
    {
        var findings = FindingsWith(SyntheticSpine.Level("L1", midSlice: 30));
        var png = KeyImageRenderer.RenderSagittalOverview(SyntheticSpine.Volume(), findings.Vertebrae, new KeyImageOptions());
        var decoded = DecodedImage.Decode(png);

        var (width, height, rgb) = KeyImageRenderer.DecodeRgb(png);

        Assert.Equal((decoded.Width, decoded.Height), (width, height));
        Assert.Equal(3 * width * height, rgb.Length);
        var coloured = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = 3 * ((y * width) + x);
                var expected = decoded[x, y];
                Assert.Equal((expected.Red, expected.Green, expected.Blue), (rgb[i], rgb[i + 1], rgb[i + 2]));
                coloured += expected.Red != expected.Blue ? 1 : 0;
            }
        }

        // Labels and ROI marks are coloured, so a red-blue swap would not go unseen.
        Assert.True(coloured > 100);
    }

    [Fact]
    public async Task WriteAsync_WhenOptionsLackProvenance_TakesItFromTheFindings()
    {
        var findings = FindingsWith(SyntheticSpine.Level());
        var volume = SyntheticSpine.Volume();
        var explicitOptions = new KeyImageOptions
        {
            SeriesInstanceUid = findings.SeriesInstanceUid,
            AlgorithmVersion = findings.AlgorithmVersion,
            ScreeningSummary = "Screening: osteopenia, L1 112 HU",
        };

        var paths = await KeyImageRenderer.WriteAsync(volume, findings, _directory, new KeyImageOptions(), CancellationToken.None);

        Assert.Equal(KeyImageRenderer.RenderAxial(volume, findings.Vertebrae[0], explicitOptions), await File.ReadAllBytesAsync(paths[0]));
        Assert.Equal(KeyImageRenderer.RenderSagittalOverview(volume, findings.Vertebrae, explicitOptions), await File.ReadAllBytesAsync(paths[^1]));
    }

    [Fact]
    public async Task WriteAsync_WhenCancelled_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            KeyImageRenderer.WriteAsync(SyntheticSpine.Volume(), FindingsWith(SyntheticSpine.Level()), _directory, new KeyImageOptions(), cancelled.Token));
    }

    [Fact]
    public void KeyImageOptions_WhenNew_HasTheDocumentedDefaults()
    {
        var options = new KeyImageOptions();

        Assert.Equal("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", options.FontPath);
        Assert.Equal(300, options.WindowCenterHu);
        Assert.Equal(1500, options.WindowWidthHu);
        Assert.Equal(640, options.AxialSizePx);
        Assert.Equal(200, options.AxialFieldOfViewMm);
        Assert.Equal(800, options.OverviewSizePx);
        Assert.Equal(200, options.OverviewDepthMm);
        options.Validate();
    }

    [Theory]
    [InlineData(nameof(KeyImageOptions.AxialSizePx))]
    [InlineData(nameof(KeyImageOptions.WindowWidthHu))]
    [InlineData(nameof(KeyImageOptions.FontPath))]
    public void RenderAxial_WhenAnOptionIsOutOfRange_ThrowsNamingIt(string name)
    {
        var options = name switch
        {
            nameof(KeyImageOptions.AxialSizePx) => new KeyImageOptions { AxialSizePx = 128 },
            nameof(KeyImageOptions.WindowWidthHu) => new KeyImageOptions { WindowWidthHu = double.NaN },
            _ => new KeyImageOptions { FontPath = " " },
        };

        var error = Assert.Throws<ArgumentException>(() => KeyImageRenderer.RenderAxial(SyntheticSpine.Volume(), SyntheticSpine.Level(), options));

        Assert.Equal(name, error.ParamName);
    }
}
