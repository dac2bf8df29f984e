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

    /// <summary>A drop is taken once none of its files has changed for this long, so a copy in progress is never analysed half-done.</summary>
    [Range(0, 3600)]
    public double QuietSeconds { get; set; } = 10;

    [Range(0.1, 600)]
    public double PollSeconds { get; set; } = 2;
}

/// <summary>
/// Takes studies dropped in the inbox: each folder directly in it is one drop, and loose files together are another.
/// A drop goes to analysis once it has been quiet for the configured time.
/// </summary>
public sealed partial class InboxWatcher(HeldStudies held, IOptions<InboxOptions> options, TimeProvider clock, ILogger<InboxWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
        var quietSince = clock.GetUtcNow().UtcDateTime.AddSeconds(-options.Value.QuietSeconds);
        foreach (var drop in Directory.GetDirectories(inbox))
        {
            if (IsQuiet(Directory.GetFiles(drop, "*", SearchOption.AllDirectories), quietSince))
            {
                await AdmitAsync(drop, "inbox:" + System.IO.Path.GetFileName(drop), cancellationToken).ConfigureAwait(false);
            }
        }

        var loose = Directory.GetFiles(inbox).Where(f => !System.IO.Path.GetFileName(f).StartsWith('.')).ToArray();
        if (loose.Length > 0 && IsQuiet(loose, quietSince))
        {
            var gathered = held.NewIncomingFolder();
            foreach (var file in loose)
            {
                File.Move(file, System.IO.Path.Combine(gathered, System.IO.Path.GetFileName(file)));
            }

            await AdmitAsync(gathered, "inbox:loose files", cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsQuiet(string[] files, DateTime quietSince) =>
        files.Length > 0 && files.All(f => File.GetLastWriteTimeUtc(f) <= quietSince);

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

    [LoggerMessage(Level = LogLevel.Information, Message = "watching inbox {Inbox}")]
    private static partial void LogWatching(ILogger logger, string inbox);

    [LoggerMessage(Level = LogLevel.Information, Message = "inbox drop admitted as analysis {AnalysisId} (new: {Created})")]
    private static partial void LogAdmitted(ILogger logger, string analysisId, bool created);

    [LoggerMessage(Level = LogLevel.Warning, Message = "an inbox drop could not be admitted ({Error}); it stays and is tried again")]
    private static partial void LogNotAdmitted(ILogger logger, string error);
}
