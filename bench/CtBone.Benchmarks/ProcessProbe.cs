using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace CtBone.Benchmarks;

/// <summary>What the benchmarks measure about processes: runs in fresh child processes, medians, peak resident sets.</summary>
internal static partial class ProcessProbe
{
    /// <summary>Runs a child to the end and returns the last line it printed; a non-zero exit throws with its stderr.</summary>
    public static async Task<string> RunAsync(string executable, IEnumerable<string> args) =>
        (await OutputAsync(executable, args).ConfigureAwait(false)).Trim().Split('\n')[^1];

    /// <summary>Runs a child to the end and returns everything it printed on stdout; a non-zero exit throws with its stderr.</summary>
    public static async Task<string> OutputAsync(string executable, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{executable} {string.Join(' ', args)} failed ({process.ExitCode}): {await error.ConfigureAwait(false)}");
        }

        return await output.ConfigureAwait(false);
    }

    /// <summary>This benchmark program as a command: the dotnet muxer and the assembly, or the apphost alone.</summary>
    public static (string Executable, string[] Prefix) Self()
    {
        var self = Environment.ProcessPath!;
        return self.EndsWith("dotnet", StringComparison.Ordinal) ? (self, [typeof(ProcessProbe).Assembly.Location]) : (self, []);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>VmHWM of a process ("self" or a pid): its peak resident set; 0 when it is gone.</summary>
    public static double PeakRssMb(string process)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{process}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    /// <summary>Largest peak resident set of a child still running: the decode host, which outlives its loads.</summary>
    public static double LiveChildrenPeakRssMb() => Directory.EnumerateDirectories("/proc/self/task")
        .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Select(PeakRssMb)
        .DefaultIfEmpty(0)
        .Max();

    /// <summary>Largest peak resident set of any waited-for child, grandchildren included (getrusage RUSAGE_CHILDREN, ru_maxrss in KiB).</summary>
    public static double ChildrenPeakRssMb()
    {
        var usage = new long[18];
        return GetRusage(-1, usage) == 0 ? usage[4] / 1024.0 : double.NaN;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, [Out] long[] usage);
}
