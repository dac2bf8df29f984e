using System.Diagnostics;
using System.Text;

using CtBone.TestSupport;

namespace CtBone.Service.Tests;

/// <summary>A long-running ctbone process (serve, api, worker) whose output is kept, to read and to check for PHI.</summary>
internal sealed class CtBoneProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log;

    private CtBoneProcess(Process process, StringBuilder log)
    {
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything it printed so far, both streams interleaved by line.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts ctbone with the arguments and extra environment; its lines go to <paramref name="log"/> (kept across restarts) or a log of its own.</summary>
    public static CtBoneProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, StringBuilder? log = null)
    {
        var start = CtBoneCommand.Start([.. args]);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var started = new CtBoneProcess(process, log ?? new StringBuilder());
        process.OutputDataReceived += (_, e) => started.Append(e.Data);
        process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>SIGKILL, as a crash or the OOM killer would: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, as docker stop or systemd sends it; then waits up to <paramref name="timeout"/> for the exit code (null: still running).</summary>
    public async Task<int?> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
