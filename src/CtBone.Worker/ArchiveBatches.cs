using System.ComponentModel.DataAnnotations;
using CtBone.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>Batch reprocessing of archive folders (section "CtBone:Batches").</summary>
public sealed class BatchOptions : IValidatableObject
{
    public const string Section = "CtBone:Batches";

    /// <summary>
    /// The folders batches may walk (absolute paths; a batch's folder must be one of them or inside one). Empty: no batch
    /// can be started. Mount an archive at the same path on the API and every worker.
    /// </summary>
    public IList<string> Roots { get; } = [];

    [Range(0.1, 600)]
    public double PollSeconds { get; set; } = 2;

    /// <summary>The root that holds <paramref name="folder"/> (an absolute path, already normalised), or null when none does.</summary>
    public string? RootOf(string folder) =>
        Roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)))
            .FirstOrDefault(r => folder == r || folder.StartsWith(Path.EndsInDirectorySeparator(r) ? r : r + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var root in Roots.Where(r => !Path.IsPathFullyQualified(r)))
        {
            yield return new ValidationResult($"'{root}' must be an absolute path", [nameof(Roots)]);
        }
    }
}

/// <summary>
/// Walks the folders of new batches, and of batches a stopped process left half walked: every folder
/// <see cref="BatchRecord.StudyDepth"/> levels below the batch's folder that holds files is one study, queued as an
/// analysis read in place (<see cref="StudySources.ArchiveFolder"/>). A walk resumed lists what it listed before once
/// more and changes nothing; a folder already analysed with as many files is the same analysis. Runs in the process
/// that runs the other sources.
/// </summary>
public sealed partial class ArchiveBatches(
    BatchStore batches, StudyIntake intake, IOptions<BatchOptions> options, ILogger<ArchiveBatches> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PollSeconds));
        do
        {
            try
            {
                foreach (var id in await batches.EnumeratingAsync(stoppingToken).ConfigureAwait(false))
                {
                    await WalkAsync(id, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The type only: messages of file system errors name paths, and archive paths may name patients.
                LogFailed(logger, e.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task WalkAsync(string batchId, CancellationToken cancellationToken)
    {
        var batch = await batches.GetAsync(batchId, cancellationToken).ConfigureAwait(false);
        if (batch is null)
        {
            return;
        }

        if (!Directory.Exists(batch.Folder))
        {
            await batches.FinishEnumerationAsync(batchId, $"the folder {batch.Folder} is not there (or not readable) on this machine", cancellationToken).ConfigureAwait(false);
            return;
        }

        var studies = 0;
        foreach (var folder in StudyFolders(batch.Folder, batch.StudyDepth))
        {
            if (studies % 50 == 49 && await batches.StateAsync(batchId, cancellationToken).ConfigureAwait(false) != BatchState.Enumerating)
            {
                return;
            }

            var files = Directory.EnumerateFiles(folder, "*", Everything).Count();
            if (files == 0)
            {
                continue;
            }

            var (record, _) = await intake.SubmitAsync(StudySources.ArchiveFolder, folder, folder, null, files, null, cancellationToken).ConfigureAwait(false);
            await batches.AddItemAsync(batchId, Path.GetRelativePath(batch.Folder, folder), record.Id, cancellationToken).ConfigureAwait(false);
            studies++;
        }

        await batches.FinishEnumerationAsync(batchId, cancellationToken: cancellationToken).ConfigureAwait(false);
        LogWalked(logger, batchId, studies);
    }

    /// <summary>The folders exactly <paramref name="depth"/> levels below <paramref name="root"/>, in ordinal order (hidden ones skipped).</summary>
    private static IEnumerable<string> StudyFolders(string root, int depth)
    {
        IEnumerable<string> level = [root];
        for (var i = 0; i < depth; i++)
        {
            level = level.SelectMany(f => Directory.EnumerateDirectories(f, "*", new EnumerationOptions { IgnoreInaccessible = true }).Order(StringComparer.Ordinal));
        }

        return level;
    }

    /// <summary>Every file below a study folder, unreadable ones passed over.</summary>
    internal static EnumerationOptions Everything { get; } = new() { RecurseSubdirectories = true, IgnoreInaccessible = true };

    [LoggerMessage(Level = LogLevel.Information, Message = "batch {BatchId}: {Count} study folders found and queued")]
    private static partial void LogWalked(ILogger logger, string batchId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "walking a batch failed ({Error}); tried again at the next poll")]
    private static partial void LogFailed(ILogger logger, string error);
}

/// <summary>A study folder of an archive, read where it is: it is never moved, changed or deleted.</summary>
public sealed class ArchiveFolderFetcher : IStudyFetcher
{
    public string SourceKind => StudySources.ArchiveFolder;

    public Task<FetchedStudy> FetchAsync(AnalysisRecord analysis, string scratch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        if (!Directory.Exists(analysis.SourceRef))
        {
            throw new StudyTransferException("the archive folder is not there (or not readable) on this worker", isTransient: false);
        }

        return Task.FromResult(new FetchedStudy(analysis.SourceRef, Directory.EnumerateFiles(analysis.SourceRef, "*", ArchiveBatches.Everything).Count()));
    }
}
