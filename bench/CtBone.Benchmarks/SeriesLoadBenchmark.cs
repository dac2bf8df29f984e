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
/// <c>measure FOLDER inprocess|isolated</c> is one such load and prints one JSON line.
/// </summary>
internal static partial class SeriesLoadBenchmark
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

        await Console.Error.WriteLineAsync("usage: CtBone.Benchmarks generate DATA [SLICES] | run DATA [REPEATS] | measure FOLDER inprocess|isolated").ConfigureAwait(false);
        return 64;
    }

    private static async Task<int> MeasureAsync(string folder, string mode)
    {
        var clock = Stopwatch.StartNew();
        var result = mode == "isolated"
            ? await new IsolatedStudyLoader().LoadAsync(folder, CancellationToken.None).ConfigureAwait(false)
            : new StudyLoader().Load(folder);
        var seconds = clock.Elapsed.TotalSeconds;
        if (result.Status != StudyLoadStatus.Loaded)
        {
            await Console.Error.WriteLineAsync("not loaded: " + result.Reason).ConfigureAwait(false);
            return 2;
        }

        var megabytes = result.Volume!.Hu.LongLength * 2 / 1e6;
        var line = JsonSerializer.Serialize(new Measurement(seconds, megabytes, PeakRssMb(), ChildrenPeakRssMb(), result.Volume.Geometry.Slices));
        await Console.Out.WriteLineAsync(line).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> CompareAsync(string data, int repeats)
    {
        var self = Environment.ProcessPath!;
        var selfArgs = self.EndsWith("dotnet", StringComparison.Ordinal) ? [typeof(SeriesLoadBenchmark).Assembly.Location] : Array.Empty<string>();
        var script = Path.Combine(AppContext.BaseDirectory, "pydicom_load.py");
        var table = new StringBuilder();
        table.AppendLine("| series | reader | median s | decoded MB/s (median) | vs pydicom | peak RSS MB (parent + child) | limit MB |");
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
            var readers = syntax == "explicit" ? new[] { "pydicom", "inprocess", "isolated" } : ["inprocess", "isolated"];

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
                var seconds = Median(list.Select(m => m.Seconds));
                var rate = list[0].Megabytes / seconds;
                if (reader == "pydicom")
                {
                    pydicomRate = rate;
                }

                var versus = pydicomRate is { } p && reader != "pydicom" ? (rate / p).ToString("0.0", CultureInfo.InvariantCulture) + "x" : "-";
                var peak = Median(list.Select(m => m.PeakRssMb + m.ChildPeakRssMb));
                var limit = (1.5 * list[0].Megabytes) + 150;
                var name = reader switch
                {
                    "pydicom" => "pydicom + numpy, 1 thread",
                    "inprocess" => "CtBone StudyLoader, 2 threads, in process",
                    _ => "CtBone IsolatedStudyLoader, 2 threads, child process",
                };
                table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {syntax} ({list[0].Slices} x 512²) | {name} | {seconds:0.000} | {rate:0} | {versus} | {peak:0} | {limit:0} |"));
            }
        }

        await Console.Out.WriteAsync(table.ToString()).ConfigureAwait(false);
        return 0;
    }

    private static async Task<Measurement> ChildAsync(string executable, string[] args)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        var error = await process.StandardError.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{executable} {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
        }

        return JsonSerializer.Deserialize<Measurement>(output.Trim().Split('\n')[^1])!;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>VmHWM of this process: its peak resident set.</summary>
    private static double PeakRssMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }

    /// <summary>Largest peak resident set of any waited-for child (getrusage RUSAGE_CHILDREN, ru_maxrss in KiB on Linux).</summary>
    private static double ChildrenPeakRssMb()
    {
        var usage = new long[18];
        return GetRusage(-1, usage) == 0 ? usage[4] / 1024.0 : double.NaN;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, [Out] long[] usage);

    private sealed record Measurement(double Seconds, double Megabytes, double PeakRssMb, double ChildPeakRssMb, int Slices);
}
