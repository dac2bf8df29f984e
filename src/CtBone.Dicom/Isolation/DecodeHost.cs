using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace CtBone.Dicom.Isolation;

/// <summary>A running <c>ctbone-dicom-host --serve</c>, seen from the parent: one load at a time.</summary>
internal sealed class DecodeHost : IDisposable
{
    private const int StderrLimit = 4096;

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private Timer? _idleTimer;

    private DecodeHost(Process process, string command)
    {
        _process = process;
        Command = command;
    }

    /// <summary>The executable and arguments: hosts are reused only for the same command.</summary>
    public string Command { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the host wrote to stderr since the last request, at most the first 4 KB.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>The key hosts are pooled by: the executable and its arguments.</summary>
    public static string CommandOf(string executable, IReadOnlyList<string> arguments) => string.Join('\0', [executable, .. arguments]);

    public static DecodeHost Start(string executable, IReadOnlyList<string> arguments, string command)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = s_utf8,
            StandardOutputEncoding = s_utf8,
            StandardErrorEncoding = s_utf8,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new DicomDecodeHostException($"could not start {executable}");
        var host = new DecodeHost(process, command);
        process.ErrorDataReceived += (_, e) => host.KeepStderr(e.Data);
        process.BeginErrorReadLine();
        return host;
    }

    public void Send(DecodeRequest request)
    {
        lock (_stderr)
        {
            _stderr.Clear();
        }

        _process.StandardInput.WriteLine(JsonSerializer.Serialize(request, DecodeHostJson.Default.DecodeRequest));
        _process.StandardInput.Flush();
    }

    /// <summary>The host's next line of standard output; null once it has exited.</summary>
    public Task<string?> ReadLineAsync() => _process.StandardOutput.ReadLineAsync();

    /// <summary>Waits for the exit and for the rest of its stderr.</summary>
    public Task WaitForExitAsync() => _process.WaitForExitAsync(CancellationToken.None);

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }
    }

    /// <summary>Runs <paramref name="expire"/> once the host has been idle for <paramref name="after"/>.</summary>
    public void StartIdleTimer(TimeSpan after, Action expire) =>
        _idleTimer = new Timer(_ => expire(), null, after, Timeout.InfiniteTimeSpan);

    public void StopIdleTimer()
    {
        _idleTimer?.Dispose();
        _idleTimer = null;
    }

    /// <summary>
    /// Stops a healthy idle host the way it expects: its input closes, it leaves its loop and exits; one that does
    /// not within two seconds is killed.
    /// </summary>
    public void Close()
    {
        StopIdleTimer();
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Its end of the pipe is gone already.
        }

        if (!_process.WaitForExit(TimeSpan.FromSeconds(2)))
        {
            Kill();
        }

        Dispose();
    }

    /// <summary>Kills the host (crashed, hung or cancelled) and releases it; waits at most five seconds for the exit.</summary>
    public void Dispose()
    {
        StopIdleTimer();
        Kill();
        _process.WaitForExit(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }

    private void KeepStderr(string? line)
    {
        lock (_stderr)
        {
            if (line is not null && _stderr.Length < StderrLimit)
            {
                _stderr.AppendLine(line);
            }
        }
    }
}

/// <summary>
/// Idle decode hosts, shared by every <see cref="IsolatedStudyLoader"/> in this process, so that a worker loading
/// one study after another starts .NET and JITs the decoder once. A host that crashed, hung or was cancelled is
/// never returned; an idle one is stopped after <see cref="IsolatedStudyLoaderOptions.HostIdleTimeout"/>.
/// </summary>
internal static class DecodeHostPool
{
    private static readonly List<DecodeHost> s_idle = [];

    static DecodeHostPool() => AppDomain.CurrentDomain.ProcessExit += (_, _) => StopIdleHosts();

    public static DecodeHost Rent(string executable, IReadOnlyList<string> arguments)
    {
        var command = DecodeHost.CommandOf(executable, arguments);
        lock (s_idle)
        {
            for (var i = s_idle.Count - 1; i >= 0; i--)
            {
                var host = s_idle[i];
                if (host.Command != command)
                {
                    continue;
                }

                s_idle.RemoveAt(i);
                host.StopIdleTimer();
                if (!host.HasExited)
                {
                    return host;
                }

                host.Dispose();
            }
        }

        return DecodeHost.Start(executable, arguments, command);
    }

    public static void Return(DecodeHost host, TimeSpan keepIdle)
    {
        if (keepIdle <= TimeSpan.Zero || host.HasExited)
        {
            host.Close();
            return;
        }

        lock (s_idle)
        {
            s_idle.Add(host);
            host.StartIdleTimer(keepIdle, () => Expire(host));
        }
    }

    /// <summary>Process ids of the hosts waiting for work (for tests).</summary>
    internal static IReadOnlyList<int> IdleProcessIds()
    {
        lock (s_idle)
        {
            return s_idle.Select(h => h.ProcessId).ToList();
        }
    }

    internal static void StopIdleHosts()
    {
        List<DecodeHost> stopping;
        lock (s_idle)
        {
            stopping = [.. s_idle];
            s_idle.Clear();
        }

        foreach (var host in stopping)
        {
            host.Close();
        }
    }

    private static void Expire(DecodeHost host)
    {
        lock (s_idle)
        {
            if (!s_idle.Remove(host))
            {
                return;
            }
        }

        host.Close();
    }
}
