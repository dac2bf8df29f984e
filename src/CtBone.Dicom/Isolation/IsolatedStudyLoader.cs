using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Series;
using CtBone.Core.Volumes;

namespace CtBone.Dicom.Isolation;

/// <summary>
/// Loads a study in a child process (<c>ctbone-dicom-host</c>), because GDCM aborts its whole process on some
/// truncated headers and can hang on truncated JPEG (shared/STACK.md). The child journals every file before and
/// after GDCM touches it; when the child dies or stops making progress, the file it was on is recorded with the
/// reason and the load runs again without it. Nothing a file does can take the caller down.
/// </summary>
public sealed class IsolatedStudyLoader(IsolatedStudyLoaderOptions? options = null)
{
    private readonly IsolatedStudyLoaderOptions _options = options ?? new IsolatedStudyLoaderOptions();

    public async Task<StudyLoadResult> LoadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var clock = Stopwatch.StartNew();
        var excluded = new Dictionary<string, string>(StringComparer.Ordinal);
        var threads = _options.MaxDegreeOfParallelism;
        for (var attempt = 0; attempt < _options.MaxAttempts; attempt++)
        {
            var work = CreateWorkFolder();
            try
            {
                var run = await RunChildAsync(Path.GetFullPath(path), work, excluded, threads, clock, cancellationToken).ConfigureAwait(false);
                if (run.Result is { } result)
                {
                    return result with { Timings = result.Timings with { TotalMs = clock.Elapsed.TotalMilliseconds } };
                }

                var suspects = run.Suspects;
                if (suspects.Count == 1)
                {
                    excluded[suspects[0]] = run.Failure!;
                }
                else if (suspects.Count > 1 && threads > 1)
                {
                    // Two files were open at once: go again one file at a time to find the one that did it.
                    threads = 1;
                }
                else
                {
                    throw new DicomDecodeHostException($"the DICOM decode process failed outside any file: {run.Failure}");
                }
            }
            finally
            {
                TryDelete(work);
            }
        }

        return new StudyLoadResult
        {
            Status = StudyLoadStatus.Rejected,
            Reason = $"{excluded.Count} file(s) crashed or hung the DICOM decoder; gave up after {_options.MaxAttempts} attempts",
            SkippedFiles = excluded.Select(e => new FileIssue(e.Key, e.Value)).ToList(),
        };
    }

    private async Task<ChildRun> RunChildAsync(string path, string work, Dictionary<string, string> excluded, int threads, Stopwatch clock, CancellationToken cancellationToken)
    {
        var report = Path.Combine(work, "report.json");
        var volume = Path.Combine(work, "volume.i16");
        var journal = Path.Combine(work, "journal.txt");
        var exclusions = Path.Combine(work, "excluded.json");
        await File.WriteAllBytesAsync(exclusions, JsonSerializer.SerializeToUtf8Bytes(excluded, CtBoneJson.Options), cancellationToken).ConfigureAwait(false);

        var (executable, prefix) = HostCommand();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in prefix.Concat([path, report, volume, journal, exclusions, threads.ToString(CultureInfo.InvariantCulture)]))
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start) ?? throw new DicomDecodeHostException($"could not start {executable}");
        var stderr = new StringBuilder();
        child.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                if (e.Data is not null && stderr.Length < 4096)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        child.OutputDataReceived += (_, _) => { };
        child.BeginErrorReadLine();
        child.BeginOutputReadLine();

        string? killedFor = null;
        var lastLength = -1L;
        var lastProgress = Stopwatch.StartNew();
        try
        {
            while (!child.HasExited)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                tick.CancelAfter(_options.PollInterval);
                try
                {
                    await child.WaitForExitAsync(tick.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }

                var length = File.Exists(journal) ? new FileInfo(journal).Length : 0;
                if (length != lastLength)
                {
                    lastLength = length;
                    lastProgress.Restart();
                }

                if (!child.HasExited && lastProgress.Elapsed > _options.FileTimeout)
                {
                    killedFor = string.Create(CultureInfo.InvariantCulture, $"the DICOM decoder made no progress on this file for {_options.FileTimeout.TotalSeconds:0} s (hang); it was stopped");
                    child.Kill(entireProcessTree: true);
                }
                else if (!child.HasExited && clock.Elapsed > _options.TotalTimeout)
                {
                    child.Kill(entireProcessTree: true);
                    throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"loading the study took longer than {_options.TotalTimeout.TotalSeconds:0} s"));
                }
            }
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw;
        }

        await child.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        if (killedFor is null && child.ExitCode == DecodeHostProgram.Done && File.Exists(report))
        {
            var result = JsonSerializer.Deserialize<StudyLoadResult>(await File.ReadAllBytesAsync(report, cancellationToken).ConfigureAwait(false), CtBoneJson.Options)
                ?? throw new DicomDecodeHostException("the DICOM decode process wrote an empty report");
            if (result.Status == StudyLoadStatus.Loaded)
            {
                result = result with { Volume = ReadVolume(volume, result.Geometry!) };
            }

            return new ChildRun(result, [], null);
        }

        var failure = killedFor ?? DescribeExit(child.ExitCode, stderr.ToString());
        return new ChildRun(null, OpenFiles(journal), failure);
    }

    private static CtVolume ReadVolume(string path, VolumeGeometry geometry)
    {
        var hu = GC.AllocateUninitializedArray<short>(checked((int)geometry.VoxelCount));
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var bytes = MemoryMarshal.AsBytes(hu.AsSpan());
        stream.ReadExactly(bytes);
        return new CtVolume(geometry, hu);
    }

    /// <summary>Files the journal shows as opened and never closed: what the child was doing when it died.</summary>
    private static List<string> OpenFiles(string journal)
    {
        var open = new List<string>();
        if (!File.Exists(journal))
        {
            return open;
        }

        foreach (var line in File.ReadLines(journal))
        {
            if (line.Length < 3 || line[1] != '\t')
            {
                continue;
            }

            var file = line[2..];
            if (line[0] == 'B')
            {
                open.Add(file);
            }
            else if (line[0] == 'E')
            {
                open.Remove(file);
            }
        }

        return open;
    }

    private static string DescribeExit(int exitCode, string stderr)
    {
        var signal = exitCode > 128 ? exitCode - 128 : 0;
        var what = signal switch
        {
            6 => "GDCM aborted the decoder process (SIGABRT)",
            11 => "the decoder process crashed (SIGSEGV)",
            9 => "the decoder process was killed (SIGKILL; out of memory?)",
            7 => "the decoder process crashed (SIGBUS)",
            _ => string.Create(CultureInfo.InvariantCulture, $"the decoder process exited with code {exitCode}"),
        };
        var firstLine = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(l => !l.StartsWith("at ", StringComparison.Ordinal));
        return firstLine is null ? what : $"{what}: {Truncate(firstLine, 200)}";
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "...";

    private (string Executable, string[] Prefix) HostCommand()
    {
        var host = _options.HostAssemblyPath ?? Path.Combine(AppContext.BaseDirectory, "ctbone-dicom-host.dll");
        if (!File.Exists(host))
        {
            throw new DicomDecodeHostException($"the DICOM decode host is missing: {host}");
        }

        return (DotnetMuxer(), [host]);
    }

    /// <summary>The <c>dotnet</c> that runs this process, so that the child uses the same runtime.</summary>
    private static string DotnetMuxer()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        // .../dotnet/shared/Microsoft.NETCore.App/<version>/ -> .../dotnet/dotnet
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        var root = Directory.GetParent(runtime)?.Parent?.Parent?.FullName;
        var candidate = root is null ? null : Path.Combine(root, "dotnet");
        return candidate is not null && File.Exists(candidate) ? candidate : "dotnet";
    }

    private static string CreateWorkFolder()
    {
        // Shared memory when the machine has it: the volume crosses from child to parent without touching a disk.
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var folder = Path.Combine(root, "ctbone-decode-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed record ChildRun(StudyLoadResult? Result, List<string> Suspects, string? Failure);
}

/// <summary>Options for <see cref="IsolatedStudyLoader"/>.</summary>
public sealed record IsolatedStudyLoaderOptions
{
    /// <summary>The host assembly. Default: <c>ctbone-dicom-host.dll</c> beside the running application.</summary>
    public string? HostAssemblyPath { get; init; }

    /// <summary>Threads the child decodes with. Default: one per core.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>A file that keeps the decoder busy this long with no progress is a hang. Default 30 s (a 512² JPEG 2000 slice takes about 0.1 s).</summary>
    public TimeSpan FileTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest a whole load may take. Default 15 minutes.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Child runs before giving up: each crash or hang excludes one file. Default 12.</summary>
    public int MaxAttempts { get; init; } = 12;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>The decode host could not run or failed for a reason no input file explains: an internal failure.</summary>
public sealed class DicomDecodeHostException : Exception
{
    public DicomDecodeHostException()
    {
    }

    public DicomDecodeHostException(string message)
        : base(message)
    {
    }

    public DicomDecodeHostException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
