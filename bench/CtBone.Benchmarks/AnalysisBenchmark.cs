using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CtBone.Core.Analysis;
using CtBone.Core.Phantoms;
using CtBone.Dicom.Writing;

namespace CtBone.Benchmarks;

/// <summary>
/// Speed and memory of the spine analysis (issue 3): the analysis alone on a 512×512×~500 volume already in memory, and
/// <c>ctbone analyze</c> end to end (ingest, analysis, key images) on the same series written uncompressed, each run in a
/// fresh process. <c>analysis generate DIR</c> writes the series; <c>analysis run DIR CTBONE_DLL [REPEATS]</c> prints the table.
/// </summary>
internal static class AnalysisBenchmark
{
    private static PhantomOptions Options() => new() { Name = "bench-analysis", Seed = 11, SliceThicknessMm = 1, SliceSpacingMm = 0.63 };

    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["analysis", "generate", var target]:
                var primary = LumbarPhantom.Generate(Options()).Primary;
                CtSeriesWriter.Write(primary.Volume, primary.Attributes, target, DicomFileNaming.Plain, CancellationToken.None);
                await Console.Out.WriteLineAsync($"{primary.Volume.Geometry.Columns}x{primary.Volume.Geometry.Rows}x{primary.Volume.Geometry.Slices} written to {target}").ConfigureAwait(false);
                return 0;
            case ["analysis", "core"]:
                return await CoreOnceAsync().ConfigureAwait(false);
            case ["analysis", "run", var data, var ctbone, ..]:
                var repeats = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 5;
                return await CompareAsync(data, ctbone, repeats).ConfigureAwait(false);
            default:
                await Console.Error.WriteLineAsync("usage: CtBone.Benchmarks analysis generate DIR | analysis run DIR CTBONE_DLL [REPEATS] | analysis core").ConfigureAwait(false);
                return 64;
        }
    }

    /// <summary>One analysis of the in-memory volume after one warm-up; prints seconds, megabytes and peak RSS as JSON.</summary>
    private static async Task<int> CoreOnceAsync()
    {
        var volume = LumbarPhantom.Generate(Options()).Primary.Volume;
        var analyzer = new SpineAnalyzer();
        var warm = analyzer.Analyze(volume, new SeriesContext());
        var before = ProcessProbe.PeakRssMb("self");
        var clock = Stopwatch.StartNew();
        var findings = analyzer.Analyze(volume, new SeriesContext());
        var seconds = clock.Elapsed.TotalSeconds;
        if (findings.Status != AnalysisStatus.Completed || warm.Status != AnalysisStatus.Completed)
        {
            await Console.Error.WriteLineAsync("analysis did not complete: " + findings.Reason).ConfigureAwait(false);
            return 2;
        }

        var megabytes = volume.Hu.LongLength * 2 / 1e6;
        await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new Run(seconds, megabytes, Math.Max(before, ProcessProbe.PeakRssMb("self")), volume.Geometry.Slices))).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> CompareAsync(string data, string ctbone, int repeats)
    {
        var (self, selfArgs) = ProcessProbe.Self();
        var core = new List<Run>();
        var endToEnd = new List<(double Seconds, double PeakRssMb)>();
        var images = Directory.CreateTempSubdirectory("ctbone-bench-images-").FullName;
        try
        {
            // End to end first: ru_maxrss of waited-for children is a running maximum, so these runs must come before the
            // in-memory ones, whose process also holds the phantom generator's arrays.
            for (var r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                await ProcessProbe.RunAsync("dotnet", [ctbone, "analyze", data, "--format", "json", "--images", images]).ConfigureAwait(false);
                endToEnd.Add((clock.Elapsed.TotalSeconds, ProcessProbe.ChildrenPeakRssMb()));
            }

            for (var r = 0; r < repeats; r++)
            {
                core.Add(JsonSerializer.Deserialize<Run>(await ProcessProbe.RunAsync(self, [.. selfArgs, "analysis", "core"]).ConfigureAwait(false))!);
            }
        }
        finally
        {
            Directory.Delete(images, recursive: true);
        }

        var megabytes = core[0].Megabytes;
        var limit = (2 * megabytes) + 200;
        var table = new StringBuilder();
        table.AppendLine("| step | input | median s | min s | max s | goal s | peak RSS MB | memory limit MB |");
        table.AppendLine("|---|---|---|---|---|---|---|---|");
        table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| SpineAnalyzer.Analyze, volume in memory | 512×512×{core[0].Slices} ({megabytes:0} MB int16) | {ProcessProbe.Median(core.Select(c => c.Seconds)):0.000} | {core.Min(c => c.Seconds):0.000} | {core.Max(c => c.Seconds):0.000} | 1 | {ProcessProbe.Median(core.Select(c => c.PeakRssMb)):0} (whole process, phantom included) | - |"));
        table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| ctbone analyze --images, end to end | {core[0].Slices} files, explicit VR LE | {ProcessProbe.Median(endToEnd.Select(e => e.Seconds)):0.000} | {endToEnd.Min(e => e.Seconds):0.000} | {endToEnd.Max(e => e.Seconds):0.000} | 3 | {ProcessProbe.Median(endToEnd.Select(e => e.PeakRssMb)):0} (largest process) | {limit:0} |"));
        await Console.Out.WriteAsync(table.ToString()).ConfigureAwait(false);
        return 0;
    }

    private sealed record Run(double Seconds, double Megabytes, double PeakRssMb, int Slices);
}
