using CtBone.Core.Analysis;
using CtBone.Core.Calibration;
using CtBone.Core.Series;
using CtBone.Core.Spine;
using static CtBone.Core.Tests.LevelFindings;

namespace CtBone.Core.Tests.Calibration;

public class BmdEstimatorTests
{
    private static readonly BmdEstimator Estimator = new();
    private static readonly AcquisitionSummary Plain = Acquisition();

    private static ReferenceTissueMeasurement Tissue(string tissue, double meanHu, int voxels = 500) => new(tissue, meanHu, 10, voxels, [0, 0, 0]);

    /// <summary>Air and visceral fat exactly at the assumed densities: the default line is BMD = HU.</summary>
    private static List<ReferenceTissueMeasurement> Nominal() => [Tissue(ReferenceTissues.Air, -1000), Tissue(ReferenceTissues.VisceralFat, -95)];

    [Fact]
    public void Estimate_WhenAirAndFatReadOffNominal_FitsTheLineThroughThem()
    {
        List<ReferenceTissueMeasurement> tissues = [Tissue(ReferenceTissues.Air, -980), Tissue(ReferenceTissues.VisceralFat, -85)];

        var estimate = Estimator.Estimate(Levels(160, 150, 140, 130, 120, 110), tissues, Plain, null);

        const double Slope = 905.0 / 895.0; // (−95 − −1000) mg/cm³ over (−85 − −980) HU
        const double Intercept = -1000 + 980 * Slope;
        Assert.Equal(BmdMethods.PhantomlessInternal, estimate.Method);
        Assert.Null(estimate.Reason);
        Assert.Equal(Slope, estimate.Fit!.SlopeMgPerCm3PerHu, 9);
        Assert.Equal(Intercept, estimate.Fit.InterceptMgPerCm3, 9);
        Assert.Equal(2, estimate.Fit.PointCount);
        Assert.Equal(Slope * 150 + Intercept, estimate.Levels.Single(l => l.Level == "L1").EstimatedBmdMgPerCm3, 9);
        Assert.Equal(["L1", "L2"], estimate.MeanLevels);
        Assert.Equal(Slope * 145 + Intercept, estimate.MeanBmdMgPerCm3!.Value, 9);
        Assert.Equal(QctCategory.Normal, estimate.Category);
        var air = estimate.ReferenceTissues.Single(t => t.Tissue == ReferenceTissues.Air);
        Assert.Equal((-980.0, -1000.0, true), (air.MeasuredHu!.Value, air.AssumedDensityMgPerCm3, air.UsedInFit));
    }

    [Fact]
    public void Estimate_WhenThreeTissuesLieOnAKnownLine_RecoversItByLeastSquares()
    {
        var estimator = new BmdEstimator(new BmdEstimatorOptions
        {
            MinSlopeMgPerCm3PerHu = 0.5,
            ReferenceTissues =
            [
                new() { Tissue = ReferenceTissues.Air, EquivalentDensityMgPerCm3 = -820, MinPlausibleHu = -1100, MaxPlausibleHu = -800 },
                new() { Tissue = ReferenceTissues.VisceralFat, EquivalentDensityMgPerCm3 = -70, MinPlausibleHu = -150, MaxPlausibleHu = -50 },
                new() { Tissue = ReferenceTissues.AorticBlood, EquivalentDensityMgPerCm3 = 140.0 / 3, MinPlausibleHu = 10, MaxPlausibleHu = 90 },
            ],
        });
        List<ReferenceTissueMeasurement> tissues =
            [Tissue(ReferenceTissues.Air, -1000), Tissue(ReferenceTissues.VisceralFat, -100), Tissue(ReferenceTissues.AorticBlood, 40)];

        var estimate = estimator.Estimate(Levels(110, 100, 100, 100, 100, 100), tissues, Plain, null);

        Assert.Equal(5.0 / 6, estimate.Fit!.SlopeMgPerCm3PerHu, 9);
        Assert.Equal(40.0 / 3, estimate.Fit.InterceptMgPerCm3, 9);
        Assert.Equal(3, estimate.Fit.PointCount);
        Assert.Equal(0, estimate.Fit.RmsResidualMgPerCm3!.Value, 9);
        Assert.Equal(290.0 / 3, estimate.MeanBmdMgPerCm3!.Value, 9);
    }

    [Fact]
    public void Estimate_WhenTheSameTissueIsMeasuredTwice_WeighsByVoxels()
    {
        List<ReferenceTissueMeasurement> tissues =
            [Tissue(ReferenceTissues.Air, -990, 100), Tissue(ReferenceTissues.Air, -1010, 300), Tissue(ReferenceTissues.VisceralFat, -95)];

        var estimate = Estimator.Estimate(Levels(110, 100, 100, 100, 100, 100), tissues, Plain, null);

        Assert.Equal(-1005, estimate.ReferenceTissues.Single(t => t.Tissue == ReferenceTissues.Air).MeasuredHu!.Value, 9);
    }

    [Fact]
    public void Estimate_WhenMuscleIsMeasured_ReportsItWithoutFittingIt()
    {
        List<ReferenceTissueMeasurement> tissues = [.. Nominal(), Tissue(ReferenceTissues.Muscle, 20)];

        var estimate = Estimator.Estimate(Levels(110, 100, 100, 100, 100, 100), tissues, Plain, null);

        var muscle = estimate.ReferenceTissues.Single(t => t.Tissue == ReferenceTissues.Muscle);
        Assert.False(muscle.UsedInFit);
        Assert.Contains("fatty infiltration", muscle.Note, StringComparison.Ordinal);
        Assert.Equal((1.0, 0.0), (Math.Round(estimate.Fit!.SlopeMgPerCm3PerHu, 9), Math.Round(estimate.Fit.InterceptMgPerCm3, 9)));
    }

    [Fact]
    public void Estimate_WhenContrastIsPresent_LeavesAorticBloodOutAndWarns()
    {
        List<ReferenceTissueMeasurement> tissues = [.. Nominal(), Tissue(ReferenceTissues.AorticBlood, 60)];

        var plain = Estimator.Estimate(Levels(110, 100, 100, 100, 100, 100), tissues, Plain, null);
        var enhanced = Estimator.Estimate(Levels(110, 100, 100, 100, 100, 100), tissues, Acquisition(ContrastPhase.PortalVenous), null);

        Assert.True(plain.ReferenceTissues.Single(t => t.Tissue == ReferenceTissues.AorticBlood).UsedInFit);
        Assert.Equal(3, plain.Fit!.PointCount);
        var blood = enhanced.ReferenceTissues.Single(t => t.Tissue == ReferenceTissues.AorticBlood);
        Assert.Equal((false, "not used: contrast may be present"), (blood.UsedInFit, blood.Note));
        Assert.Equal(2, enhanced.Fit!.PointCount);
        Assert.Contains(enhanced.Caveats, c => c.Contains("Kaesmacher 2017", StringComparison.Ordinal));
        Assert.Empty(plain.Caveats);
    }

    [Fact]
    public void Estimate_WhenAcquisitionUnknown_LeavesAorticBloodOutAndSaysContrastIsNotRuledOut()
    {
        List<ReferenceTissueMeasurement> tissues = [.. Nominal(), Tissue(ReferenceTissues.AorticBlood, 60)];

        var estimate = Estimator.Estimate(Levels(110, 100, 100, 100, 100, 100), tissues, null, null);

        Assert.False(estimate.ReferenceTissues.Single(t => t.Tissue == ReferenceTissues.AorticBlood).UsedInFit);
        Assert.Contains(estimate.Caveats, c => c.StartsWith("Contrast is present, suspected or not ruled out", StringComparison.Ordinal));
    }

    [Fact]
    public void Estimate_WhenFatReadsOutsideItsPlausibleRange_NoEstimateAndTheReasonNamesIt()
    {
        var estimate = Estimator.Estimate(Levels(110, 100, 100, 100, 100, 100), [Tissue(ReferenceTissues.Air, -1000), Tissue(ReferenceTissues.VisceralFat, 20)], Plain, null);

        Assert.Equal(BmdMethods.None, estimate.Method);
        Assert.StartsWith(ReferenceTissues.VisceralFat, estimate.Reason, StringComparison.Ordinal);
        Assert.Contains("implausible", estimate.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(120.5, QctCategory.Normal)]
    [InlineData(120.0, QctCategory.LowBoneMass)]
    [InlineData(80.0, QctCategory.LowBoneMass)]
    [InlineData(79.9, QctCategory.Osteoporosis)]
    public void Estimate_WhenMeanOfTwoIsAtABandEdge_BandsItAsQct(double bmd, QctCategory category)
    {
        var estimate = Estimator.Estimate(Levels(200, bmd, bmd, 200, 200, 200), Nominal(), Plain, null);

        Assert.Equal(bmd, estimate.MeanBmdMgPerCm3!.Value, 9);
        Assert.Equal(category, estimate.Category);
        Assert.Null(estimate.Severity);
        Assert.Contains("ACR/ISCD", estimate.CategorySource, StringComparison.Ordinal);
    }

    [Fact]
    public void Estimate_WhenOsteoporosisComesWithAFracture_IsSevere()
    {
        var levels = Levels(200, 70, 72, 60, 90, 90).With(Level("L3", 60, "fracture", [LevelFlags.Fracture], FractureGrade.Moderate));

        var estimate = Estimator.Estimate(levels, Nominal(), Plain, null);

        Assert.Equal((QctCategory.Osteoporosis, "severe"), (estimate.Category!.Value, estimate.Severity));
    }

    [Fact]
    public void Estimate_WhenL1IsExcluded_AveragesL2AndL3AndLeavesL1Out()
    {
        var levels = Levels(200, 50, 100, 110, 120, 130).With(Level("L1", 50, "metal"));

        var estimate = Estimator.Estimate(levels, Nominal(), Plain, null);

        Assert.Equal(["L2", "L3"], estimate.MeanLevels);
        Assert.Equal(105, estimate.MeanBmdMgPerCm3!.Value, 9);
        Assert.DoesNotContain(estimate.Levels, l => l.Level == "L1");
        Assert.Equal(5, estimate.Levels.Count);
    }

    [Fact]
    public void Estimate_WhenOnlyOneLumbarLevelIsUsable_GivesPerLevelEstimatesButNoMean()
    {
        var levels = Levels(130, 100, null, null, null, 120).With(Level("L2", 90, "metal"));

        var estimate = Estimator.Estimate(levels, Nominal(), Plain, null);

        Assert.Equal(BmdMethods.PhantomlessInternal, estimate.Method);
        Assert.Null(estimate.MeanBmdMgPerCm3);
        Assert.Null(estimate.Category);
        Assert.StartsWith("Fewer than two usable vertebrae among L1 to L4 (1)", estimate.Reason, StringComparison.Ordinal);
        Assert.Equal(["T12", "L1", "L5"], estimate.Levels.Select(l => l.Level));
    }

    [Theory]
    [InlineData(null, -95.0, "Air was not measured: the phantomless calibration needs air and visceral or subcutaneous fat.")]
    [InlineData(-1000.0, null, "No fat was measured: the phantomless calibration needs air and visceral or subcutaneous fat.")]
    [InlineData(-700.0, -95.0, "air measured -700 HU, outside the plausible -1100 to -800 HU: the calibration would be implausible.")]
    [InlineData(-800.0, -95.0, "air measured -800 HU, outside the plausible -1100 to -800 HU: the calibration would be implausible.")]
    [InlineData(-1000.0, -30.0, "visceral-fat measured -30 HU, outside the plausible -150 to -50 HU: the calibration would be implausible.")]
    [InlineData(-810.0, -140.0, "The fitted slope 1.351 mg/cm3 per HU is outside the plausible 0.8 to 1.25: the reference tissues are inconsistent.")]
    public void Estimate_WhenReferenceTissuesAreMissingOrImplausible_GivesNoEstimateAndSaysWhy(double? airHu, double? fatHu, string reason)
    {
        var tissues = new List<ReferenceTissueMeasurement>();
        if (airHu is { } air)
        {
            tissues.Add(Tissue(ReferenceTissues.Air, air));
        }

        if (fatHu is { } fat)
        {
            tissues.Add(Tissue(ReferenceTissues.VisceralFat, fat));
        }

        var estimate = Estimator.Estimate(Levels(110, 100, 100, 100, 100, 100), tissues, Plain, null);

        Assert.Equal(BmdMethods.None, estimate.Method);
        Assert.Equal(reason, estimate.Reason);
        Assert.Null(estimate.Fit);
        Assert.Null(estimate.MeanBmdMgPerCm3);
        Assert.Empty(estimate.Levels);
        Assert.All(estimate.ReferenceTissues, t => Assert.False(t.UsedInFit));
        Assert.Contains("UNVERIFIED DENSITIES", estimate.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Estimate_WhenOnlySubcutaneousFatIsMeasured_FitsWithIt()
    {
        List<ReferenceTissueMeasurement> tissues = [Tissue(ReferenceTissues.Air, -1000), Tissue(ReferenceTissues.SubcutaneousFat, -100)];

        var estimate = Estimator.Estimate(Levels(110, 100, 100, 100, 100, 100), tissues, Plain, null);

        Assert.Equal(1, estimate.Fit!.SlopeMgPerCm3PerHu, 9);
        Assert.Equal(0, estimate.Fit.InterceptMgPerCm3, 9);
    }

    [Fact]
    public void Constructor_WhenOptionsDoNotFitAirAndFat_ThrowsArgumentException()
    {
        var options = new BmdEstimatorOptions
        {
            ReferenceTissues = [new() { Tissue = ReferenceTissues.Air, EquivalentDensityMgPerCm3 = -1000, MinPlausibleHu = -1100, MaxPlausibleHu = -800 }],
        };

        var error = Assert.Throws<ArgumentException>(() => new BmdEstimator(options));

        Assert.Contains("must fit air and at least one fat", error.Message, StringComparison.Ordinal);
    }
}
