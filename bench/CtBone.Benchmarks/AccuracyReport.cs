using System.Diagnostics;
using System.Globalization;
using System.Text;
using CtBone.Core.Analysis;
using CtBone.Core.Phantoms;
using CtBone.Core.Series;
using CtBone.Core.Spine;

namespace CtBone.Benchmarks;

/// <summary>
/// <c>accuracy</c>: the analysis on a fixed list of generated phantoms (fixed seeds), each level compared with the
/// generator's truth. Prints one markdown row per preset: levels found, labels right, levels flagged uncertain, labels
/// wrong without the flag (must be 0), largest and mean HU error of the measured levels, exclusions, screening.
/// </summary>
internal static class AccuracyReport
{
    private static PhantomOptions Small(int seed) => new() { Seed = seed, MatrixSize = 256, PixelSpacingMm = 1.4, SliceThicknessMm = 3, SliceSpacingMm = 3, NoiseSdHu = 8 };

    private static PhantomOptions Preset(string name, int seed) =>
        PhantomPresets.Get(name) with { Seed = seed, MatrixSize = 256, PixelSpacingMm = 1.4, SliceThicknessMm = 3, SliceSpacingMm = 3, NoiseSdHu = 8 };

    private static readonly (string Name, PhantomOptions Options)[] s_cases =
    [
        ("standard, 256² 3 mm", Preset("standard", 401)),
        ("osteopenic, 256² 3 mm", Preset("osteopenic", 402)),
        ("osteoporotic, 256² 3 mm", Preset("osteoporotic", 403)),
        ("standard, 512² 1 mm, noise 12", new PhantomOptions { Seed = 404 }),
        ("standard, 512² 1 mm, noise 20", new PhantomOptions { Seed = 405, NoiseSdHu = 20 }),
        ("5 mm slices", Small(406) with { SliceThicknessMm = 5, SliceSpacingMm = 5 }),
        ("feet first", Small(407) with { PatientPosition = PatientPosition.Ffs }),
        ("scoliosis 20° with rotation", Small(408) with { ScoliosisDegrees = 20 }),
        ("pixels 0.5 mm", new PhantomOptions { Seed = 409, MatrixSize = 512, PixelSpacingMm = 0.5, SliceThicknessMm = 2, SliceSpacingMm = 2 }),
        ("pixels 1.0 mm", new PhantomOptions { Seed = 410, MatrixSize = 400, PixelSpacingMm = 1.0, SliceThicknessMm = 2, SliceSpacingMm = 2 }),
        ("patient offset 40, −25 mm", Small(411) with { PatientOffsetXMm = 40, PatientOffsetYMm = -25 }),
        ("screws L4–L5", Preset("osteopenic", 412) with { ScrewLevels = ["L4", "L5"] }),
        ("L1 fracture, moderate", Preset("osteoporotic", 413) with { Fracture = new VertebralFracture("L1", FractureGrade.Moderate) }),
        ("coverage T12–L3", Small(414) with { CoverageFromLevel = "T12", CoverageToLevel = "L3" }),
        ("11 rib pairs", Small(415) with { RibPairs = 11 }),
        ("13 rib pairs", Small(416) with { RibPairs = 13 }),
        ("6 lumbar vertebrae", Small(417) with { LumbarVertebrae = 6 }),
        ("arterial contrast", Small(418) with { Contrast = ContrastPhase.Arterial }),
        ("portal venous contrast", Small(419) with { Contrast = ContrastPhase.PortalVenous }),
    ];

    public static async Task<int> RunAsync()
    {
        var table = new StringBuilder();
        table.AppendLine("| phantom | levels | labels right | flagged uncertain | wrong, unflagged | max abs HU error | mean abs HU error | excluded | screening | s |");
        table.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (name, options) in s_cases)
        {
            var study = LumbarPhantom.Generate(options);
            var context = new SeriesContext
            {
                Acquisition = new AcquisitionInfo { KvP = 120, ContrastBolusAgent = options.Contrast == ContrastPhase.None ? null : "Iohexol" },
            };
            var clock = Stopwatch.StartNew();
            var findings = new SpineAnalyzer().Analyze(study.Primary.Volume, context);
            var seconds = clock.Elapsed.TotalSeconds;
            var levels = findings.Vertebrae;
            var right = 0;
            var uncertain = 0;
            var wrong = 0;
            var errors = new List<double>();
            foreach (var level in levels)
            {
                var truth = study.Truth.Vertebrae.MinBy(v => Math.Abs(v.CenterMm[2] - level.CenterMm[2]))!;
                var flagged = level.Flags.Contains(LevelFlags.LabelingUncertain);
                right += truth.Level == level.Level ? 1 : 0;
                uncertain += flagged ? 1 : 0;
                wrong += truth.Level != level.Level && !flagged ? 1 : 0;
                if (level.MeanHu is { } hu && !level.Excluded)
                {
                    errors.Add(Math.Abs(hu - truth.TrabecularHu));
                }
            }

            var excluded = string.Join(", ", levels.Where(l => l.Excluded).Select(l => $"{l.Level} ({l.Flags.FirstOrDefault(f => f != LevelFlags.LabelingUncertain) ?? "?"})"));
            var screening = findings.Screening is { } s ? $"{s.Category.ToString().ToLowerInvariant()} at {s.LevelUsed ?? "-"}" : findings.Reason ?? "-";
            table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {levels.Count} | {right}/{levels.Count} | {uncertain} | {wrong} | {(errors.Count > 0 ? errors.Max() : double.NaN):0.0} | {(errors.Count > 0 ? errors.Average() : double.NaN):0.0} | {excluded} | {screening} | {seconds:0.00} |"));
        }

        await Console.Out.WriteAsync(table.ToString()).ConfigureAwait(false);
        return 0;
    }
}
