using CtBone.Core.Analysis;
using CtBone.Core.Phantoms;
using CtBone.Core.Series;
using CtBone.Core.Spine;

namespace CtBone.Core.Tests.Analysis;

/// <summary>A generated phantom analysed in memory, with each reported level matched to the truth vertebra it sits in.</summary>
internal sealed record PhantomAnalysis(PhantomStudy Study, Findings Findings)
{
    /// <summary>Small, quick studies: a 256² matrix at 1.4 mm and 3 mm slices, as in test-dicoms.</summary>
    public static PhantomOptions Small(int seed) => new()
    {
        Seed = seed,
        MatrixSize = 256,
        PixelSpacingMm = 1.4,
        SliceThicknessMm = 3,
        SliceSpacingMm = 3,
        NoiseSdHu = 8,
    };

    public static PhantomAnalysis Run(PhantomOptions options, SpineAnalyzer? analyzer = null)
    {
        var study = LumbarPhantom.Generate(options);
        var context = new SeriesContext
        {
            StudyInstanceUid = study.Truth.StudyInstanceUid,
            SeriesInstanceUid = study.Truth.PrimarySeriesInstanceUid,
            Acquisition = new AcquisitionInfo
            {
                KvP = options.KvP,
                ContrastBolusAgent = options.Contrast == ContrastPhase.None ? null : "Iohexol",
                SliceThicknessMm = options.SliceThicknessMm,
                ConvolutionKernel = options.ConvolutionKernel,
            },
        };
        return new PhantomAnalysis(study, (analyzer ?? new SpineAnalyzer()).Analyze(study.Primary.Volume, context));
    }

    /// <summary>The truth vertebra whose body holds the reported level's centre (nearest along its axis).</summary>
    public VertebraTruth TruthOf(LevelFinding level)
    {
        ArgumentNullException.ThrowIfNull(level);
        return Study.Truth.Vertebrae.MinBy(v => Math.Abs(v.CenterMm[2] - level.CenterMm[2]))!;
    }

    public LevelFinding Level(string name) => Findings.Vertebrae.Single(v => v.Level == name);

    /// <summary>Truth levels from T12 down to the last lumbar vertebra that lie wholly in the field of view.</summary>
    public IEnumerable<VertebraTruth> CoveredLumbarTruth() =>
        Study.Truth.Vertebrae.Where(v => !v.IsSacral && v.CoverageFraction >= 0.999 && (v.Level.StartsWith('L') || v.Level is "T12" or "T13"));

    /// <summary>
    /// Every level reported with a label and no labeling-uncertain flag names the vertebra it sits in: never a
    /// confident wrong label.
    /// </summary>
    public void AssertNoConfidentWrongLabel()
    {
        foreach (var level in Findings.Vertebrae.Where(v => !v.Flags.Contains(LevelFlags.LabelingUncertain)))
        {
            Assert.True(TruthOf(level).Level == level.Level, $"{level.Level} (confidence {level.Confidence}) sits in {TruthOf(level).Level}");
        }
    }

    /// <summary>Every covered vertebra from T12 to the last lumbar is reported under its own name, measured within the tolerance.</summary>
    public void AssertLabelsAndHu(double toleranceHu)
    {
        Assert.Equal(AnalysisStatus.Completed, Findings.Status);
        var covered = CoveredLumbarTruth().ToList();
        Assert.NotEmpty(covered);
        foreach (var truth in covered)
        {
            var level = Findings.Vertebrae.SingleOrDefault(v => TruthOf(v).Level == truth.Level);
            Assert.True(level is not null, $"{truth.Level} was not found");
            Assert.Equal(truth.Level, level.Level);
            Assert.DoesNotContain(LevelFlags.LabelingUncertain, level.Flags);
            if (truth.HasScrew || truth.FractureGrade != FractureGrade.None)
            {
                continue;
            }

            Assert.False(level.Excluded, $"{level.Level} excluded: {level.ExclusionReason}");
            Assert.NotNull(level.MeanHu);
            Assert.InRange(level.MeanHu.Value, truth.TrabecularHu - toleranceHu, truth.TrabecularHu + toleranceHu);
        }
    }
}
