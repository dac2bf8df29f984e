using System.ComponentModel;
using CtBone.Pacs;
using CtBone.Store;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>
/// Sends a completed analysis' DICOM objects (SR and overview, and each reviewer's revision of them) to its destination
/// with STOW-RS. The only argument is the analysis id; the delivery rows are the truth, and every pending one is sent. Sending twice is harmless: the objects' UIDs are fixed, so the PACS
/// receives the same instances again. A transient fault is recorded with its reason and tried again after
/// <see cref="DeliveryOptions.RetryDelaysSeconds"/>, up to <see cref="DeliveryOptions.MaxAttempts"/>; anything else, or
/// the last attempt, records the delivery as failed.
/// </summary>
public sealed partial class ResultDeliveryJob(
    ResultDeliveries deliveries,
    DeliveryDestinations destinations,
    IHttpClientFactory http,
    IBackgroundJobClient jobs,
    IOptions<DeliveryOptions> options,
    IOptions<ServiceOptions> service,
    TimeProvider clock,
    ILogger<ResultDeliveryJob> logger)
{
    public const string Queue = "delivery";

    [Queue(Queue)]
    [DisplayName("deliver {0}")]
    // Retries of known faults are this job's own (scheduled with the configured waits); Hangfire's cover the unexpected.
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [30, 120, 600])]
    public async Task RunAsync(string analysisId, CancellationToken cancellationToken)
    {
        foreach (var delivery in await deliveries.AllAsync(analysisId, cancellationToken).ConfigureAwait(false))
        {
            if (delivery.State == DeliveryState.Pending)
            {
                await DeliverAsync(delivery, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends one revision's objects (0: the analysis' own) and records the attempt.</summary>
    private async Task DeliverAsync(DeliveryRecord delivery, CancellationToken cancellationToken)
    {
        var analysisId = delivery.AnalysisId;
        var endpoint = destinations.Endpoint(delivery.TargetKind);
        if (endpoint is null)
        {
            await deliveries.RecordAttemptAsync(
                analysisId, delivery.Revision, DeliveryState.Failed, null, $"the destination '{delivery.TargetKind}' is not configured on this worker", null, cancellationToken).ConfigureAwait(false);
            LogFailed(logger, analysisId, delivery.Revision, delivery.Attempts + 1);
            return;
        }

        var objects = await deliveries.ObjectsAsync(analysisId, delivery.Revision, cancellationToken).ConfigureAwait(false);
        var folder = Path.Combine(service.Value.ScratchDirectory, "delivery-" + analysisId + "-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(folder);
            var files = new List<string>();
            foreach (var item in objects)
            {
                var path = Path.Combine(folder, Path.GetFileName(item.Name));
                await File.WriteAllBytesAsync(path, item.Content, cancellationToken).ConfigureAwait(false);
                files.Add(path);
            }

            var client = new DicomWebClient(http.CreateClient(PacsSettings.HttpClientName), endpoint.DicomWebRoot, endpoint.Credentials);
            var outcome = await client.StoreAsync(files, cancellationToken).ConfigureAwait(false);
            if (outcome.AllStored)
            {
                await deliveries.RecordAttemptAsync(analysisId, delivery.Revision, DeliveryState.Sent, endpoint.DicomWebRoot.ToString(), null, null, cancellationToken).ConfigureAwait(false);
                LogSent(logger, analysisId, delivery.Revision, files.Count);
                return;
            }

            var reasons = string.Join(", ", outcome.Failures.Select(f => f.FailureReason is { } code ? $"0x{code:X4}" : "no reason given"));
            // 409: the server refused every object (PS3.18 10.5.3), which sending the same bytes again will not change;
            // 202 (some stored) may be a resource limit of the moment, so it is tried again.
            await RetryOrFailAsync(
                delivery,
                $"the PACS stored {outcome.StoredSopInstanceUids.Count} of {files.Count} objects (HTTP {(int)outcome.StatusCode}; failures: {reasons})",
                transient: outcome.StatusCode != System.Net.HttpStatusCode.Conflict,
                cancellationToken).ConfigureAwait(false);
        }
        catch (PacsException e)
        {
            await RetryOrFailAsync(delivery, e.Message, e.IsTransient, cancellationToken).ConfigureAwait(false);
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

    public static void Enqueue(IBackgroundJobClient jobs, string analysisId)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        jobs.Enqueue<ResultDeliveryJob>(job => job.RunAsync(analysisId, CancellationToken.None));
    }

    private async Task RetryOrFailAsync(DeliveryRecord delivery, string reason, bool transient, CancellationToken cancellationToken)
    {
        var (analysisId, revision) = (delivery.AnalysisId, delivery.Revision);
        var attempt = delivery.Attempts + 1;
        if (transient && attempt < options.Value.MaxAttempts)
        {
            var wait = options.Value.RetryDelay(attempt);
            await deliveries.RecordAttemptAsync(
                analysisId, revision, DeliveryState.Pending, null, $"attempt {attempt} of {options.Value.MaxAttempts} failed, retrying: {reason}", clock.GetUtcNow() + wait, cancellationToken).ConfigureAwait(false);
            // The job sends every pending delivery of the analysis; another revision waiting then goes along, which is harmless.
            jobs.Schedule<ResultDeliveryJob>(job => job.RunAsync(analysisId, CancellationToken.None), wait);
            LogRetrying(logger, analysisId, revision, attempt, reason);
            return;
        }

        var final = transient ? StudyAnalysisJob.GaveUp(attempt, reason) : reason;
        await deliveries.RecordAttemptAsync(analysisId, revision, DeliveryState.Failed, null, final, null, cancellationToken).ConfigureAwait(false);
        LogFailed(logger, analysisId, revision, attempt);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "analysis {AnalysisId} revision {Revision}: {Count} DICOM objects sent to PACS")]
    private static partial void LogSent(ILogger logger, string analysisId, int revision, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "analysis {AnalysisId} revision {Revision}: delivery attempt {Attempt} failed, retrying: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string analysisId, int revision, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "analysis {AnalysisId} revision {Revision}: delivery failed after attempt {Attempt}")]
    private static partial void LogFailed(ILogger logger, string analysisId, int revision, int attempt);
}
