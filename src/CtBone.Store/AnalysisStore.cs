using System.Buffers.Binary;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using Dapper;

namespace CtBone.Store;

/// <summary>What a source asks for: one study to analyse, with the key that makes a repeated push the same request.</summary>
public sealed record NewAnalysis
{
    /// <summary>The id to give the analysis when it is new (a source that files the study under it first); by default a new one.</summary>
    public string? Id { get; init; }

    public required string SourceKind { get; init; }

    public required string SourceRef { get; init; }

    /// <summary>Equal for pushes that must end in one analysis (same source, same study, same instance count, same algorithm).</summary>
    public required string DedupeKey { get; init; }

    public required string AlgorithmVersion { get; init; }

    public string? StudyInstanceUid { get; init; }

    public int? InstanceCount { get; init; }
}

/// <summary>A key image as stored: the file name the worker gave it and its PNG bytes.</summary>
public sealed record KeyImage(string Name, byte[] Png);

/// <summary>
/// The DICOM objects an analysis made for PACS and where they are to go (null: nowhere, and no delivery is recorded),
/// with what a reviewer's revision of them is written from (<see cref="ResultDeliveries.RevisionSourcesAsync"/>).
/// </summary>
public sealed record PacsResults(IReadOnlyList<ResultObject> Objects, DeliveryTarget? Target, IReadOnlyList<ResultObject>? RevisionSources = null);

/// <summary>Filters of the analyses list; dates are study dates, inclusive.</summary>
public sealed record AnalysisQuery
{
    public bool? Flagged { get; init; }

    public ScreeningCategory? Category { get; init; }

    public AnalysisState? State { get; init; }

    public DateOnly? From { get; init; }

    public DateOnly? To { get; init; }

    /// <summary>Matches the patient ID exactly or any part of the patient name, ignoring case.</summary>
    public string? Patient { get; init; }

    public string? Accession { get; init; }

    /// <summary>"severe" (or any severity the findings name).</summary>
    public string? Severity { get; init; }

    /// <summary>Exactly one scanner as <see cref="AnalysisStore.ScannersAsync"/> lists them (manufacturer and model).</summary>
    public string? Scanner { get; init; }

    /// <summary>True: only analyses a reviewer corrected or confirmed; false: only those not reviewed.</summary>
    public bool? Reviewed { get; init; }

    /// <summary>The patient ID or accession number exactly, or any part of the patient name, ignoring case.</summary>
    public string? Search { get; init; }

    /// <summary>Only the current result of each series (the default), or every analysis ever made.</summary>
    public bool CurrentOnly { get; init; } = true;

    public int Page { get; init; } = 1;

    public int PageSize { get; init; } = 50;
}

public sealed record AnalysisPage(IReadOnlyList<AnalysisRecord> Items, int Total, int Page, int PageSize);

/// <summary>
/// A reviewer's corrected result. From then on the list's category, severity and flag follow it and the API shows it;
/// the analysis' own findings stay as they were.
/// </summary>
public sealed record AnalysisReview
{
    public required Findings Corrected { get; init; }

    public required string CorrectedJson { get; init; }

    public required string ReviewedBy { get; init; }

    public required DateTimeOffset ReviewedAt { get; init; }

    /// <summary>The review document (decision on the flag, note, changes), as the API writes it.</summary>
    public required string ReviewJson { get; init; }

    /// <summary>The reviewer rejected the flag: the analysis leaves the flagged list whatever its category.</summary>
    public bool FlagRejected { get; init; }
}

/// <summary>What recording an outcome did: the record as it now stands, and whether it was final already (a repeated post).</summary>
public sealed record OutcomeRecorded(AnalysisRecord Record, bool WasAlreadyFinal);

/// <summary>
/// The analyses table: queueing (with dedupe), the worker's lease while it runs one, outcomes with the one-current-result
/// rule, listing and key images.
/// </summary>
public sealed class AnalysisStore(FindingsDatabase database, TimeProvider clock)
{
    public const int MaxPageSize = 200;

    /// <summary>Whole records: the row with its documents, which live apart so that list rows stay small.</summary>
    private const string RecordColumns = "a.*, d.findings_json, d.corrected_findings_json, d.review_json";

    private const string RecordSelect = "select " + RecordColumns + " from analyses a left join analysis_documents d on d.analysis_id = a.id";

    /// <summary>Queues an analysis unless one with the same dedupe key exists; returns the one that stands and whether it is new.</summary>
    public async Task<(AnalysisRecord Record, bool Created)> CreateAsync(NewAnalysis request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = request.Id ?? NewId();
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(
                """
                insert into analyses (id, dedupe_key, study_instance_uid, algorithm_version, source_kind, source_ref, instance_count, state, created_at)
                values (@id, @DedupeKey, @StudyInstanceUid, @AlgorithmVersion, @SourceKind, @SourceRef, @InstanceCount, 'queued', @now)
                on conflict (dedupe_key) do nothing
                """,
                new { id, request.DedupeKey, request.StudyInstanceUid, request.AlgorithmVersion, request.SourceKind, request.SourceRef, request.InstanceCount, now = Now() }).ConfigureAwait(false);
            var row = await connection.QuerySingleAsync<Row>(RecordSelect + " where a.dedupe_key = @DedupeKey", new { request.DedupeKey }).ConfigureAwait(false);
            return (row.ToRecord(), row.Id == id);
        }
    }

    public async Task<AnalysisRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<Row>(RecordSelect + " where a.id = @id", new { id }).ConfigureAwait(false);
            return row?.ToRecord();
        }
    }

    /// <summary>
    /// Takes an analysis for one worker until <paramref name="leaseUntil"/>: a queued one, or a running one whose holder
    /// stopped renewing its lease (a dead worker). False when it is final or a live lease holds it, even the caller's own:
    /// a second job for the same analysis in the same process must not run it twice at once.
    /// </summary>
    public async Task<bool> TryClaimAsync(string id, string owner, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var now = Now();
            return await connection.ExecuteAsync(
                """
                update analyses set state = 'running', lease_owner = @owner, lease_until = @until, attempts = attempts + 1, started_at = @now
                where id = @id and (state = 'queued' or (state = 'running' and (lease_until is null or lease_until < @now)))
                """,
                new { id, owner, until = StoreTime.Text(leaseUntil), now }).ConfigureAwait(false) == 1;
        }
    }

    /// <summary>Extends a lease the worker still holds; false when it lost it (another worker took over, or the analysis ended).</summary>
    public async Task<bool> RenewLeaseAsync(string id, string owner, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(
                "update analyses set lease_until = @until where id = @id and lease_owner = @owner and state = 'running'",
                new { id, owner, until = StoreTime.Text(leaseUntil) }).ConfigureAwait(false) == 1;
        }
    }

    /// <summary>Gives a running analysis back to the queue after a transient fault, keeping the fault as its reason.</summary>
    public async Task ReleaseAsync(string id, string owner, string reason, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(
                "update analyses set state = 'queued', lease_owner = null, lease_until = null, reason = @reason where id = @id and lease_owner = @owner and state = 'running'",
                new { id, owner, reason }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Puts every running analysis back in the queue. Only for a process that starts with in-memory job storage: then no
    /// other process can be running them, and their leases (still live on the clock) belong to the dead one.
    /// </summary>
    public async Task<int> RequeueRunningAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(
                "update analyses set state = 'queued', lease_owner = null, lease_until = null, reason = 'requeued: the process running it stopped' where state = 'running'").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The ids to enqueue again: with <paramref name="includeQueued"/> every queued analysis (a process starting with
    /// in-memory job storage lost its queue), and always every running one whose lease ran out (its worker died).
    /// </summary>
    public async Task<IReadOnlyList<(string Id, string SourceKind)>> UnfinishedAsync(bool includeQueued, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var unfinished = await connection.QueryAsync<(string, string)>(
                "select id, source_kind from analyses where (@includeQueued = 1 and state = 'queued') or (state = 'running' and (lease_until is null or lease_until < @now)) order by created_at",
                new { includeQueued = includeQueued ? 1 : 0, now = Now() }).ConfigureAwait(false);
            return [.. unfinished];
        }
    }

    /// <summary>
    /// Stores how an analysis ended. A completed one becomes the current result of its series and algorithm version,
    /// unless the current one came from more instances (a re-sent study with more slices wins, a shorter one does not).
    /// A repeated post of a final analysis changes nothing.
    /// </summary>
    public Task<OutcomeRecorded> RecordOutcomeAsync(
        string id, Findings findings, string findingsJson, IReadOnlyList<KeyImage> images, int? instanceCount, CancellationToken cancellationToken = default) =>
        RecordOutcomeAsync(id, findings, findingsJson, images, instanceCount, new PacsResults([], null), cancellationToken);

    /// <summary>
    /// As above, with the DICOM objects for PACS: stored with the outcome, in the same transaction, together with their
    /// delivery (pending when <see cref="PacsResults.Target"/> names a destination), so no crash can lose a delivery.
    /// </summary>
    public async Task<OutcomeRecorded> RecordOutcomeAsync(
        string id, Findings findings, string findingsJson, IReadOnlyList<KeyImage> images, int? instanceCount, PacsResults results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(results);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RecordOnceAsync(id, findings, findingsJson, images, instanceCount, results, cancellationToken).ConfigureAwait(false);
            }
            catch (DbException e) when (FindingsDatabase.IsUniqueViolation(e) && attempt < 3)
            {
                // Two results of one series finished at once; the index let one become current, so look again.
            }
        }
    }

    private async Task<OutcomeRecorded> RecordOnceAsync(
        string id, Findings findings, string findingsJson, IReadOnlyList<KeyImage> images, int? instanceCount, PacsResults results, CancellationToken cancellationToken)
    {
        var forUpdate = database.Kind == DatabaseKind.PostgreSql ? " for update" : string.Empty;
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var row = await connection.QuerySingleOrDefaultAsync<Row>(RecordSelect + " where a.id = @id" + (forUpdate.Length == 0 ? string.Empty : forUpdate + " of a"), new { id }, transaction).ConfigureAwait(false)
                    ?? throw new KeyNotFoundException($"no analysis {id}");
                if (row.ToRecord().IsFinal)
                {
                    return new OutcomeRecorded(row.ToRecord(), WasAlreadyFinal: true);
                }

                var state = findings.Status switch
                {
                    AnalysisStatus.Completed => AnalysisState.Completed,
                    AnalysisStatus.Rejected => AnalysisState.Rejected,
                    _ => AnalysisState.Failed,
                };
                var count = instanceCount ?? (int?)row.InstanceCount;
                var isCurrent = false;
                string? supersededBy = null;
                if (state == AnalysisState.Completed && findings.SeriesInstanceUid is { } series)
                {
                    if (database.Kind == DatabaseKind.PostgreSql)
                    {
                        // Under read committed, results of one series finishing together all saw "no current result"
                        // and collided on the unique index, more often than the retries below absorb (6 at once failed).
                        // A lock per series and algorithm version makes them take turns, as SQLite's write transaction does.
                        await connection.ExecuteAsync("select pg_advisory_xact_lock(@key)", new { key = SeriesLockKey(series, findings.AlgorithmVersion) }, transaction).ConfigureAwait(false);
                    }

                    var current = await connection.QuerySingleOrDefaultAsync<(string Id, long? InstanceCount)>(
                        "select id, instance_count from analyses where series_instance_uid = @series and algorithm_version = @version and is_current = 1 and id <> @id" + forUpdate,
                        new { series, version = findings.AlgorithmVersion, id }, transaction).ConfigureAwait(false);
                    if (current.Id is not null && (current.InstanceCount ?? 0) > (count ?? 0))
                    {
                        supersededBy = current.Id;
                    }
                    else
                    {
                        isCurrent = true;
                        if (current.Id is not null)
                        {
                            await connection.ExecuteAsync(
                                "update analyses set is_current = 0, superseded_by = @id where id = @old",
                                new { id, old = current.Id }, transaction).ConfigureAwait(false);
                        }
                    }
                }

                var study = findings.Study;
                var screening = findings.Screening;
                await connection.ExecuteAsync(
                    """
                    update analyses set state = @state, reason = @reason, study_instance_uid = coalesce(@studyUid, study_instance_uid),
                        series_instance_uid = @seriesUid, algorithm_version = @version, instance_count = @count, is_current = @isCurrent,
                        superseded_by = @supersededBy, finished_at = @now, lease_owner = null, lease_until = null,
                        patient_id = @patientId, patient_name = @patientName, patient_name_folded = @patientNameFolded, accession_number = @accession, study_date = @studyDate,
                        category = @category, severity = @severity, flagged = @flagged, level_used = @levelUsed, screening_hu = @hu,
                        scanner = @scanner
                    where id = @id
                    """,
                    new
                    {
                        id,
                        state = Text(state),
                        reason = findings.Reason ?? (supersededBy is null ? null : $"a result of the same series from more instances is current ({supersededBy})"),
                        studyUid = findings.StudyInstanceUid,
                        seriesUid = findings.SeriesInstanceUid,
                        version = findings.AlgorithmVersion,
                        count,
                        isCurrent = isCurrent ? 1 : 0,
                        supersededBy,
                        now = Now(),
                        patientId = study?.PatientId,
                        patientName = study?.PatientName,
                        patientNameFolded = study?.PatientName?.ToLowerInvariant(),
                        accession = study?.AccessionNumber,
                        studyDate = study?.StudyDate is { } date ? StoreTime.Text(date) : null,
                        category = screening is null ? null : Text(screening.Category),
                        severity = screening?.Severity,
                        flagged = state == AnalysisState.Completed && screening?.Category is ScreeningCategory.Osteopenia or ScreeningCategory.Osteoporosis ? 1 : 0,
                        levelUsed = screening?.LevelUsed,
                        hu = screening?.Hu,
                        scanner = ScannerName(findings.Acquisition),
                    },
                    transaction).ConfigureAwait(false);
                await connection.ExecuteAsync(
                    """
                    insert into analysis_documents (analysis_id, findings_json) values (@id, @findingsJson)
                    on conflict (analysis_id) do update set findings_json = excluded.findings_json
                    """,
                    new { id, findingsJson },
                    transaction).ConfigureAwait(false);
                await connection.ExecuteAsync("delete from key_images where analysis_id = @id", new { id }, transaction).ConfigureAwait(false);
                foreach (var image in images)
                {
                    await connection.ExecuteAsync(
                        "insert into key_images (analysis_id, name, png) values (@id, @Name, @Png)", new { id, image.Name, image.Png }, transaction).ConfigureAwait(false);
                }

                await new ResultDeliveries(database, clock).SaveAsync(
                    connection, transaction, id, state == AnalysisState.Completed ? results.Objects : [], results.Target, state == AnalysisState.Completed ? results.RevisionSources : null).ConfigureAwait(false);
                var stored = await connection.QuerySingleAsync<Row>(RecordSelect + " where a.id = @id", new { id }, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new OutcomeRecorded(stored.ToRecord(), WasAlreadyFinal: false);
            }
        }
    }

    public async Task<AnalysisPage> ListAsync(AnalysisQuery query, CancellationToken cancellationToken = default)
    {
        var statement = ListStatement.For(query);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // Two statements, not one with count(*) over (): the window reads every matching row before the limit applies
            // (19 against 150+ requests/s at 10,000 analyses, bench/README.md), while the count walks an index only and
            // the page reads the table for its rows. Sent together: on PostgreSQL each statement alone waits for the network.
            var results = await connection.QueryMultipleAsync(statement.Count + ";\n" + statement.Page, statement.Parameters).ConfigureAwait(false);
            await using (results.ConfigureAwait(false))
            {
                var total = await results.ReadSingleAsync<long>().ConfigureAwait(false);
                var rows = await results.ReadAsync<Row>().ConfigureAwait(false);
                return new AnalysisPage([.. rows.Select(r => r.ToRecord())], (int)total, statement.PageNumber, statement.PageSize);
            }
        }
    }

    /// <summary>
    /// Stores a reviewer's corrected result unless another review landed since <paramref name="basedOn"/> (the
    /// <see cref="AnalysisRecord.ReviewedAt"/> the reviewer saw; null for a first review). Only completed analyses are
    /// reviewed. Returns the record as it now stands, or null when it was not stored.
    /// </summary>
    public async Task<AnalysisRecord?> RecordReviewAsync(string id, AnalysisReview review, DateTimeOffset? basedOn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(review);
        var screening = review.Corrected.Screening;
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var changed = await connection.ExecuteAsync(
                    """
                    update analyses set reviewed_at = @at, reviewed_by = @by,
                        category = @category, severity = @severity, flagged = @flagged, level_used = @levelUsed, screening_hu = @hu
                    where id = @id and state = 'completed' and coalesce(reviewed_at, '') = @basedOn
                    """,
                    new
                    {
                        id,
                        at = StoreTime.Text(review.ReviewedAt),
                        by = review.ReviewedBy,
                        category = screening is null ? null : Text(screening.Category),
                        severity = screening?.Severity,
                        flagged = !review.FlagRejected && screening?.Category is ScreeningCategory.Osteopenia or ScreeningCategory.Osteoporosis ? 1 : 0,
                        levelUsed = screening?.LevelUsed,
                        hu = screening?.Hu,
                        basedOn = basedOn is { } b ? StoreTime.Text(b) : string.Empty,
                    },
                    transaction).ConfigureAwait(false);
                if (changed != 1)
                {
                    return null;
                }

                await connection.ExecuteAsync(
                    "update analysis_documents set corrected_findings_json = @json, review_json = @reviewJson where analysis_id = @id",
                    new { id, json = review.CorrectedJson, reviewJson = review.ReviewJson },
                    transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            return await GetAsync(id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The completed, current analyses of one patient (same patient ID), oldest study first: the patient's timeline.</summary>
    public async Task<IReadOnlyList<AnalysisRecord>> PatientHistoryAsync(string patientId, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<Row>(
                RecordSelect + " where a.patient_id = @patientId and a.state = 'completed' and a.is_current = 1 order by a.study_date, a.created_at",
                new { patientId }).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToRecord())];
        }
    }

    /// <summary>
    /// A batch's study folders in walk order, each with its analysis and documents, read as they are used: an export of
    /// tens of thousands holds one row at a time, not every findings document at once.
    /// </summary>
    public async IAsyncEnumerable<(string Folder, AnalysisRecord Record)> InBatchAsync(
        string batchId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = connection.QueryUnbufferedAsync<Row>(
                $"""
                select {RecordColumns}, i.folder as batch_folder
                from batch_items i join analyses a on a.id = i.analysis_id left join analysis_documents d on d.analysis_id = a.id
                where i.batch_id = @batchId order by i.folder
                """,
                new { batchId });
            await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                yield return (row.BatchFolder!, row.ToRecord());
            }
        }
    }

    /// <summary>The scanners of current results, for the list's scanner filter.</summary>
    public async Task<IReadOnlyList<string>> ScannersAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return [.. await connection.QueryAsync<string>("select distinct scanner from analyses where scanner is not null and is_current = 1 order by scanner").ConfigureAwait(false)];
        }
    }

    /// <summary>"Manufacturer Model" as the series' header names them; null when it names neither.</summary>
    public static string? ScannerName(AcquisitionSummary? acquisition)
    {
        var name = string.Join(' ', new[] { acquisition?.Manufacturer, acquisition?.ManufacturerModelName }.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n!.Trim()));
        return name.Length == 0 ? null : name;
    }

    public async Task<IReadOnlyList<string>> KeyImageNamesAsync(string id, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return [.. await connection.QueryAsync<string>("select name from key_images where analysis_id = @id order by name", new { id }).ConfigureAwait(false)];
        }
    }

    public async Task<byte[]?> KeyImageAsync(string id, string name, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.QuerySingleOrDefaultAsync<byte[]>(
                "select png from key_images where analysis_id = @id and name = @name", new { id, name }).ConfigureAwait(false);
        }
    }

    public static string NewId() => Guid.NewGuid().ToString("N");

    private static long SeriesLockKey(string series, string version) =>
        BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(series + "|" + version)));

    public static string Text(AnalysisState state) => state.ToString().ToLowerInvariant();

    public static string Text(ScreeningCategory category) => category.ToString().ToLowerInvariant();

    private string Now() => StoreTime.Text(clock.GetUtcNow());

    /// <summary>A row as the database returns it; both databases give integers and text, converted here.</summary>
    private sealed class Row
    {
        public string Id { get; set; } = string.Empty;

        /// <summary>Only in <see cref="InBatchAsync"/>'s rows.</summary>
        public string? BatchFolder { get; set; }

        public string? StudyInstanceUid { get; set; }

        public string? SeriesInstanceUid { get; set; }

        public string AlgorithmVersion { get; set; } = string.Empty;

        public string SourceKind { get; set; } = string.Empty;

        public string SourceRef { get; set; } = string.Empty;

        public long? InstanceCount { get; set; }

        public string State { get; set; } = string.Empty;

        public string? Reason { get; set; }

        public long IsCurrent { get; set; }

        public string? SupersededBy { get; set; }

        public long Attempts { get; set; }

        public string? LeaseOwner { get; set; }

        public string? LeaseUntil { get; set; }

        public string CreatedAt { get; set; } = string.Empty;

        public string? StartedAt { get; set; }

        public string? FinishedAt { get; set; }

        public string? PatientId { get; set; }

        public string? PatientName { get; set; }

        public string? AccessionNumber { get; set; }

        public string? StudyDate { get; set; }

        public string? Category { get; set; }

        public string? Severity { get; set; }

        public long Flagged { get; set; }

        public string? LevelUsed { get; set; }

        public double? ScreeningHu { get; set; }

        public string? FindingsJson { get; set; }

        public string? DedupeKey { get; set; }

        public string? Scanner { get; set; }

        public string? CorrectedFindingsJson { get; set; }

        public string? ReviewedAt { get; set; }

        public string? ReviewedBy { get; set; }

        public string? ReviewJson { get; set; }

        /// <summary>The list's window count (<c>count(*) over ()</c>); 0 elsewhere.</summary>
        public AnalysisRecord ToRecord() => new()
        {
            Id = Id,
            StudyInstanceUid = StudyInstanceUid,
            SeriesInstanceUid = SeriesInstanceUid,
            AlgorithmVersion = AlgorithmVersion,
            SourceKind = SourceKind,
            SourceRef = SourceRef,
            InstanceCount = InstanceCount is { } n ? (int)n : null,
            State = Enum.Parse<AnalysisState>(State, ignoreCase: true),
            Reason = Reason,
            IsCurrent = IsCurrent != 0,
            SupersededBy = SupersededBy,
            Attempts = (int)Attempts,
            LeaseOwner = LeaseOwner,
            LeaseUntil = StoreTime.Time(LeaseUntil),
            CreatedAt = StoreTime.Time(CreatedAt)!.Value,
            StartedAt = StoreTime.Time(StartedAt),
            FinishedAt = StoreTime.Time(FinishedAt),
            PatientId = PatientId,
            PatientName = PatientName,
            AccessionNumber = AccessionNumber,
            StudyDate = StoreTime.Date(StudyDate),
            Category = Category,
            Severity = Severity,
            Flagged = Flagged != 0,
            LevelUsed = LevelUsed,
            ScreeningHu = ScreeningHu,
            FindingsJson = FindingsJson,
            Scanner = Scanner,
            CorrectedFindingsJson = CorrectedFindingsJson,
            ReviewedAt = StoreTime.Time(ReviewedAt),
            ReviewedBy = ReviewedBy,
            ReviewJson = ReviewJson,
        };
    }
}
