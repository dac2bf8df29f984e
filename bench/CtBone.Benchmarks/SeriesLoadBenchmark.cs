using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CtBone.Core.Series;
using CtBone.Dicom;
using CtBone.Dicom.Isolation;

namespace CtBone.Benchmarks;

/// <summary>
/// Series-load throughput and peak memory, CtBone beside pydicom, on the same files in one run.
/// <c>run DATA [REPEATS]</c> measures every syntax folder under DATA, each load in a fresh process;
/// <c>measure FOLDER inprocess|isolated|isolated-warm</c> is one such load and prints one JSON line. isolated-warm
/// loads part of the folder first, untimed, so that the timed load finds a decode host already running, as a worker's does.
/// </summary>
internal static class SeriesLoadBenchmark
{
    private static readonly string[] s_syntaxes = ["explicit", "jpeg", "j2k", "rle"];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["measure", var folder, var mode])
        {
            return await MeasureAsync(folder, mode).ConfigureAwait(false);
        }

        if (args is ["generate", var target, ..])
        {
            var slices = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 400;
            BenchmarkSeries.Generate(target, slices);
            return 0;
        }

        if (args is ["run", var data, ..])
        {
            var repeats = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
            return await CompareAsync(data, repeats).ConfigureAwait(false);
        }

        await Console.Error.WriteLineAsync("usage: CtBone.Benchmarks generate DATA [SLICES] | run DATA [REPEATS] | measure FOLDER inprocess|isolated|isolated-warm").ConfigureAwait(false);
        return 64;
    }

    private static async Task<int> MeasureAsync(string folder, string mode)
    {
        if (mode == "isolated-warm" && !await WarmUpHostAsync(folder).ConfigureAwait(false))
        {
            return 2;
        }

        var clock = Stopwatch.StartNew();
        var result = mode is "isolated" or "isolated-warm"
            ? await new IsolatedStudyLoader().LoadAsync(folder, CancellationToken.None).ConfigureAwait(false)
            : new StudyLoader().Load(folder);
        var seconds = clock.Elapsed.TotalSeconds;
        if (result.Status != StudyLoadStatus.Loaded)
        {
            await Console.Error.WriteLineAsync("not loaded: " + result.Reason).ConfigureAwait(false);
            return 2;
        }

        var megabytes = result.Volume!.Hu.LongLength * 2 / 1e6;
        var line = JsonSerializer.Serialize(new Measurement(seconds, megabytes, ProcessProbe.PeakRssMb("self"), Math.Max(ProcessProbe.ChildrenPeakRssMb(), ProcessProbe.LiveChildrenPeakRssMb()), result.Volume.Geometry.Slices));
        await Console.Out.WriteLineAsync(line).ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// One untimed load of copies of the folder's first 24 files, so that the timed load finds a decode host
    /// running and its code compiled, as a worker's second study does, while this process holds one volume only.
    /// </summary>
    private static async Task<bool> WarmUpHostAsync(string folder)
    {
        var warmUp = Path.Combine(Path.GetTempPath(), "ctbone-bench-warmup-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(warmUp);
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Take(24))
            {
                File.Copy(file, Path.Combine(warmUp, Path.GetFileName(file)));
            }

            var result = await new IsolatedStudyLoader().LoadAsync(warmUp, CancellationToken.None).ConfigureAwait(false);
            if (result.Status != StudyLoadStatus.Loaded)
            {
                await Console.Error.WriteLineAsync("warm-up not loaded: " + result.Reason).ConfigureAwait(false);
                return false;
            }

            return true;
        }
        finally
        {
            Directory.Delete(warmUp, recursive: true);
        }
    }

    private static async Task<int> CompareAsync(string data, int repeats)
    {
        var (self, selfArgs) = ProcessProbe.Self();
        var script = Path.Combine(AppContext.BaseDirectory, "pydicom_load.py");
        var table = new StringBuilder();
        table.AppendLine("| series | reader | median s | decoded MB/s (median) | vs pydicom | peak RSS MB: reader / decode host | limit MB (each process) |");
        table.AppendLine("|---|---|---|---|---|---|---|");
        double? pydicomRate = null;
        foreach (var syntax in s_syntaxes)
        {
            var folder = Path.Combine(data, syntax);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            var runs = new Dictionary<string, List<Measurement>>();
            var readers = syntax == "explicit" ? new[] { "pydicom", "inprocess", "isolated", "isolated-warm" } : ["inprocess", "isolated", "isolated-warm"];

            // Interleaved, so that a slow moment of the machine hits every reader alike.
            for (var r = 0; r < repeats; r++)
            {
                foreach (var reader in readers)
                {
                    var measurement = reader == "pydicom"
                        ? await ChildAsync("/usr/bin/python3", [script, folder]).ConfigureAwait(false)
                        : await ChildAsync(self, [.. selfArgs, "measure", folder, reader]).ConfigureAwait(false);
                    (runs.TryGetValue(reader, out var list) ? list : runs[reader] = []).Add(measurement);
                }
            }

            foreach (var reader in readers)
            {
                var list = runs[reader];
                var seconds = ProcessProbe.Median(list.Select(m => m.Seconds));
                var rate = list[0].Megabytes / seconds;
                if (reader == "pydicom")
                {
                    pydicomRate = rate;
                }

                var versus = pydicomRate is { } p && reader != "pydicom" ? (rate / p).ToString("0.0", CultureInfo.InvariantCulture) + "x" : "-";
                var peak = ProcessProbe.Median(list.Select(m => m.PeakRssMb));
                var childPeak = ProcessProbe.Median(list.Select(m => m.ChildPeakRssMb));
                var peaks = childPeak > 0 ? string.Create(CultureInfo.InvariantCulture, $"{peak:0} / {childPeak:0}") : string.Create(CultureInfo.InvariantCulture, $"{peak:0}");
                var limit = (1.5 * list[0].Megabytes) + 150;
                var name = reader switch
                {
                    "pydicom" => "pydicom + numpy, 1 thread",
                    "inprocess" => "CtBone StudyLoader, 2 threads, in process",
                    "isolated" => "CtBone IsolatedStudyLoader, 2 threads, first load (host starts)",
                    _ => "CtBone IsolatedStudyLoader, 2 threads, next load (host reused)",
                };
                table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {syntax} ({list[0].Slices} x 512²) | {name} | {seconds:0.000} | {rate:0} | {versus} | {peaks} | {limit:0} |"));
            }
        }

        await Console.Out.WriteAsync(table.ToString()).ConfigureAwait(false);
        return 0;
    }

    private static async Task<Measurement> ChildAsync(string executable, string[] args) =>
        JsonSerializer.Deserialize<Measurement>(await ProcessProbe.RunAsync(executable, args).ConfigureAwait(false))!;

    private sealed record Measurement(double Seconds, double Megabytes, double PeakRssMb, double ChildPeakRssMb, int Slices);
}
