using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>The watched folder (section "CtBone:Inbox").</summary>
public sealed class InboxOptions
{
    public const string Section = "CtBone:Inbox";

    /// <summary>The folder to watch; empty turns the inbox off. Put it on the data directory's file system: drops are moved, not copied.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// A drop is taken once it has looked the same (files, sizes, modification times) for this long and none of its
    /// files was modified within it, so a copy in progress is never analysed half-done, even one that keeps old times (cp -p).
    /// </summary>
    [Range(0, 3600)]
    public double QuietSeconds { get; set; } = 10;

    [Range(0.1, 600)]
    public double PollSeconds { get; set; } = 2;
}

/// <summary>
/// Takes studies dropped in the inbox: each folder directly in it is one drop, and loose files together are another.
/// A drop goes to analysis once it has been quiet for the configured time. At start, it first files the held studies a
/// stopped process left without a record.
/// </summary>
public sealed partial class InboxWatcher(HeldStudies held, IOptions<InboxOptions> options, TimeProvider clock, ILogger<InboxWatcher> logger) : BackgroundService
{
    /// <summary>What each drop looked like when it was first seen so, and when that was.</summary>
    private readonly Dictionary<string, (string Look, DateTimeOffset Since)> _looks = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken).ConfigureAwait(false);
        var inbox = options.Value.Path;
        if (string.IsNullOrWhiteSpace(inbox))
        {
            return;
        }

        Directory.CreateDirectory(inbox);
        LogWatching(logger, inbox);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PollSeconds));
        do
        {
            await SweepAsync(inbox, stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One look at the inbox: every quiet drop is admitted. A drop that fails is left in place and tried again next time.</summary>
    internal async Task SweepAsync(string inbox, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var drop in Directory.GetDirectories(inbox))
        {
            seen.Add(drop);
            if (IsQuiet(drop, Directory.GetFiles(drop, "*", SearchOption.AllDirectories)))
            {
                await AdmitAsync(drop, "inbox:" + System.IO.Path.GetFileName(drop), cancellationToken).ConfigureAwait(false);
            }
        }

        var loose = Directory.GetFiles(inbox).Where(f => !System.IO.Path.GetFileName(f).StartsWith('.')).ToArray();
        seen.Add(inbox);
        if (IsQuiet(inbox, loose))
        {
            var gathered = held.NewIncomingFolder();
            foreach (var file in loose)
            {
                File.Move(file, System.IO.Path.Combine(gathered, System.IO.Path.GetFileName(file)));
            }

            await AdmitAsync(gathered, "inbox:loose files", cancellationToken).ConfigureAwait(false);
        }

        foreach (var gone in _looks.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _looks.Remove(gone);
        }
    }

    /// <summary>
    /// Quiet: no file modified within the quiet time, and the drop has looked the same for that long. Modification times
    /// alone let a copy that keeps the originals' times (cp -p, rsync -t) be taken while files were still arriving.
    /// </summary>
    private bool IsQuiet(string drop, string[] files)
    {
        if (files.Length == 0)
        {
            _looks.Remove(drop);
            return false;
        }

        var now = clock.GetUtcNow();
        var quiet = TimeSpan.FromSeconds(options.Value.QuietSeconds);
        var infos = files.Select(f => new FileInfo(f)).ToArray();
        var look = string.Join('|', infos.OrderBy(i => i.FullName, StringComparer.Ordinal).Select(i => FormattableString.Invariant($"{i.FullName}:{i.Length}:{i.LastWriteTimeUtc.Ticks}")));
        if (!_looks.TryGetValue(drop, out var known) || known.Look != look)
        {
            _looks[drop] = (look, now);
            return quiet <= TimeSpan.Zero && infos.All(i => i.LastWriteTimeUtc <= now.UtcDateTime);
        }

        var taken = now - known.Since >= quiet && infos.All(i => i.LastWriteTimeUtc <= now.UtcDateTime - quiet);
        if (taken)
        {
            _looks.Remove(drop);
        }

        return taken;
    }

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await held.RecoverUnrecordedAsync(cancellationToken).ConfigureAwait(false) is var count and > 0)
            {
                LogRecovered(logger, count);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            LogNotRecovered(logger, e.GetType().Name);
        }
    }

    private async Task AdmitAsync(string drop, string origin, CancellationToken cancellationToken)
    {
        try
        {
            var (record, created) = await held.AdmitAsync(drop, origin, cancellationToken).ConfigureAwait(false);
            LogAdmitted(logger, record.Id, created);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            LogNotAdmitted(logger, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} held studies had no record (a process stopped while filing them): filed now")]
    private static partial void LogRecovered(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "held studies without a record could not be filed at start ({Error}); they stay")]
    private static partial void LogNotRecovered(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "watching inbox {Inbox}")]
    private static partial void LogWatching(ILogger logger, string inbox);

    [LoggerMessage(Level = LogLevel.Information, Message = "inbox drop admitted as analysis {AnalysisId} (new: {Created})")]
    private static partial void LogAdmitted(ILogger logger, string analysisId, bool created);

    [LoggerMessage(Level = LogLevel.Warning, Message = "an inbox drop could not be admitted ({Error}); it stays and is tried again")]
    private static partial void LogNotAdmitted(ILogger logger, string error);
}
