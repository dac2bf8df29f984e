using CtBone.Core.Analysis;
using CtBone.Core.Calibration;
using CtBone.Core.Review;
using CtBone.Core.Screening;
using CtBone.Core.Spine;
using static CtBone.Core.Tests.LevelFindings;

namespace CtBone.Core.Tests.Review;

public class FindingsReviewTests
{
    private static readonly FindingsReview Review = new(ScreeningPolicy.Default, new BmdEstimator());

    private static Findings Analysed(List<LevelFinding> levels, LabelingSummary? labeling = null)
    {
        var acquisition = Acquisition(ageYears: 70);
        List<ReferenceTissueMeasurement> tissues =
        [
            new(ReferenceTissues.Air, -1000, 10, 500, [0, 0, 0]),
            new(ReferenceTissues.VisceralFat, -95, 10, 500, [0, 0, 0]),
        ];
        return new Findings
        {
            Status = AnalysisStatus.Completed,
            AlgorithmVersion = "test",
            Vertebrae = levels,
            Acquisition = acquisition,
            ReferenceTissues = tissues,
            Labeling = labeling,
            Screening = ScreeningPolicy.Default.Screen(levels, acquisition, labeling),
            Bmd = new BmdEstimator().Estimate(levels, tissues, acquisition, null),
        };
    }

    [Fact]
    public void Apply_WhenLabelsShiftUp_WhatWasL1IsT12AndTheScreeningUsesTheNewL1()
    {
        // T12 95, L1 130, L2 170: after the shift the vertebra measured at 170 HU is L1.
        var findings = Analysed([Level("T11", 90, confidence: 0.4), Level("T12", 95, flags: [LevelFlags.LabelingUncertain]), Level("L1", 130), Level("L2", 170), Level("L3", 165)]);
        Assert.Equal(ScreeningCategory.Osteopenia, findings.Screening!.Category);

        var outcome = Review.Apply(findings, new FindingsCorrection { ShiftLabels = LabelShift.Up });

        Assert.Null(outcome.Problem);
        var corrected = outcome.Corrected!;
        Assert.Equal(["T10", "T11", "T12", "L1", "L2"], corrected.Vertebrae.Select(l => l.Level));
        Assert.Equal([90.0, 95, 130, 170, 165], corrected.Vertebrae.Select(l => l.MeanHu!.Value));
        Assert.Equal(ScreeningCategory.Normal, corrected.Screening!.Category);
        Assert.Equal("L1", corrected.Screening.LevelUsed);
        Assert.Equal(170, corrected.Screening.Hu);
        Assert.All(corrected.Vertebrae, l => Assert.DoesNotContain(LevelFlags.LabelingUncertain, l.Flags));
        Assert.Equal(LabelingMethods.Reviewer, corrected.Labeling!.Method);
        Assert.StartsWith("Labels shifted up by one level: what was called L1 is T12", outcome.Changes[0], StringComparison.Ordinal);
        Assert.Contains("osteopenia at L1, 130 HU became normal at L1, 170 HU", outcome.Changes[^1], StringComparison.Ordinal);
        // The original document is untouched.
        Assert.Equal("L1", findings.Vertebrae[2].Level);
    }

    [Fact]
    public void Apply_WhenLabelsShiftDown_WhatWasT12IsL1()
    {
        var findings = Analysed([Level("T12", 100), Level("L1", 150), Level("L2", 160)]);

        var corrected = Review.Apply(findings, new FindingsCorrection { ShiftLabels = LabelShift.Down }).Corrected!;

        Assert.Equal(["L1", "L2", "L3"], corrected.Vertebrae.Select(l => l.Level));
        Assert.Equal(ScreeningCategory.Osteoporosis, corrected.Screening!.Category);
        Assert.Equal(100, corrected.Screening.Hu);
    }

    [Fact]
    public void Apply_WhenALabelHasNoAnatomicalName_RefusesTheShift()
    {
        var findings = Analysed([Level("V2", 100), Level("V1", 150)]);

        var outcome = Review.Apply(findings, new FindingsCorrection { ShiftLabels = LabelShift.Up });

        Assert.Null(outcome.Corrected);
        Assert.Contains("V2 has no anatomical name", outcome.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_WhenL1IsExcludedByAReviewer_L2DecidesAndTheReasonIsKept()
    {
        var findings = Analysed(Levels(150, 100, 170, 160, 155, 150));

        var outcome = Review.Apply(findings, new FindingsCorrection { Exclude = [new("l1", "Schmorl node in the ROI")] });

        var corrected = outcome.Corrected!;
        var l1 = corrected.Vertebrae.Single(l => l.Level == "L1");
        Assert.True(l1.Excluded);
        Assert.Equal("reviewer: Schmorl node in the ROI", l1.ExclusionReason);
        Assert.Contains(LevelFlags.ReviewerExcluded, l1.Flags);
        Assert.Null(l1.EstimatedBmdMgPerCm3);
        Assert.Equal("L2", corrected.Screening!.LevelUsed);
        Assert.Equal(ScreeningCategory.Normal, corrected.Screening.Category);
        Assert.Equal("L1 excluded: Schmorl node in the ROI.", outcome.Changes[0]);
    }

    [Fact]
    public void Apply_WhenAFracturedLevelIsIncluded_ItsFlagAndGradeAreClearedAndItCounts()
    {
        var levels = Levels(150, 85, 120, 125, 130, 135).With(Level("L1", 85, "fracture: moderate (32% height loss)", [LevelFlags.Fracture], FractureGrade.Moderate));
        var findings = Analysed(levels);
        Assert.Equal("L2", findings.Screening!.LevelUsed);

        var outcome = Review.Apply(findings, new FindingsCorrection { Include = [new("L1", "no fracture: endplate is intact on the sagittal")] });

        var l1 = outcome.Corrected!.Vertebrae.Single(l => l.Level == "L1");
        Assert.False(l1.Excluded);
        Assert.Null(l1.FractureGrade);
        Assert.Equal([LevelFlags.ReviewerIncluded], l1.Flags);
        Assert.Equal("L1", outcome.Corrected.Screening!.LevelUsed);
        Assert.Equal(ScreeningCategory.Osteoporosis, outcome.Corrected.Screening.Category);
        Assert.Null(outcome.Corrected.Screening.Severity);
        Assert.Contains("flags cleared: fracture; fracture grade moderate cleared", outcome.Changes[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("L7", "reason", "there is no level 'L7'")]
    [InlineData("L2", " ", "needs a reason")]
    public void Apply_WhenTheLevelOrReasonIsWrong_RefusesWithWhy(string level, string reason, string problem)
    {
        var outcome = Review.Apply(Analysed(Levels(150, 100, 170, 160, 155, 150)), new FindingsCorrection { Exclude = [new(level, reason)] });

        Assert.Null(outcome.Corrected);
        Assert.Contains(problem, outcome.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_WhenIncludingALevelThatIsNotExcluded_Refuses()
    {
        var outcome = Review.Apply(Analysed(Levels(150, 100, 170, 160, 155, 150)), new FindingsCorrection { Include = [new("L2", "looks fine")] });

        Assert.Equal("L2 is not excluded", outcome.Problem);
    }

    [Fact]
    public void Apply_WhenThereAreNoLevels_RefusesTheShift()
    {
        Assert.Equal("the analysis found no levels to relabel", Review.Apply(Analysed([]), new FindingsCorrection { ShiftLabels = LabelShift.Up }).Problem);
    }

    [Fact]
    public void Apply_WhenNothingIsAsked_Refuses()
    {
        Assert.NotNull(Review.Apply(Analysed(Levels(150, 100, 170, 160, 155, 150)), new FindingsCorrection()).Problem);
    }

    [Fact]
    public void Apply_WhenTheAnalysisWasRejected_Refuses()
    {
        var rejected = new Findings { Status = AnalysisStatus.Rejected, AlgorithmVersion = "test", Reason = "no spine" };

        Assert.NotNull(Review.Apply(rejected, new FindingsCorrection { ShiftLabels = LabelShift.Up }).Problem);
    }
}
