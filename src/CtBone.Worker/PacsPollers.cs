using System.Globalization;
using CtBone.Pacs;
using CtBone.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>
/// Follows Orthanc's <c>/changes</c> feed: every StableStudy with a CT series is queued, keyed by the study and its CT
/// instance count (a re-sent study with more slices is a new analysis). The last change number read is kept in the
/// database, so a restart neither misses nor repeats changes; a change read twice is deduplicated anyway.
/// </summary>
public sealed partial class OrthancChangeFeed(
    IHttpClientFactory http, StudyIntake intake, SourcePositions positions, IOptions<OrthancOptions> options, ILogger<OrthancChangeFeed> logger) : BackgroundService
{
    private const int PageSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.IsConfigured)
        {
            return;
        }

        var orthanc = PacsSettings.Orthanc(http, options.Value);
        var position = "orthanc-changes:" + new Uri(options.Value.Url!).GetLeftPart(UriPartial.Path);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PollSeconds));
        do
        {
            try
            {
                var since = long.Parse(await positions.GetAsync(position, stoppingToken).ConfigureAwait(false) ?? "0", CultureInfo.InvariantCulture);
                OrthancChanges page;
                do
                {
                    page = await orthanc.GetChangesAsync(since, PageSize, stoppingToken).ConfigureAwait(false);
                    foreach (var change in page.Changes.Where(c => c.ChangeType == OrthancChangeTypes.StableStudy))
                    {
                        await QueueAsync(orthanc, change.Id, stoppingToken).ConfigureAwait(false);
                    }

                    since = page.Last;
                    await positions.SetAsync(position, since.ToString(CultureInfo.InvariantCulture), stoppingToken).ConfigureAwait(false);
                }
                while (!page.Done);
            }
            catch (PacsException e)
            {
                LogUnreachable(logger, e.IsTransient, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task QueueAsync(OrthancClient orthanc, string studyId, CancellationToken cancellationToken)
    {
        OrthancStudy study;
        try
        {
            study = await orthanc.GetStudyAsync(studyId, cancellationToken).ConfigureAwait(false);
        }
        catch (PacsException e) when (!e.IsTransient)
        {
            // Deleted from Orthanc since the change was logged: nothing to analyse.
            return;
        }

        var ct = study.Series.Where(s => s.Modality == "CT").Sum(s => s.InstanceCount);
        if (ct == 0)
        {
            return;
        }

        var (record, created) = await intake.SubmitAsync(StudySources.Orthanc, study.OrthancId, study.StudyInstanceUid, study.StudyInstanceUid, ct, null, cancellationToken).ConfigureAwait(false);
        LogQueued(logger, record.Id, created);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Orthanc StableStudy queued as analysis {AnalysisId} (new: {Created})")]
    private static partial void LogQueued(ILogger logger, string analysisId, bool created);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Orthanc's change feed could not be read (transient: {Transient}): {Fault}")]
    private static partial void LogUnreachable(ILogger logger, bool transient, string fault);
}

/// <summary>
/// Polls a DICOMweb server with QIDO-RS for CT studies of the last days. A study is queued once its instance count
/// has stayed the same for the quiet time (it has stopped arriving); the dedupe key (study and count) makes every
/// later poll that sees it again a no-op, in this process and after a restart.
/// </summary>
public sealed partial class DicomWebPoller(
    IHttpClientFactory http, StudyIntake intake, IOptions<DicomWebOptions> options, TimeProvider clock, ILogger<DicomWebPoller> logger) : BackgroundService
{
    private const int PageSize = 100;
    private readonly Dictionary<string, (int Count, DateTimeOffset Since)> _arriving = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.IsConfigured)
        {
            return;
        }

        var dicomWeb = PacsSettings.DicomWeb(http, options.Value);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PollSeconds));
        do
        {
            try
            {
                await PollAsync(dicomWeb, stoppingToken).ConfigureAwait(false);
            }
            catch (PacsException e)
            {
                LogUnreachable(logger, e.IsTransient, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task PollAsync(DicomWebClient dicomWeb, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var offset = 0; ; offset += PageSize)
        {
            var studies = await dicomWeb.SearchStudiesAsync("CT", today.AddDays(-options.Value.LookbackDays), today, offset, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var study in studies)
            {
                seen.Add(study.StudyInstanceUid);
                var count = study.NumberOfStudyRelatedInstances ?? 0;
                if (!_arriving.TryGetValue(study.StudyInstanceUid, out var known) || known.Count != count)
                {
                    _arriving[study.StudyInstanceUid] = (count, now);
                    known = (count, now);
                }

                if (now - known.Since >= TimeSpan.FromSeconds(options.Value.QuietSeconds))
                {
                    var (record, created) = await intake.SubmitAsync(StudySources.DicomWeb, study.StudyInstanceUid, study.StudyInstanceUid, study.StudyInstanceUid, count, null, cancellationToken).ConfigureAwait(false);
                    if (created)
                    {
                        LogQueued(logger, record.Id);
                    }
                }
            }

            if (studies.Count < PageSize)
            {
                break;
            }
        }

        foreach (var gone in _arriving.Keys.Where(uid => !seen.Contains(uid)).ToList())
        {
            _arriving.Remove(gone);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DICOMweb study queued as analysis {AnalysisId}")]
    private static partial void LogQueued(ILogger logger, string analysisId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the DICOMweb server could not be searched (transient: {Transient}): {Fault}")]
    private static partial void LogUnreachable(ILogger logger, bool transient, string fault);
}
