using System.ComponentModel;
using CtBone.Pacs;
using CtBone.Store;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>
/// Sends a completed analysis' DICOM objects (SR and overview) to its destination with STOW-RS. The only argument is the
/// analysis id; the delivery row is the truth. Sending twice is harmless: the objects' UIDs are fixed, so the PACS
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
        var delivery = await deliveries.GetAsync(analysisId, cancellationToken).ConfigureAwait(false);
        if (delivery is not { State: DeliveryState.Pending })
        {
            return;
        }

        var endpoint = destinations.Endpoint(delivery.TargetKind);
        if (endpoint is null)
        {
            await deliveries.RecordAttemptAsync(analysisId, DeliveryState.Failed, null, $"the destination '{delivery.TargetKind}' is not configured on this worker", null, cancellationToken).ConfigureAwait(false);
            LogFailed(logger, analysisId, delivery.Attempts + 1);
            return;
        }

        var objects = await deliveries.ObjectsAsync(analysisId, cancellationToken).ConfigureAwait(false);
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
                await deliveries.RecordAttemptAsync(analysisId, DeliveryState.Sent, endpoint.DicomWebRoot.ToString(), null, null, cancellationToken).ConfigureAwait(false);
                LogSent(logger, analysisId, files.Count);
                return;
            }

            var reasons = string.Join(", ", outcome.Failures.Select(f => f.FailureReason is { } code ? $"0x{code:X4}" : "no reason given"));
            // 409: the server refused every object (PS3.18 10.5.3), which sending the same bytes again will not change;
            // 202 (some stored) may be a resource limit of the moment, so it is tried again.
            await RetryOrFailAsync(
                analysisId,
                delivery,
                $"the PACS stored {outcome.StoredSopInstanceUids.Count} of {files.Count} objects (HTTP {(int)outcome.StatusCode}; failures: {reasons})",
                transient: outcome.StatusCode != System.Net.HttpStatusCode.Conflict,
                cancellationToken).ConfigureAwait(false);
        }
        catch (PacsException e)
        {
            await RetryOrFailAsync(analysisId, delivery, e.Message, e.IsTransient, cancellationToken).ConfigureAwait(false);
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

    private async Task RetryOrFailAsync(string analysisId, DeliveryRecord delivery, string reason, bool transient, CancellationToken cancellationToken)
    {
        var attempt = delivery.Attempts + 1;
        if (transient && attempt < options.Value.MaxAttempts)
        {
            var wait = options.Value.RetryDelay(attempt);
            await deliveries.RecordAttemptAsync(analysisId, DeliveryState.Pending, null, $"attempt {attempt} of {options.Value.MaxAttempts} failed, retrying: {reason}", clock.GetUtcNow() + wait, cancellationToken).ConfigureAwait(false);
            jobs.Schedule<ResultDeliveryJob>(job => job.RunAsync(analysisId, CancellationToken.None), wait);
            LogRetrying(logger, analysisId, attempt, reason);
            return;
        }

        var final = transient ? $"gave up after {attempt} attempts: {reason}" : reason;
        await deliveries.RecordAttemptAsync(analysisId, DeliveryState.Failed, null, final, null, cancellationToken).ConfigureAwait(false);
        LogFailed(logger, analysisId, attempt);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "analysis {AnalysisId}: {Count} DICOM objects sent to PACS")]
    private static partial void LogSent(ILogger logger, string analysisId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "analysis {AnalysisId}: delivery attempt {Attempt} failed, retrying: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string analysisId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "analysis {AnalysisId}: delivery failed after attempt {Attempt}")]
    private static partial void LogFailed(ILogger logger, string analysisId, int attempt);
}
