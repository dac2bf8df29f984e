using System.Text.Json;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Core.Series;
using CtBone.Core.Spine;
using static CtBone.Core.Tests.LevelFindings;

namespace CtBone.Core.Tests.Screening;

public class ScreeningPolicyTests
{
    private static readonly ScreeningPolicy Policy = ScreeningPolicy.Default;
    private static readonly AcquisitionSummary Plain = Acquisition(ageYears: 55);

    [Theory]
    [InlineData(160.01, ScreeningCategory.Normal, null)]
    [InlineData(160.0, ScreeningCategory.Osteopenia, null)]
    [InlineData(110.01, ScreeningCategory.Osteopenia, null)]
    [InlineData(110.0, ScreeningCategory.Osteoporosis, null)]
    [InlineData(80.01, ScreeningCategory.Osteoporosis, null)]
    [InlineData(80.0, ScreeningCategory.Osteoporosis, "severe")]
    public void Screen_WhenL1IsAtOrNextToACutOff_FollowsTheCutOff(double l1Hu, ScreeningCategory category, string? severity)
    {
        var result = Policy.Screen(Levels(150, l1Hu, 140, 135, 145, 150), Plain, null);

        Assert.Equal(category, result.Category);
        Assert.Equal(severity, result.Severity);
        Assert.Equal("L1", result.LevelUsed);
        Assert.Equal(l1Hu, result.Hu);
        Assert.Equal(l1Hu, result.RawHu);
        Assert.Equal("L1 is the primary level.", result.LevelUsedReason);
    }

    [Fact]
    public void Screen_WhenL1IsExcluded_UsesL2AndSaysWhyL1WasNot()
    {
        var levels = Levels(170, 100, 130, 120, 125, 140).With(Level("L1", 100, "metal: pedicle screw streaks", [LevelFlags.Metal]));

        var result = Policy.Screen(levels, Plain, null);

        Assert.Equal("L2", result.LevelUsed);
        Assert.Equal(130, result.Hu);
        Assert.Equal(ScreeningCategory.Osteopenia, result.Category);
        Assert.StartsWith("L1 excluded: metal: pedicle screw streaks; L2 is the nearest usable level", result.LevelUsedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Screen_WhenL1IsMissingAndL2Fractured_UsesT12BeforeL3()
    {
        var levels = Levels(150, null, 90, 95, 125, 140)
            .Where(l => l.Level != "L1")
            .ToList()
            .With(Level("L2", 90, flags: [LevelFlags.Fracture], fracture: FractureGrade.Moderate));

        var result = Policy.Screen(levels, Plain, null);

        Assert.Equal("T12", result.LevelUsed);
        Assert.Equal(ScreeningCategory.Osteopenia, result.Category);
        Assert.Null(result.Severity);
        Assert.StartsWith("L1 not found in the series; T12 is the nearest usable level", result.LevelUsedReason, StringComparison.Ordinal);
        Assert.Contains("Possible vertebral fracture at L2 (moderate)", result.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public void Screen_WhenOnlyL3OfTheCandidatesIsUsable_UsesL3()
    {
        var levels = Levels(null, 70, 75, 95, 125, 140)
            .With(Level("L1", 70, "partial-coverage", [LevelFlags.PartialCoverage]))
            .With(Level("L2", 75, "metal"));

        var result = Policy.Screen(levels, Plain, null);

        Assert.Equal("L3", result.LevelUsed);
        Assert.Equal(95, result.Hu);
        Assert.Equal(ScreeningCategory.Osteoporosis, result.Category);
        Assert.Null(result.Severity);
    }

    [Fact]
    public void Screen_WhenNoCandidateLevelIsUsable_IsIndeterminateWithEveryReason()
    {
        var levels = Levels(null, 100, 100, 100, 120, 130)
            .With(Level("L1", 100, "metal"))
            .With(Level("L2", 100, "metal"))
            .With(Level("L3", 60, "fracture: 45% height loss", [LevelFlags.Fracture], FractureGrade.Severe));

        var result = Policy.Screen(levels, Plain, null);

        Assert.Equal(ScreeningCategory.Indeterminate, result.Category);
        Assert.Null(result.LevelUsed);
        Assert.Null(result.Hu);
        Assert.Null(result.Severity);
        Assert.Equal(0, result.Confidence);
        Assert.Equal(
            "No usable level: L1 excluded: metal; L2 excluded: metal; T12 not measured; L3 excluded: fracture: 45% height loss.",
            result.LevelUsedReason);
        Assert.StartsWith("Bone density could not be screened", result.Recommendation, StringComparison.Ordinal);
        Assert.Equal(120, result.L1ToL4MeanHu);
        Assert.Equal(1, result.L1ToL4LevelCount);
        Assert.Contains("J Neurosurg Spine 2020", result.L1ToL4Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Screen_WhenOsteoporosisComesWithAFractureElsewhere_IsSevere()
    {
        var levels = Levels(120, 100, 105, 90, 110, 120).With(Level("L3", 90, "fracture", [LevelFlags.Fracture], FractureGrade.Mild));

        var result = Policy.Screen(levels, Plain, null);

        Assert.Equal(ScreeningCategory.Osteoporosis, result.Category);
        Assert.Equal("severe", result.Severity);
        Assert.Contains("prevalent fracture plus low density", result.Source, StringComparison.Ordinal);
        Assert.Contains("likely severe (with a vertebral fracture)", result.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public void Screen_WhenOsteopeniaComesWithAFracture_IsNotSevereButReportsTheFracture()
    {
        var levels = Levels(140, 130, 125, 90, 120, 130).With(Level("L3", 90, "fracture", [LevelFlags.Fracture], FractureGrade.Moderate));

        var result = Policy.Screen(levels, Plain, null);

        Assert.Equal(ScreeningCategory.Osteopenia, result.Category);
        Assert.Null(result.Severity);
        Assert.Contains("Possible vertebral fracture at L3 (moderate)", result.Recommendation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ContrastPhase.Arterial, 175.0, 155.0)]
    [InlineData(ContrastPhase.PortalVenous, 170.0, 155.25)]
    public void Screen_WhenSeriesIsEnhanced_SubtractsThePhaseOffsetAndReportsBothHu(ContrastPhase phase, double rawHu, double adjustedHu)
    {
        var result = Policy.Screen(Levels(180, rawHu, rawHu, 170, 170, 180), Acquisition(phase), null);

        Assert.Equal(rawHu, result.RawHu);
        Assert.Equal(adjustedHu, result.Hu);
        Assert.Equal(ScreeningCategory.Osteopenia, result.Category);
        var adjustment = Assert.Single(result.Adjustments);
        Assert.True(adjustment.Applied);
        Assert.Equal(adjustedHu - rawHu, adjustment.DeltaHu);
        Assert.Contains("TotalSegmentator", adjustment.Source, StringComparison.Ordinal);
        Assert.Contains("+26 HU portal venous (Grünewald)", adjustment.Source, StringComparison.Ordinal);
        var l1 = result.Levels.Single(l => l.Level == "L1");
        Assert.Equal((rawHu, adjustedHu), (l1.RawHu!.Value, l1.AdjustedHu!.Value));
        Assert.Equal((rawHu + rawHu + 170 + 170) / 4 + adjustment.DeltaHu, result.L1ToL4MeanHu!.Value, 9);
        Assert.Contains(result.Caveats, c => c.StartsWith("Contrast-enhanced series", StringComparison.Ordinal));
    }

    [Fact]
    public void Screen_WhenContrastOffsetsAreOff_KeepsTheRawHu()
    {
        var policy = new ScreeningPolicy(new ScreeningPolicyOptions { ApplyContrastOffsets = false });

        var result = policy.Screen(Levels(180, 170, 170, 170, 170, 180), Acquisition(ContrastPhase.PortalVenous), null);

        Assert.Equal(170, result.Hu);
        Assert.Equal(ScreeningCategory.Normal, result.Category);
        Assert.False(Assert.Single(result.Adjustments).Applied);
    }

    [Fact]
    public void Screen_WhenContrastPhaseIsUnknown_KeepsTheRawHuWithACaveat()
    {
        var result = Policy.Screen(Levels(180, 165, 170, 170, 170, 180), Acquisition(ContrastPhase.Unknown), null);

        Assert.Equal(165, result.Hu);
        Assert.Equal(ScreeningCategory.Normal, result.Category);
        Assert.Empty(result.Adjustments);
        Assert.Contains(result.Caveats, c => c.Contains("phase is unknown: the HU are kept raw", StringComparison.Ordinal));
    }

    [Fact]
    public void Screen_WhenKvpIs140_FlagsItAndOnlySuggestsTheCorrectionByDefault()
    {
        var result = Policy.Screen(Levels(120, 105, 110, 115, 120, 130), Acquisition(kvp: 140), null);

        Assert.Equal(105, result.Hu);
        Assert.Equal(ScreeningCategory.Osteoporosis, result.Category);
        var kvp = Assert.Single(result.Adjustments);
        Assert.Equal(("kvp", 10.0, false), (kvp.Kind, kvp.DeltaHu, kvp.Applied));
        Assert.Contains(result.Caveats, c => c.StartsWith("Acquired at 140 kVp", StringComparison.Ordinal) && c.Contains("+10 HU", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(140.0, 105.0, 115.0, ScreeningCategory.Osteopenia)]
    [InlineData(100.0, 115.0, 108.0, ScreeningCategory.Osteoporosis)]
    [InlineData(110.0, 112.0, 108.5, ScreeningCategory.Osteoporosis)]
    public void Screen_WhenKvpCorrectionIsOn_AddsThePopulationDifference(double kvp, double rawHu, double correctedHu, ScreeningCategory category)
    {
        var policy = new ScreeningPolicy(new ScreeningPolicyOptions { KvpCorrection = new KvpCorrectionOptions { Enabled = true } });

        var result = policy.Screen(Levels(150, rawHu, 120, 120, 120, 130), Acquisition(kvp: kvp), null);

        Assert.Equal(correctedHu, result.Hu!.Value, 9);
        Assert.Equal(category, result.Category);
        Assert.True(Assert.Single(result.Adjustments).Applied);
    }

    [Fact]
    public void Screen_WhenKvpIsOutsideTheData_FlagsWithoutCorrecting()
    {
        var policy = new ScreeningPolicy(new ScreeningPolicyOptions { KvpCorrection = new KvpCorrectionOptions { Enabled = true } });

        var result = policy.Screen(Levels(150, 105, 120, 120, 120, 130), Acquisition(kvp: 80), null);

        Assert.Equal(105, result.Hu);
        Assert.Empty(result.Adjustments);
        Assert.Contains(result.Caveats, c => c.Contains("80 kVp", StringComparison.Ordinal) && c.Contains("outside the correction data", StringComparison.Ordinal));
    }

    [Fact]
    public void Screen_WhenKvpIs120AndUnenhanced_HasNoAcquisitionCaveat()
    {
        var result = Policy.Screen(Levels(150, 105, 120, 120, 120, 130), Plain, null);

        Assert.Empty(result.Adjustments);
        Assert.Empty(result.Caveats);
    }

    [Fact]
    public void Screen_WhenAcquisitionIsMissing_SaysNothingWasChecked()
    {
        var result = Policy.Screen(Levels(150, 105, 120, 120, 120, 130), null, null);

        Assert.Contains("No acquisition summary: contrast phase and tube voltage were not checked.", result.Caveats);
        Assert.Contains(result.Caveats, c => c.StartsWith("Patient age is not recorded", StringComparison.Ordinal));
    }

    [Fact]
    public void Screen_WhenLevelsCarryLabelingUncertain_KeepsTheCategoryAndLowersConfidence()
    {
        var certain = Levels(120, 100, 105, 110, 115, 120);
        var uncertain = certain.Select(l => l with { Flags = [LevelFlags.LabelingUncertain] }).ToList();

        var sure = Policy.Screen(certain, Plain, null);
        var unsure = Policy.Screen(uncertain, Plain, null);

        Assert.Equal(ScreeningCategory.Osteoporosis, sure.Category);
        Assert.Equal(sure.Category, unsure.Category);
        Assert.Equal(0.9, sure.Confidence, 9);
        Assert.Equal(0.45, unsure.Confidence, 9);
        Assert.Contains(unsure.Caveats, c => c.StartsWith("Vertebral labels are uncertain (levels flagged labeling-uncertain: T12, L1", StringComparison.Ordinal));
        Assert.DoesNotContain(sure.Caveats, c => c.Contains("labels are uncertain", StringComparison.Ordinal));
    }

    [Fact]
    public void Screen_WhenRibAndSacrumCountsDisagree_LowersConfidenceAndQuotesTheLabeler()
    {
        var labeling = new LabelingSummary { Method = "ribs-and-sacrum", CountsAgree = false, Confidence = 0.6, Note = "13 rib-bearing vertebrae" };

        var result = Policy.Screen(Levels(120, 100, 105, 110, 115, 120), Plain, labeling);

        Assert.Equal(ScreeningCategory.Osteoporosis, result.Category);
        Assert.Equal(0.3, result.Confidence, 9);
        Assert.Contains(result.Caveats, c => c.Contains("rib and sacrum counts disagree", StringComparison.Ordinal) && c.Contains("13 rib-bearing", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(97.8, new[] { "cns-2021-instrumentation", "sci-rep-2023-mi-tlif", "pickhardt-2013-fracture" })]
    [InlineData(97.9, new[] { "sci-rep-2023-mi-tlif", "pickhardt-2013-fracture" })]
    [InlineData(117.0, new[] { "pickhardt-2013-fracture" })]
    [InlineData(145.0, new[] { "pickhardt-2013-fracture" })]
    [InlineData(145.1, new string[0])]
    public void Screen_WhenHuCrossesARiskThreshold_ListsTheNotesThatApplyWithSources(double l1Hu, string[] ids)
    {
        var result = Policy.Screen(Levels(150, l1Hu, 150, 150, 150, 150), Plain, null);

        Assert.Equal(ids, result.RiskNotes.Select(n => n.Id));
        Assert.Equal(ids, result.Levels.Single(l => l.Level == "L1").RiskNotes);
        Assert.All(result.RiskNotes, n => Assert.False(string.IsNullOrWhiteSpace(n.Source)));
    }

    [Fact]
    public void Screen_WhenLevelsDiffer_GivesEachUsableLevelItsOwnRiskNotes()
    {
        var levels = Levels(150, 96, 140, 120, 100, 170).With(Level("L3", 90, "metal"));

        var result = Policy.Screen(levels, Plain, null);

        var cns = result.RiskNotes.Single(n => n.Id == "cns-2021-instrumentation");
        Assert.Equal((97.9, "Congress of Neurological Surgeons guideline 2021 (Grade B)"), (cns.ThresholdHu, cns.Source));
        Assert.Contains("Sci Rep 2023", result.RiskNotes.Single(n => n.Id == "sci-rep-2023-mi-tlif").Source, StringComparison.Ordinal);
        var notes = result.Levels.ToDictionary(l => l.Level, l => l.RiskNotes);
        Assert.Equal(["sci-rep-2023-mi-tlif", "pickhardt-2013-fracture"], notes["L4"]);
        Assert.Empty(notes["L3"]);
        Assert.Empty(notes["L5"]);
        Assert.Equal(["pickhardt-2013-fracture"], notes["L2"]);
    }

    [Fact]
    public void Screen_WhenL2IsExcluded_AveragesTheOtherLevelsOfL1ToL4()
    {
        var levels = Levels(150, 100, 999, 120, 140, 200).With(Level("L2", 999, "metal"));

        var result = Policy.Screen(levels, Plain, null);

        Assert.Equal(120, result.L1ToL4MeanHu);
        Assert.Equal(3, result.L1ToL4LevelCount);
    }

    [Fact]
    public void Screen_WhenAgeIsKnown_PlacesTheHuAmongAgePeersAsReferenceData()
    {
        var result = Policy.Screen(Levels(150, 116.5, 120, 120, 120, 130), Acquisition(ageYears: 60), null);

        var age = result.AgeReference!;
        Assert.Equal(157.5, age.ExpectedMeanHu, 9);
        Assert.Equal(41, age.ExpectedSdHu, 9);
        Assert.Equal(-1, age.ZScore, 9);
        Assert.Null(age.YoungWomenScore);
        Assert.StartsWith("Reference data only: normative L1 mean 157.5 ± 41 HU at 60 years", age.Note, StringComparison.Ordinal);
        Assert.Contains("Jang et al., Radiology 2019", age.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(25.0, 226.0, 0.0)]
    [InlineData(95.0, 51.0, -1.0)]
    public void Screen_WhenAgeIsOutsideTheGroups_UsesTheNearestGroup(double ageYears, double l1Hu, double zScore)
    {
        var result = Policy.Screen(Levels(150, l1Hu, 120, 120, 120, 130), Acquisition(ageYears: ageYears), null);

        Assert.Equal(zScore, result.AgeReference!.ZScore, 9);
    }

    [Fact]
    public void Screen_WhenPatientIsFemale_AddsTheYoungWomenScore()
    {
        var result = Policy.Screen(Levels(150, 152, 120, 120, 120, 130), Acquisition(ageYears: 60, sex: "F"), null);

        Assert.Equal(-2, result.AgeReference!.YoungWomenScore!.Value, 9);
        Assert.Contains("Hendrickson", result.AgeReference.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Screen_WhenAgeIsMissing_GivesNoAgeReferenceAndNeverAssumesOne()
    {
        var result = Policy.Screen(Levels(150, 116.5, 120, 120, 120, 130), Acquisition(), null);

        Assert.Null(result.AgeReference);
        Assert.Contains("Patient age is not recorded: no age-referenced position is given (the age is never assumed).", result.Caveats);
        Assert.DoesNotContain("aged 60 or more", result.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public void Screen_WhenPatientIs60OrOlder_CitesFusionGuidelineRecommendation1()
    {
        var result = Policy.Screen(Levels(150, 170, 120, 120, 120, 130), Acquisition(ageYears: 60), null);

        Assert.Contains("aged 60 or more should have BMD assessed before surgery", result.Recommendation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(170.0, "Low bone density is not flagged at L1 (170 HU, above 160 HU).")]
    [InlineData(130.0, "Low bone density is possible at L1 (130 HU, between 110 and 160 HU): recommend DXA or QCT.")]
    [InlineData(75.0, "Osteoporosis is likely at L1 (75 HU, at or below 110 HU), likely severe (at or below 80 HU): recommend DXA or QCT.")]
    [InlineData(null, "Bone density could not be screened")]
    public void Screen_Always_SaysPossibleOrLikelyAndThatItDoesNotReplaceDxaOrQct(double? l1Hu, string opening)
    {
        var result = Policy.Screen(Levels(null, l1Hu, null, null, 120, 130), Plain, null);

        Assert.StartsWith(opening, result.Recommendation, StringComparison.Ordinal);
        Assert.EndsWith("CtBone flags possible low bone density: it cannot rule it out and does not replace DXA or QCT.", result.Recommendation, StringComparison.Ordinal);
        Assert.DoesNotContain("diagnosed", JsonSerializer.Serialize(result, CtBoneJson.Options), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Screen_Always_ListsEveryThresholdWithItsSourceAndNamesThePolicy()
    {
        var result = Policy.Screen(Levels(150, 130, 120, 120, 120, 130), Plain, null);

        var values = result.Thresholds.ToDictionary(t => t.Id);
        Assert.Equal(("ctbone-default", "1"), (result.PolicyName, result.PolicyVersion));
        Assert.Equal(160, values["normal"].Value);
        Assert.Contains("Pickhardt et al., Ann Intern Med 2013", values["normal"].Source, StringComparison.Ordinal);
        Assert.Equal(110, values["osteoporosis"].Value);
        Assert.Contains("Zou et al., Spine 2020", values["osteoporosis"].Source, StringComparison.Ordinal);
        Assert.Equal(80, values["severe"].Value);
        Assert.Contains("Peking University Third Hospital", values["severe"].Source, StringComparison.Ordinal);
        Assert.Equal((20, 14.75), (values["contrast-arterial-offset"].Value, values["contrast-portal-venous-offset"].Value));
        Assert.Equal((148, 141, 131), (values["kvp-100-mean-l1"].Value, values["kvp-120-mean-l1"].Value, values["kvp-140-mean-l1"].Value));
        Assert.Equal((97.9, 117, 145), (values["cns-2021-instrumentation"].Value, values["sci-rep-2023-mi-tlif"].Value, values["pickhardt-2013-fracture"].Value));
        Assert.Equal((226, 89, 236), (values["age-reference-young"].Value, values["age-reference-old"].Value, values["young-women-reference"].Value));
        Assert.All(result.Thresholds, t => Assert.False(string.IsNullOrWhiteSpace(t.Source)));
        Assert.Contains(values["normal"].Source, result.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Screen_WhenSerialized_UsesTheFindingsDocumentNames()
    {
        var json = JsonSerializer.Serialize(Policy.Screen(Levels(150, 130, 120, 120, 120, 130), Plain, null), CtBoneJson.Options);

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("osteopenia", root.GetProperty("category").GetString());
        Assert.Equal("L1", root.GetProperty("levelUsed").GetString());
        Assert.Equal(130, root.GetProperty("hu").GetDouble());
        Assert.Equal("normal", root.GetProperty("thresholds")[0].GetProperty("id").GetString());
        Assert.Equal(4, root.GetProperty("l1ToL4LevelCount").GetInt32());
    }
}
