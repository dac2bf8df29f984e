using System.Text.Json;
using CtBone.Core.Screening;
using static CtBone.Core.Tests.LevelFindings;

namespace CtBone.Core.Tests.Screening;

public class ScreeningPolicyFileTests
{
    [Fact]
    public void FromJson_WhenFileLowersTheNormalThreshold_ScreensWithItAndCitesItsSource()
    {
        var policy = ScreeningPolicy.FromJson("""
            { "name": "site-a", "version": "2025-06",
              "normalAboveHu": { "hu": 150, "source": "Site A re-validation against DXA, 2025" } }
            """);

        var result = policy.Screen(Levels(150, 155, 150, 150, 150, 150), Acquisition(), null);

        Assert.Equal(ScreeningCategory.Normal, result.Category);
        Assert.Equal("Site A re-validation against DXA, 2025", result.Source);
        Assert.Equal(("site-a", "2025-06"), (result.PolicyName, result.PolicyVersion));
        var normal = result.Thresholds.Single(t => t.Id == "normal");
        Assert.Equal((150, "Site A re-validation against DXA, 2025"), (normal.Value, normal.Source));
        Assert.Equal(110, result.Thresholds.Single(t => t.Id == "osteoporosis").Value);
    }

    [Fact]
    public void FromJson_WhenFileChangesOffsetsAndTurnsKvpCorrectionOn_AppliesThem()
    {
        var policy = ScreeningPolicy.FromJson("""
            { "portalVenousOffsetHu": { "hu": 26, "source": "Grünewald" }, "kvpCorrection": { "enabled": true } }
            """);

        var result = policy.Screen(Levels(150, 170, 150, 150, 150, 150), Acquisition(CtBone.Core.Series.ContrastPhase.PortalVenous, kvp: 140), null);

        Assert.Equal(170 - 26 + 10, result.Hu);
    }

    [Theory]
    [InlineData("""{ "normalAboveHu": { "hu": 100, "source": "x" } }""", "normalAboveHu (100) must exceed osteoporosisAtOrBelowHu (110)")]
    [InlineData("""{ "severeAtOrBelowHu": { "hu": 120, "source": "x" } }""", "severeAtOrBelowHu (120) must not exceed osteoporosisAtOrBelowHu (110)")]
    [InlineData("""{ "normalAboveHu": { "hu": 150 } }""", "'source'")]
    [InlineData("""{ "normalAboveHu": { "hu": 150, "source": " " } }""", "normalAboveHu.source must name where the value comes from")]
    [InlineData("""{ "normalAbovHu": { "hu": 150, "source": "x" } }""", "'normalAbovHu'")]
    [InlineData("""{ "normalAboveHu": null }""", "normalAboveHu")]
    [InlineData("""{ "fallbackLevels": ["L1", "L2"] }""", "fallbackLevels must not contain L1")]
    [InlineData("""{ "kvpCorrection": { "meanL1HuByKvp": [ { "kvp": 120, "meanHu": 141 } ] } }""", "needs at least two voltages")]
    [InlineData("""{ "labelingUncertainConfidenceFactor": 0 }""", "labelingUncertainConfidenceFactor must be above 0")]
    [InlineData("""{ "riskNotes": [ null ] }""", "must not contain null")]
    [InlineData("""{ "name": """, "is not valid")]
    public void FromJson_WhenPolicyIsInvalid_ThrowsFormatExceptionNamingTheProblem(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ScreeningPolicy.FromJson(json));

        Assert.StartsWith("The screening policy is not valid: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_WhenOptionsAreInvalid_ThrowsArgumentException()
    {
        var options = new ScreeningPolicyOptions { SevereAtOrBelowHu = new SourcedHu { Hu = 200, Source = "x" } };

        var error = Assert.Throws<ArgumentException>(() => new ScreeningPolicy(options));

        Assert.Contains("severeAtOrBelowHu (200) must not exceed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WhenFileIsInvalid_NamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ctbone-policy-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "normalAboveHu": { "hu": 90, "source": "x" } }""");
        try
        {
            var error = Assert.Throws<FormatException>(() => ScreeningPolicy.Load(path));

            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_WhenReadingTheShippedDefaultPolicy_EqualsTheBuiltInDefaults()
    {
        var loaded = ScreeningPolicy.Load(Path.Combine(AppContext.BaseDirectory, "Screening", "default-policy.json"));

        Assert.Equal(
            JsonSerializer.Serialize(ScreeningPolicy.Default.Options, CtBoneJson.Options),
            JsonSerializer.Serialize(loaded.Options, CtBoneJson.Options));
    }
}
