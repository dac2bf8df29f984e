using CtBone.Core.Analysis;
using CtBone.Store;
using Hangfire;

namespace CtBone.Worker;

/// <summary>
/// Where every source hands in a study: the analysis record is written first (deduplicated), then its job is enqueued.
/// A crash between the two leaves a queued record, which <see cref="UnfinishedWork"/> enqueues at the next start.
/// </summary>
public sealed class StudyIntake(AnalysisStore store, IBackgroundJobClient jobs)
{
    public async Task<(AnalysisRecord Record, bool Created)> SubmitAsync(
        string sourceKind, string sourceRef, string identity, string? studyInstanceUid, int? instanceCount, string? id, CancellationToken cancellationToken)
    {
        var request = new NewAnalysis
        {
            Id = id,
            SourceKind = sourceKind,
            SourceRef = sourceRef,
            DedupeKey = DedupeKey(sourceKind, identity, instanceCount),
            AlgorithmVersion = SpineAnalyzer.AlgorithmVersion,
            StudyInstanceUid = studyInstanceUid,
            InstanceCount = instanceCount,
        };
        var (record, created) = await store.CreateAsync(request, cancellationToken).ConfigureAwait(false);
        if (created)
        {
            Enqueue(record.Id, sourceKind);
        }

        return (record, created);
    }

    /// <summary>Studies of a batch go to a queue of their own, so that thousands of them never hold up what PACS sends meanwhile.</summary>
    public void Enqueue(string analysisId, string sourceKind)
    {
        if (sourceKind == StudySources.ArchiveFolder)
        {
            jobs.Enqueue<StudyAnalysisJob>(job => job.RunBatchAsync(analysisId, CancellationToken.None));
        }
        else
        {
            jobs.Enqueue<StudyAnalysisJob>(job => job.RunAsync(analysisId, CancellationToken.None));
        }
    }

    /// <summary>
    /// Pushes of the same study from the same source with as many instances are one request; a re-sent study with a
    /// different instance count is a new one (the one from more instances becomes current when both are done).
    /// </summary>
    public static string DedupeKey(string sourceKind, string identity, int? instanceCount) =>
        FormattableString.Invariant($"{sourceKind}|{identity}|{instanceCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}|{SpineAnalyzer.AlgorithmVersion}");
}
