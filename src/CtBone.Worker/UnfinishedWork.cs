using CtBone.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>
/// Enqueues again what a dead process left: at start, and then every lease period for workers that died since. With
/// in-memory job storage (one machine) the whole queue died with the process, so every queued and running analysis is
/// enqueued at start; with PostgreSQL the queue survives and only analyses whose worker stopped renewing are taken.
/// </summary>
public sealed partial class UnfinishedWork(
    AnalysisStore store,
    ResultDeliveries deliveries,
    StudyIntake intake,
    Hangfire.IBackgroundJobClient jobs,
    IOptions<ServiceOptions> service,
    IOptions<WorkerOptions> worker,
    ILogger<UnfinishedWork> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var inMemory = !service.Value.UsesPostgreSql;
        if (inMemory)
        {
            await store.RequeueRunningAsync(stoppingToken).ConfigureAwait(false);
        }

        await EnqueueAsync(includeQueued: inMemory, stoppingToken).ConfigureAwait(false);
        if (inMemory)
        {
            await EnqueueDeliveriesAsync(stoppingToken).ConfigureAwait(false);
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(worker.Value.LeaseSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await EnqueueAsync(includeQueued: false, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task EnqueueAsync(bool includeQueued, CancellationToken cancellationToken)
    {
        try
        {
            var ids = await store.UnfinishedAsync(includeQueued, cancellationToken).ConfigureAwait(false);
            foreach (var (id, sourceKind) in ids)
            {
                intake.Enqueue(id, sourceKind);
            }

            if (ids.Count > 0)
            {
                LogEnqueued(logger, ids.Count);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e.GetType().Name, e.Message);
        }
    }

    /// <summary>
    /// Deliveries waiting for a retry were scheduled jobs of the dead process: each is enqueued again. So is the revision
    /// of a review whose results for PACS were not written yet (one revision per review step).
    /// </summary>
    private async Task EnqueueDeliveriesAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var id in await deliveries.PendingAsync(cancellationToken).ConfigureAwait(false))
            {
                ResultDeliveryJob.Enqueue(jobs, id);
            }

            foreach (var (id, reviewJson, latest) in await deliveries.ReviewedAsync(cancellationToken).ConfigureAwait(false))
            {
                var steps = ResultRevisionJob.ReviewSteps(reviewJson);
                if (steps > latest)
                {
                    ResultRevisionJob.Enqueue(jobs, id, steps);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e.GetType().Name, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "enqueued {Count} unfinished analyses again")]
    private static partial void LogEnqueued(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not look for unfinished analyses: {Error}: {Message}")]
    private static partial void LogFailed(ILogger logger, string error, string message);
}
