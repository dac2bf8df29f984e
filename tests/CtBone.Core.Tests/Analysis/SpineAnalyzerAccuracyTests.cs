using CtBone.Core.Analysis;
using CtBone.Core.Phantoms;
using CtBone.Core.Screening;
using CtBone.Core.Series;
using CtBone.Core.Spine;

namespace CtBone.Core.Tests.Analysis;

/// <summary>
/// Accuracy on generated phantoms with fixed seeds (issue 3): labels and trabecular HU against the generator's truth.
/// Standard presets: every label right and HU within ±5; harder acquisitions: labels right and HU within ±8.
/// </summary>
public sealed class SpineAnalyzerAccuracyTests
{
    private static readonly string[] s_fallbackLevels = ["T12", "L2", "L3"];
    private static readonly string[] s_coveredLevels = ["T12", "L1", "L2", "L3"];

    [Theory]
    [InlineData("standard", 301, ScreeningCategory.Normal)]
    [InlineData("osteopenic", 302, ScreeningCategory.Osteopenia)]
    [InlineData("osteoporotic", 303, ScreeningCategory.Osteoporosis)]
    public void Analyze_WhenStandardPreset_LabelsRightAndHuWithin5(string preset, int seed, ScreeningCategory category)
    {
        var options = PhantomPresets.Get(preset) with { Seed = seed, MatrixSize = 256, PixelSpacingMm = 1.4, SliceThicknessMm = 3, SliceSpacingMm = 3, NoiseSdHu = 8 };

        var run = PhantomAnalysis.Run(options);

        run.AssertLabelsAndHu(5);
        Assert.Equal(category, run.Findings.Screening!.Category);
        Assert.Equal("L1", run.Findings.Screening.LevelUsed);
        Assert.True(run.Findings.Labeling!.CountsAgree);
    }

    [Fact]
    public void Analyze_WhenFullResolutionWith20HuNoise_LabelsRightAndHuWithin5()
    {
        var run = PhantomAnalysis.Run(new PhantomOptions { Seed = 304, NoiseSdHu = 20, SliceThicknessMm = 1, SliceSpacingMm = 1 });

        run.AssertLabelsAndHu(5);
    }

    public static TheoryData<string, PhantomOptions> HardAcquisitions() => new()
    {
        { "5 mm slices", PhantomAnalysis.Small(311) with { SliceThicknessMm = 5, SliceSpacingMm = 5 } },
        { "feet first", PhantomAnalysis.Small(312) with { PatientPosition = PatientPosition.Ffs } },
        { "scoliosis 20°", PhantomAnalysis.Small(313) with { ScoliosisDegrees = 20 } },
        { "scoliosis −20°", PhantomAnalysis.Small(314) with { ScoliosisDegrees = -20 } },
        { "patient offset", PhantomAnalysis.Small(315) with { PatientOffsetXMm = 40, PatientOffsetYMm = -25 } },
        { "0.5 mm pixels", new PhantomOptions { Seed = 316, MatrixSize = 512, PixelSpacingMm = 0.5, SliceThicknessMm = 2, SliceSpacingMm = 2 } },
        { "1.0 mm pixels", new PhantomOptions { Seed = 317, MatrixSize = 400, PixelSpacingMm = 1.0, SliceThicknessMm = 2, SliceSpacingMm = 2 } },
    };

    [Theory]
    [MemberData(nameof(HardAcquisitions))]
    public void Analyze_WhenHarderAcquisition_LabelsRightAndHuWithin8(string name, PhantomOptions options)
    {
        var run = PhantomAnalysis.Run(options with { Name = name.Replace(' ', '-') });

        run.AssertLabelsAndHu(8);
    }

    /// <summary>Anatomy and image quality the presets do not vary: built for spines in general, not one shape.</summary>
    public static TheoryData<string, PhantomOptions> OtherAnatomy() => new()
    {
        { "flat lumbar spine (lordosis 20°)", PhantomAnalysis.Small(361) with { LordosisDegrees = 20 } },
        { "deep lordosis (65°)", PhantomAnalysis.Small(362) with { LordosisDegrees = 65 } },
        { "blurred (1.2 mm)", PhantomAnalysis.Small(363) with { BlurSigmaMm = 1.2 } },
        { "coarse trabecular texture (±40 HU)", PhantomAnalysis.Small(364) with { TrabecularTextureHu = 40 } },
        { "dense young bone (L1 270 HU)", PhantomAnalysis.Small(365) with { TrabecularHu = PhantomPresets.HealthyTrabecularHu.ToDictionary(p => p.Key, p => p.Value * 1.5) } },
    };

    [Theory]
    [MemberData(nameof(OtherAnatomy))]
    public void Analyze_WhenAnatomyOrImageDiffers_LabelsRightAndHuWithin5(string name, PhantomOptions options)
    {
        var run = PhantomAnalysis.Run(options with { Name = name.Split(' ')[0] });

        run.AssertLabelsAndHu(5);
    }

    [Fact]
    public void Analyze_WhenCortexThinAndFaint_NoMeasuredLevelFarFromTruthAndNoConfidentWrongLabel()
    {
        // A 0.6 mm cortex of 450 HU around 75 HU bone, blurred into 1.4 mm pixels: barely brighter than its contents.
        var options = PhantomPresets.Get("osteoporotic") with { Seed = 366, MatrixSize = 256, PixelSpacingMm = 1.4, SliceThicknessMm = 3, SliceSpacingMm = 3, NoiseSdHu = 8, CorticalThicknessMm = 0.6, CorticalHu = 450 };

        var run = PhantomAnalysis.Run(options);

        run.AssertNoConfidentWrongLabel();
        foreach (var level in run.Findings.Vertebrae.Where(v => !v.Excluded && v.MeanHu is not null))
        {
            Assert.InRange(level.MeanHu!.Value, run.TruthOf(level).TrabecularHu - 8, run.TruthOf(level).TrabecularHu + 8);
        }
    }

    [Fact]
    public void Analyze_WhenScrewsAtL4AndL5_ThoseLevelsExcludedForMetalAndL1Measured()
    {
        var run = PhantomAnalysis.Run(PhantomPresets.Get("osteopenic") with { Seed = 321, MatrixSize = 256, PixelSpacingMm = 1.4, SliceThicknessMm = 3, SliceSpacingMm = 3, NoiseSdHu = 8, ScrewLevels = ["L4", "L5"] });

        run.AssertNoConfidentWrongLabel();
        foreach (var level in new[] { "L4", "L5" })
        {
            var finding = run.Level(level);
            Assert.True(finding.Excluded);
            Assert.Contains(LevelFlags.Metal, finding.Flags);
            Assert.StartsWith("metal", finding.ExclusionReason, StringComparison.Ordinal);
            Assert.Null(finding.MeanHu);
        }

        var l1 = run.Level("L1");
        Assert.False(l1.Excluded);
        Assert.InRange(l1.MeanHu!.Value, run.TruthOf(l1).TrabecularHu - 5, run.TruthOf(l1).TrabecularHu + 5);
        Assert.Equal("L1", run.Findings.Screening!.LevelUsed);
    }

    [Fact]
    public void Analyze_WhenL1CompressionFracture_L1ExcludedWithGradeAndScreeningFallsBack()
    {
        var run = PhantomAnalysis.Run(PhantomPresets.Get("osteoporotic") with { Seed = 322, MatrixSize = 256, PixelSpacingMm = 1.4, SliceThicknessMm = 3, SliceSpacingMm = 3, NoiseSdHu = 8, Fracture = new VertebralFracture("L1", FractureGrade.Moderate) });

        run.AssertNoConfidentWrongLabel();
        var l1 = run.Level("L1");
        Assert.True(l1.Excluded);
        Assert.Contains(LevelFlags.Fracture, l1.Flags);
        Assert.True(l1.FractureGrade is FractureGrade.Moderate or FractureGrade.Severe, $"graded {l1.FractureGrade}");
        Assert.InRange(l1.Heights!.HeightLossFraction, 0.25, 0.45);
        Assert.NotEqual("L1", run.Findings.Screening!.LevelUsed);
        Assert.Contains(run.Findings.Screening.LevelUsed, s_fallbackLevels);
        Assert.Equal("severe", run.Findings.Screening.Severity);
        Assert.DoesNotContain(run.Findings.Vertebrae, v => v.Level != "L1" && v.FractureGrade is not null);
    }

    [Fact]
    public void Analyze_WhenOnlyT12ToL3Covered_LabelsWhatIsThereAndInventsNothing()
    {
        var run = PhantomAnalysis.Run(PhantomAnalysis.Small(323) with { CoverageFromLevel = "T12", CoverageToLevel = "L3" });

        Assert.Equal(AnalysisStatus.Completed, run.Findings.Status);
        run.AssertNoConfidentWrongLabel();
        Assert.All(run.Findings.Vertebrae, v => Assert.Contains(v.Level, s_coveredLevels));
        Assert.Equal(run.Findings.Vertebrae.Count, run.Findings.Vertebrae.Select(v => v.Level).Distinct().Count());
        Assert.Equal("ribs-only", run.Findings.Labeling!.Method);
        Assert.False(run.Level("L1").Excluded);
        Assert.All(run.Findings.Vertebrae.Where(v => v.Flags.Contains(LevelFlags.PartialCoverage)), v => Assert.True(v.Excluded));
    }

    [Theory]
    [InlineData(11, 5, 331)]
    [InlineData(13, 5, 332)]
    [InlineData(12, 6, 333)]
    public void Analyze_WhenTransitionalAnatomy_NoConfidentWrongLabel(int ribPairs, int lumbar, int seed)
    {
        var run = PhantomAnalysis.Run(PhantomAnalysis.Small(seed) with { RibPairs = ribPairs, LumbarVertebrae = lumbar });

        Assert.Equal(AnalysisStatus.Completed, run.Findings.Status);
        run.AssertNoConfidentWrongLabel();
        // The anomaly must show: either the counts disagree, or the vertebra that carries the odd rib is flagged.
        Assert.Contains(run.Findings.Vertebrae, v => v.Flags.Contains(LevelFlags.LabelingUncertain));
    }

    [Theory]
    [InlineData(ContrastPhase.Arterial, 341)]
    [InlineData(ContrastPhase.PortalVenous, 342)]
    public void Analyze_WhenContrastEnhanced_PhaseDetectedFromAortaAndIvc(ContrastPhase phase, int seed)
    {
        var run = PhantomAnalysis.Run(PhantomAnalysis.Small(seed) with { Contrast = phase });

        Assert.Equal(phase, run.Findings.Acquisition!.ContrastPhase);
        run.AssertLabelsAndHu(5);
        Assert.Contains(run.Findings.ReferenceTissues, t => t.Tissue == "aortic-blood" && Math.Abs(t.MeanHu - run.Study.Truth.ReferenceTissuesHu.AortaBlood) < 25);
    }

    [Fact]
    public void Analyze_WhenUnenhanced_ReferenceTissuesMatchTheirTruth()
    {
        var run = PhantomAnalysis.Run(PhantomAnalysis.Small(343));

        var truth = run.Study.Truth.ReferenceTissuesHu;
        var expected = new Dictionary<string, double>
        {
            ["air"] = truth.Air,
            ["subcutaneous-fat"] = truth.SubcutaneousFat,
            ["visceral-fat"] = truth.VisceralFat,
            ["muscle"] = truth.Muscle,
            ["aortic-blood"] = truth.AortaBlood,
        };
        foreach (var (tissue, hu) in expected)
        {
            var measured = run.Findings.ReferenceTissues.Single(t => t.Tissue == tissue);
            Assert.True(Math.Abs(measured.MeanHu - hu) <= 10, $"{tissue}: {measured.MeanHu} HU, truth {hu}");
        }

        Assert.Equal(ContrastPhase.None, run.Findings.Acquisition!.ContrastPhase);
        Assert.Equal("phantomless-internal", run.Findings.Bmd!.Method);
        Assert.NotNull(run.Findings.Bmd.MeanBmdMgPerCm3);
    }

    [Fact]
    public void Analyze_WhenChestOnly_RejectedAsNoLumbarSpine()
    {
        var run = PhantomAnalysis.Run(PhantomAnalysis.Small(351) with { CoverageToLevel = "T11" });

        Assert.Equal(AnalysisStatus.Rejected, run.Findings.Status);
        Assert.Contains("lumbar", run.Findings.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(run.Findings.Vertebrae);
    }

    [Fact]
    public void Analyze_WhenSameStudyStoredFlipped_SameFindings()
    {
        var options = PhantomAnalysis.Small(352);
        var study = LumbarPhantom.Generate(options);
        var flipped = SyntheticVolumes.MirrorRowsAndColumns(study.Primary.Volume);
        var analyzer = new SpineAnalyzer();

        var straight = analyzer.Analyze(study.Primary.Volume, new SeriesContext());
        var mirrored = analyzer.Analyze(flipped, new SeriesContext());

        Assert.Equal(straight.Vertebrae.Select(v => v.Level), mirrored.Vertebrae.Select(v => v.Level));
        foreach (var (a, b) in straight.Vertebrae.Zip(mirrored.Vertebrae))
        {
            Assert.Equal(a.MeanHu ?? 0, b.MeanHu ?? 0, 1.0);
            Assert.Equal(a.CenterMm[0], b.CenterMm[0], 1.5);
            Assert.Equal(a.CenterMm[1], b.CenterMm[1], 1.5);
            Assert.Equal(a.CenterMm[2], b.CenterMm[2], 1.5);
        }
    }

    [Fact]
    public void Analyze_WhenHeadCt_Rejected()
    {
        var findings = new SpineAnalyzer().Analyze(SyntheticVolumes.Head(), new SeriesContext());

        Assert.Equal(AnalysisStatus.Rejected, findings.Status);
        Assert.Contains("spine", findings.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Analyze_WhenTooShortCoverage_RejectedWithReason()
    {
        var volume = SyntheticVolumes.Head(slices: 5);

        var findings = new SpineAnalyzer().Analyze(volume, new SeriesContext());

        Assert.Equal(AnalysisStatus.Rejected, findings.Status);
        Assert.Contains("covers only", findings.Reason, StringComparison.Ordinal);
    }
}
