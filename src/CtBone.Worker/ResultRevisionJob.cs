using System.ComponentModel;
using CtBone.Store;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>
/// After a review: writes the revised SR and overview (<c>ctbone revise</c>, in a child process like <c>ctbone analyze</c>,
/// since GDCM may abort a process) from what the analysis stored for it and the corrected findings, stores them as the
/// next revision and enqueues their delivery to where the analysis' own objects went. Arguments are the analysis id and
/// the revision number; running it again for a stored revision changes nothing.
/// </summary>
public sealed partial class ResultRevisionJob(
    AnalysisStore store,
    ResultDeliveries deliveries,
    AnalysisProcess process,
    IBackgroundJobClient jobs,
    IOptions<DeliveryOptions> options,
    IOptions<ServiceOptions> service,
    ILogger<ResultRevisionJob> logger)
{
    [Queue(ResultDeliveryJob.Queue)]
    [DisplayName("revise {0} ({1})")]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [30, 120, 600])]
    public async Task RunAsync(string analysisId, int revision, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(analysisId, cancellationToken).ConfigureAwait(false);
        if (record is not { IsReviewed: true, CorrectedFindingsJson: { } corrected, ReviewedBy: { } reviewer, ReviewedAt: { } reviewedAt })
        {
            return;
        }

        var recorded = await deliveries.AllAsync(analysisId, cancellationToken).ConfigureAwait(false);
        if (recorded.Any(d => d.Revision == revision))
        {
            return;
        }

        var steps = ReviewSteps(record.ReviewJson);
        if (steps > revision)
        {
            // The corrections are read now, so this revision would hold the later step's too, and that step's own
            // revision will be written from the same: one revision for both.
            await deliveries.RecordUnwrittenRevisionAsync(
                analysisId, revision, $"not written: review step {steps} was saved first, and revision {steps} carries both", cancellationToken).ConfigureAwait(false);
            return;
        }

        var sources = await deliveries.RevisionSourcesAsync(analysisId, cancellationToken).ConfigureAwait(false);
        if (sources.Count == 0)
        {
            // Results stored before revisions existed, or an analysis that made no DICOM objects: nothing to revise from.
            LogNoSources(logger, analysisId);
            if (recorded.Count > 0)
            {
                await deliveries.RecordUnwrittenRevisionAsync(
                    analysisId, revision, "not written: this analysis was stored without what a revision is written from (before revisions existed); PACS keeps its unreviewed objects", cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var folder = Path.Combine(service.Value.ScratchDirectory, "revision-" + analysisId + "-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var sourceFolder = Path.Combine(folder, AnalysisProcess.RevisionSourcesFolder);
            var output = Path.Combine(folder, "out");
            Directory.CreateDirectory(sourceFolder);
            foreach (var source in sources)
            {
                await File.WriteAllBytesAsync(Path.Combine(sourceFolder, Path.GetFileName(source.Name)), source.Content, cancellationToken).ConfigureAwait(false);
            }

            var findings = Path.Combine(folder, "corrected-findings.json");
            await File.WriteAllTextAsync(findings, corrected, cancellationToken).ConfigureAwait(false);
            var replaces = await deliveries.LatestWrittenRevisionAsync(analysisId, revision, cancellationToken).ConfigureAwait(false);
            var problem = await process.ReviseAsync(
                new RevisionRequest(sourceFolder, findings, revision, replaces, reviewer, reviewedAt, options.Value.VerifyingOrganization, output), cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                // A deterministic failure of the writer: retrying would fail the same way. The reviewed result stands in
                // CtBone, and the page says that PACS did not get it; the next review step writes the next revision.
                LogFailed(logger, analysisId, revision, problem);
                await deliveries.RecordUnwrittenRevisionAsync(
                    analysisId, revision, $"not written: {problem}; PACS keeps the objects sent before", cancellationToken).ConfigureAwait(false);
                return;
            }

            var objects = new List<ResultObject>();
            foreach (var file in Directory.GetFiles(output, "*.dcm").Order(StringComparer.Ordinal))
            {
                objects.Add(new ResultObject(Path.GetFileName(file), await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false)));
            }

            if (await deliveries.SaveRevisionAsync(analysisId, revision, objects, cancellationToken).ConfigureAwait(false))
            {
                ResultDeliveryJob.Enqueue(jobs, analysisId);
            }

            LogWritten(logger, analysisId, revision, objects.Count);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>How many review steps a stored review document holds: one revision is written per step.</summary>
    public static int ReviewSteps(string? reviewJson)
    {
        if (reviewJson is null)
        {
            return 0;
        }

        using var review = System.Text.Json.JsonDocument.Parse(reviewJson);
        return review.RootElement.TryGetProperty("steps", out var list) && list.ValueKind == System.Text.Json.JsonValueKind.Array ? list.GetArrayLength() : 0;
    }

    public static void Enqueue(IBackgroundJobClient jobs, string analysisId, int revision)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        jobs.Enqueue<ResultRevisionJob>(job => job.RunAsync(analysisId, revision, CancellationToken.None));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "analysis {AnalysisId}: revision {Revision} of the results for PACS written ({Count} DICOM objects)")]
    private static partial void LogWritten(ILogger logger, string analysisId, int revision, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "analysis {AnalysisId}: revision {Revision} of the results for PACS not written: {Reason}")]
    private static partial void LogFailed(ILogger logger, string analysisId, int revision, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "analysis {AnalysisId}: reviewed, but no revision sources are stored; PACS keeps the analysis' own results")]
    private static partial void LogNoSources(ILogger logger, string analysisId);
}
