using System.ComponentModel;
using System.Globalization;
using CtBone.Core.Analysis;
using CtBone.Store;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>
/// The pipeline job: its only argument is the analysis id, and running it twice does no harm. It takes a lease on the
/// analysis (so two workers never run one study at once), fetches the study, analyses it in a child process, and posts
/// the findings to the API. Transient faults give the analysis back for a retry; everything else is recorded once.
/// </summary>
public sealed partial class StudyAnalysisJob(
    AnalysisStore store,
    IEnumerable<IStudyFetcher> fetchers,
    AnalysisProcess analysis,
    FindingsPoster poster,
    IOptions<WorkerOptions> workerOptions,
    IOptions<ServiceOptions> serviceOptions,
    TimeProvider clock,
    ILogger<StudyAnalysisJob> logger)
{
    public const string Queue = "analysis";

    /// <summary>Batch studies: served by workers of their own (<see cref="WorkerOptions.BatchConcurrency"/>).</summary>
    public const string BatchQueue = "batch";

    /// <summary>Who holds a lease: this machine and process, unique across restarts.</summary>
    public static string WorkerName { get; } = string.Create(
        CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}");

    /// <summary>The same as <see cref="RunAsync"/>, in the batch queue (Hangfire takes the queue from the method).</summary>
    [Queue(BatchQueue)]
    [DisplayName("batch analysis {0}")]
    [AutomaticRetry(Attempts = 20, DelaysInSeconds = [2, 10, 30, 60, 120, 300], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public Task RunBatchAsync(string analysisId, CancellationToken cancellationToken) => RunAsync(analysisId, cancellationToken);

    [Queue(Queue)]
    [DisplayName("analysis {0}")]
    [AutomaticRetry(Attempts = 20, DelaysInSeconds = [2, 10, 30, 60, 120, 300], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task RunAsync(string analysisId, CancellationToken cancellationToken)
    {
        var options = workerOptions.Value;
        if (!await store.TryClaimAsync(analysisId, WorkerName, LeaseEnd(), cancellationToken).ConfigureAwait(false))
        {
            LogNotClaimed(logger, analysisId);
            return;
        }

        var record = await store.GetAsync(analysisId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"analysis {analysisId} vanished after it was claimed");
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var heartbeat = new Timer(_ => Renew(analysisId, lost), null, TimeSpan.FromSeconds(options.HeartbeatSeconds), TimeSpan.FromSeconds(options.HeartbeatSeconds));
        var scratch = Path.Combine(serviceOptions.Value.ScratchDirectory, analysisId);
        LogStarted(logger, analysisId, record.SourceKind, record.Attempts);
        try
        {
            var fetcher = fetchers.FirstOrDefault(f => f.SourceKind == record.SourceKind)
                ?? throw new StudyTransferException($"no source '{record.SourceKind}' is configured on this worker", isTransient: false);
            var study = await fetcher.FetchAsync(record, Path.Combine(scratch, "study"), lost.Token).ConfigureAwait(false);
            var outcome = await analysis.RunAsync(study.Folder, Path.Combine(scratch, "images"), lost.Token).ConfigureAwait(false);
            await poster.PostAsync(analysisId, outcome, study.InstanceCount, lost.Token).ConfigureAwait(false);
            LogFinished(logger, analysisId, outcome.Findings.Status, outcome.KeyImageFiles.Count);
        }
        catch (StudyTransferException e) when (e.IsTransient && record.Attempts < options.MaxAttempts)
        {
            LogTransient(logger, analysisId, record.Attempts, e.Message);
            await store.ReleaseAsync(analysisId, WorkerName, "retrying after: " + e.Message, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (StudyTransferException e)
        {
            var reason = e.IsTransient ? GaveUp(record.Attempts, e.Message) : e.Message;
            await RecordFailureAsync(analysisId, reason, e.IsTransient ? AnalysisStatus.Failed : AnalysisStatus.Rejected).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Another worker took the analysis over (this one stalled past its lease): its result is the one that counts.
            LogLeaseLost(logger, analysisId);
        }
        finally
        {
            await heartbeat.DisposeAsync().ConfigureAwait(false);
            TryDelete(scratch);
        }
    }

    /// <summary>A fault the API cannot be told about (it may be the fault) is written to the record directly, once.</summary>
    private async Task RecordFailureAsync(string analysisId, string reason, AnalysisStatus status)
    {
        var findings = new Findings { Status = status, Reason = reason, AlgorithmVersion = SpineAnalyzer.AlgorithmVersion };
        try
        {
            await poster.PostAsync(analysisId, new AnalysisOutcome(findings, []), null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StudyTransferException)
        {
            await store.RecordOutcomeAsync(analysisId, findings, System.Text.Json.JsonSerializer.Serialize(findings, Core.CtBoneJson.Options), [], null).ConfigureAwait(false);
        }

        LogRecordedFailure(logger, analysisId, status);
    }

    private void Renew(string analysisId, CancellationTokenSource lost)
    {
        try
        {
            if (!store.RenewLeaseAsync(analysisId, WorkerName, LeaseEnd()).GetAwaiter().GetResult())
            {
                lost.Cancel();
            }
        }
#pragma warning disable CA1031 // A missed heartbeat (database briefly busy) is not fatal: the lease has slack for several.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogHeartbeatFailed(logger, analysisId, e.GetType().Name);
        }
    }

    private DateTimeOffset LeaseEnd() => clock.GetUtcNow().AddSeconds(workerOptions.Value.LeaseSeconds);

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The recorded reason once transient faults used up every attempt.</summary>
    internal static string GaveUp(int attempts, string lastFault) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"gave up after {attempts} {(attempts == 1 ? "attempt" : "attempts")}: {lastFault}");

    [LoggerMessage(Level = LogLevel.Information, Message = "analysis {AnalysisId}: not claimed (finished, or another worker holds it)")]
    private static partial void LogNotClaimed(ILogger logger, string analysisId);

    [LoggerMessage(Level = LogLevel.Information, Message = "analysis {AnalysisId}: started from source {Source}, attempt {Attempt}")]
    private static partial void LogStarted(ILogger logger, string analysisId, string source, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "analysis {AnalysisId}: {Status}, {Images} key images posted")]
    private static partial void LogFinished(ILogger logger, string analysisId, AnalysisStatus status, int images);

    [LoggerMessage(Level = LogLevel.Warning, Message = "analysis {AnalysisId}: attempt {Attempt} hit a transient fault, retrying: {Fault}")]
    private static partial void LogTransient(ILogger logger, string analysisId, int attempt, string fault);

    [LoggerMessage(Level = LogLevel.Warning, Message = "analysis {AnalysisId}: recorded as {Status}")]
    private static partial void LogRecordedFailure(ILogger logger, string analysisId, AnalysisStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "analysis {AnalysisId}: lease lost to another worker; this run stops")]
    private static partial void LogLeaseLost(ILogger logger, string analysisId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "analysis {AnalysisId}: heartbeat failed ({Error})")]
    private static partial void LogHeartbeatFailed(ILogger logger, string analysisId, string error);
}
