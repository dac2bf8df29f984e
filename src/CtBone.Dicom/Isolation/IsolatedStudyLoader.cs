using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using CtBone.Core.Series;
using CtBone.Core.Volumes;

namespace CtBone.Dicom.Isolation;

/// <summary>
/// Loads a study in a child process (<c>ctbone-dicom-host</c>), because GDCM aborts its whole process on some
/// truncated headers and can hang on truncated JPEG (shared/STACK.md). The child journals every file before and
/// after GDCM touches it; when the child dies or stops making progress, the file it was on is recorded with the
/// reason and the load runs again without it. Nothing a file does can take the caller down.
/// A host that finished a load cleanly waits for the next one (<see cref="DecodeHostPool"/>), so a worker pays the
/// child's start-up once; the child writes each decoded slice into a shared-memory file that this process reads into
/// the volume's array: one copy of the voxels.
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
        var (executable, arguments) = HostCommand();
        var host = DecodeHostPool.Rent(executable, arguments);
        var request = new DecodeRequest(
            Guid.NewGuid(),
            path,
            Path.Combine(work, "report.json"),
            Path.Combine(work, "volume.i16"),
            Path.Combine(work, "journal.txt"),
            excluded,
            threads);
        var served = false;
        try
        {
            host.Send(request);
            string? killedFor = null;
            var lastLength = -1L;
            var lastProgress = Stopwatch.StartNew();
            var line = host.ReadLineAsync();
            while (true)
            {
                var tick = Task.Delay(_options.PollInterval, cancellationToken);
                if (await Task.WhenAny(line, tick).ConfigureAwait(false) == line)
                {
                    var text = await line.ConfigureAwait(false);
                    if (text is null || text == request.DoneLine)
                    {
                        served = text is not null;
                        break;
                    }

                    line = host.ReadLineAsync();
                    continue;
                }

                // Throws when the caller cancels; the host is stopped below.
                await tick.ConfigureAwait(false);
                var length = File.Exists(request.JournalPath) ? new FileInfo(request.JournalPath).Length : 0;
                if (length != lastLength)
                {
                    lastLength = length;
                    lastProgress.Restart();
                }

                if (lastProgress.Elapsed > _options.FileTimeout)
                {
                    killedFor = string.Create(CultureInfo.InvariantCulture, $"the DICOM decoder made no progress on this file for {_options.FileTimeout.TotalSeconds:0} s (hang); it was stopped");
                    host.Kill();
                    break;
                }

                if (clock.Elapsed > _options.TotalTimeout)
                {
                    host.Kill();
                    throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"loading the study took longer than {_options.TotalTimeout.TotalSeconds:0} s"));
                }
            }

            if (served && !File.Exists(request.ReportPath))
            {
                // A host that answers without a report is broken: stop it, and say so rather than blame the kill.
                served = false;
                killedFor = "the DICOM decode process answered without writing its report; it was stopped";
                host.Kill();
            }

            if (served)
            {
                var result = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(request.ReportPath, cancellationToken).ConfigureAwait(false), DecodeHostJson.Default.StudyLoadResult)
                    ?? throw new DicomDecodeHostException("the DICOM decode process wrote an empty report");
                if (result.Status == StudyLoadStatus.Loaded)
                {
                    result = result with { Volume = ReadVolume(request.VolumePath, result.Geometry!) };
                }

                return new ChildRun(result, [], null);
            }

            await host.WaitForExitAsync().ConfigureAwait(false);
            var failure = killedFor ?? DescribeExit(host.ExitCode, host.Stderr);
            return new ChildRun(null, OpenFiles(request.JournalPath), failure);
        }
        finally
        {
            // Only a host that finished its load cleanly serves the next one; any other is stopped (cancelled, hung or dead).
            if (served)
            {
                DecodeHostPool.Return(host, _options.HostIdleTimeout);
            }
            else
            {
                host.Dispose();
            }
        }
    }

    /// <summary>The parent's one copy of the voxels, from the shared file into the volume's array.</summary>
    private static CtVolume ReadVolume(string path, VolumeGeometry geometry)
    {
        var hu = VolumeMemory.Allocate(checked((int)geometry.VoxelCount));
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (RandomAccess.GetLength(file) != hu.LongLength * sizeof(short))
        {
            throw new DicomDecodeHostException("the DICOM decode process wrote a volume of the wrong size");
        }

        if (FileBytes.ReadAt(file, MemoryMarshal.AsBytes(hu.AsSpan()), 0) != hu.LongLength * sizeof(short))
        {
            throw new DicomDecodeHostException("the DICOM decode process's volume ended early");
        }

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

    private (string Executable, string[] Arguments) HostCommand()
    {
        var host = _options.HostAssemblyPath ?? Path.Combine(AppContext.BaseDirectory, "ctbone-dicom-host.dll");
        if (!File.Exists(host))
        {
            throw new DicomDecodeHostException($"the DICOM decode host is missing: {host}");
        }

        return (DotnetMuxer(), [host, "--serve"]);
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

    /// <summary>
    /// How long a decode host that finished a load waits for the next one before it is stopped. Default 5 minutes.
    /// Zero stops it after every load, so each load starts a fresh process (about a second of .NET start and JIT).
    /// </summary>
    public TimeSpan HostIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

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
