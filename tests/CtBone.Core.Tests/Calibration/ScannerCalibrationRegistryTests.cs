using CtBone.Core.Analysis;
using CtBone.Core.Calibration;
using static CtBone.Core.Tests.LevelFindings;

namespace CtBone.Core.Tests.Calibration;

public class ScannerCalibrationRegistryTests
{
    private const string Registry = """
        { "calibrations": [
          { "manufacturer": "SIEMENS", "model": "SOMATOM X", "kvp": 120, "slopeMgPerCm3PerHu": 0.8, "interceptMgPerCm3": -2,
            "description": "Mindways Model 3 asynchronous phantom, room 2", "date": "2025-03-14" },
          { "manufacturer": "GE MEDICAL SYSTEMS", "model": "Revolution CT", "kvp": 100,
            "points": [ { "hu": 0, "densityMgPerCm3": 0 }, { "hu": 100, "densityMgPerCm3": 80 }, { "hu": 200, "densityMgPerCm3": 160 } ],
            "description": "QRM rods, annual QA" } ] }
        """;

    private static readonly List<ReferenceTissueMeasurement> Tissues =
        [new(ReferenceTissues.Air, -1000, 10, 500, [0, 0, 0]), new(ReferenceTissues.VisceralFat, -95, 10, 500, [0, 0, 0])];

    [Fact]
    public void Estimate_WhenARegisteredCalibrationMatches_UsesItBeforeThePhantomlessFit()
    {
        var registry = ScannerCalibrationRegistry.FromJson(Registry);
        var acquisition = Acquisition(kvp: 120.0, manufacturer: " Siemens ", model: "somatom x");

        var estimate = new BmdEstimator().Estimate(Levels(120, 100, 110, 120, 130, 140), Tissues, acquisition, registry);

        Assert.Equal(BmdMethods.ScannerCalibration, estimate.Method);
        Assert.Equal("SIEMENS SOMATOM X at 120 kVp: Mindways Model 3 asynchronous phantom, room 2 (2025-03-14)", estimate.Calibration);
        Assert.Equal(78, estimate.Levels.Single(l => l.Level == "L1").EstimatedBmdMgPerCm3, 9);
        Assert.Equal(82, estimate.MeanBmdMgPerCm3!.Value, 9);
        Assert.Equal(QctCategory.LowBoneMass, estimate.Category);
        Assert.All(estimate.ReferenceTissues, t => Assert.False(t.UsedInFit));
    }

    [Fact]
    public void Estimate_WhenTheEntryGivesPoints_FitsALineThroughThem()
    {
        var registry = ScannerCalibrationRegistry.FromJson(Registry);

        var estimate = new BmdEstimator().Estimate(
            Levels(120, 100, 110, 120, 130, 140), Tissues, Acquisition(kvp: 100, manufacturer: "GE MEDICAL SYSTEMS", model: "Revolution CT"), registry);

        Assert.Equal(BmdMethods.ScannerCalibration, estimate.Method);
        Assert.Equal(0.8, estimate.Fit!.SlopeMgPerCm3PerHu, 9);
        Assert.Equal(0, estimate.Fit.InterceptMgPerCm3, 9);
        Assert.Equal(3, estimate.Fit.PointCount);
    }

    [Fact]
    public void Estimate_WhenNoEntryMatchesTheVoltage_FallsBackToPhantomlessAndSaysSo()
    {
        var registry = ScannerCalibrationRegistry.FromJson(Registry);

        var estimate = new BmdEstimator().Estimate(
            Levels(120, 100, 110, 120, 130, 140), Tissues, Acquisition(kvp: 140, manufacturer: "SIEMENS", model: "SOMATOM X"), registry);

        Assert.Equal(BmdMethods.PhantomlessInternal, estimate.Method);
        Assert.Null(estimate.Calibration);
        Assert.Equal(105, estimate.MeanBmdMgPerCm3!.Value, 9);
        Assert.Contains("No registered calibration for SIEMENS SOMATOM X at 140 kVp: the phantomless calibration was used.", estimate.Caveats);
    }

    [Fact]
    public void Find_WhenTheSeriesDoesNotNameItsScanner_FindsNothing()
    {
        var registry = ScannerCalibrationRegistry.FromJson(Registry);

        Assert.Null(registry.Find(null, "SOMATOM X", 120));
        Assert.NotNull(registry.Find("SIEMENS", "SOMATOM X", 120.4));
        Assert.Null(registry.Find("SIEMENS", "SOMATOM X", 121));
    }

    [Theory]
    [InlineData(""" "slopeMgPerCm3PerHu": -0.8, "interceptMgPerCm3": 0 """, "calibrations[0]: the calibration line must rise")]
    [InlineData(""" "slopeMgPerCm3PerHu": 0.8 """, "calibrations[0]: slopeMgPerCm3PerHu and interceptMgPerCm3 go together")]
    [InlineData(""" "slopeMgPerCm3PerHu": 0.8, "interceptMgPerCm3": 0, "points": [] """, "calibrations[0]: give either slopeMgPerCm3PerHu and interceptMgPerCm3, or points")]
    [InlineData(""" "points": [ { "hu": 10, "densityMgPerCm3": 0 } ] """, "calibrations[0]: points need at least two distinct hu values")]
    [InlineData(""" "slopeMgPerCm3PerHu": 0.8, "interceptMgPerCm3": 0, "kvp": 300 """, "calibrations[0]: kvp must be 40 to 200")]
    [InlineData(""" "slopeMgPerCm3PerHu": 0.8, "interceptMgPerCm3": 0, "colour": "red" """, "'colour'")]
    [InlineData(""" "points": [ null, { "hu": 10, "densityMgPerCm3": 0 } ] """, "calibrations and their points must not contain null")]
    public void FromJson_WhenAnEntryIsInvalid_ThrowsFormatExceptionNamingIt(string members, string expected)
    {
        var kvp = members.Contains("\"kvp\"", StringComparison.Ordinal) ? "" : "\"kvp\": 120,";
        var json = $$"""{ "calibrations": [ { "manufacturer": "SIEMENS", "model": "X", {{kvp}} "description": "d", {{members}} } ] }""";

        var error = Assert.Throws<FormatException>(() => ScannerCalibrationRegistry.FromJson(json));

        Assert.StartsWith("The scanner calibration registry is not valid: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_WhenDescriptionIsMissing_NamesIt()
    {
        var error = Assert.Throws<FormatException>(() => ScannerCalibrationRegistry.FromJson(
            """{ "calibrations": [ { "manufacturer": "SIEMENS", "model": "X", "kvp": 120, "slopeMgPerCm3PerHu": 1, "interceptMgPerCm3": 0 } ] }"""));

        Assert.Contains("'description'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_WhenOneKvpReadingWouldMatchTwoEntries_ThrowsArgumentException()
    {
        // 120.2 and 120.6 round apart, yet a reading of 120.4 lies within half a kV of both.
        var entry = new ScannerCalibration { Manufacturer = "SIEMENS", Model = "X", Kvp = 120.2, SlopeMgPerCm3PerHu = 1, InterceptMgPerCm3 = 0, Description = "a" };

        var error = Assert.Throws<ArgumentException>(() => new ScannerCalibrationRegistry([entry, entry with { Kvp = 120.6, Description = "b" }]));

        Assert.Contains("more than one calibration for the scanner and voltage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_WhenTwoEntriesShareScannerAndVoltage_ThrowsArgumentException()
    {
        var entry = new ScannerCalibration { Manufacturer = "SIEMENS", Model = "X", Kvp = 120, SlopeMgPerCm3PerHu = 1, InterceptMgPerCm3 = 0, Description = "a" };

        var error = Assert.Throws<ArgumentException>(() => new ScannerCalibrationRegistry([entry, entry with { Model = " x ", Description = "b" }]));

        Assert.Contains("more than one calibration for the scanner and voltage of 'SIEMENS X at 120 kVp: a'", error.Message, StringComparison.Ordinal);
    }
}
