using Dapper;

namespace CtBone.Store;

/// <summary>A DICOM object an analysis produced for PACS (the SR, the overview), as stored: its file name and bytes.</summary>
public sealed record ResultObject(string Name, byte[] Content);

/// <summary>Where a delivery stands. Pending is retried; Sent and Failed are final; None means there is nowhere to send.</summary>
public enum DeliveryState
{
    Pending,
    Sent,
    Failed,
    None,
}

/// <summary>Where an analysis' DICOM objects go: the kind of destination (resolved from configuration when sent) and what it was.</summary>
/// <param name="Kind">"orthanc", "dicomweb" or "configured" (CtBone:Delivery:StowUrl); "none" when nothing is configured.</param>
/// <param name="Description">The destination's URL as shown to users (no credentials), or why there is none.</param>
public sealed record DeliveryTarget(string Kind, string Description);

/// <summary>The delivery of one analysis' DICOM objects back to PACS: its own (revision 0), or a reviewer's revision of them.</summary>
public sealed record DeliveryRecord
{
    public required string AnalysisId { get; init; }

    /// <summary>0 for the analysis' own objects; 1, 2, ... for the objects revised after each review.</summary>
    public int Revision { get; init; }

    public required DeliveryState State { get; init; }

    public required string TargetKind { get; init; }

    public string? Target { get; init; }

    /// <summary>The last failure (kept while retrying, so the page can say why it has not arrived yet), or why there is no destination.</summary>
    public string? Reason { get; init; }

    public int Attempts { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }

    public DateTimeOffset? SentAt { get; init; }
}

/// <summary>
/// The result_objects, revision_sources and deliveries tables: what goes back to PACS, what a revision of it is written
/// from, and how far each delivery got. An analysis has one delivery per revision of its objects (0: its own).
/// </summary>
public sealed class ResultDeliveries(FindingsDatabase database, TimeProvider clock)
{
    public async Task<IReadOnlyList<string>> ObjectNamesAsync(string analysisId, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return [.. await connection.QueryAsync<string>("select name from result_objects where analysis_id = @analysisId order by name", new { analysisId }).ConfigureAwait(false)];
        }
    }

    public async Task<byte[]?> ObjectAsync(string analysisId, string name, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.QuerySingleOrDefaultAsync<byte[]>(
                "select content from result_objects where analysis_id = @analysisId and name = @name", new { analysisId, name }).ConfigureAwait(false);
        }
    }

    /// <summary>The objects of one revision (0: the analysis' own), to send.</summary>
    public async Task<IReadOnlyList<ResultObject>> ObjectsAsync(string analysisId, int revision = 0, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<(string Name, byte[] Content)>(
                "select name, content from result_objects where analysis_id = @analysisId and revision = @revision order by name", new { analysisId, revision }).ConfigureAwait(false);
            return [.. rows.Select(r => new ResultObject(r.Name, r.Content))];
        }
    }

    /// <summary>What a revision is written from (the SR input without pixel data, the overview's reformat), stored with the analysis' own objects.</summary>
    public async Task<IReadOnlyList<ResultObject>> RevisionSourcesAsync(string analysisId, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<(string Name, byte[] Content)>(
                "select name, content from revision_sources where analysis_id = @analysisId order by name", new { analysisId }).ConfigureAwait(false);
            return [.. rows.Select(r => new ResultObject(r.Name, r.Content))];
        }
    }

    /// <summary>The latest revision below <paramref name="revision"/> whose objects were written (0: the analysis' own).</summary>
    public async Task<int> LatestWrittenRevisionAsync(string analysisId, int revision, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return (int)await connection.ExecuteScalarAsync<long>(
                "select coalesce(max(revision), 0) from result_objects where analysis_id = @analysisId and revision < @revision", new { analysisId, revision }).ConfigureAwait(false);
        }
    }

    /// <summary>Every delivery of the analysis, its own first, then each revision.</summary>
    public async Task<IReadOnlyList<DeliveryRecord>> AllAsync(string analysisId, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<Row>("select * from deliveries where analysis_id = @analysisId order by revision", new { analysisId }).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToRecord())];
        }
    }

    /// <summary>Analyses with a delivery still to be tried: what a process starting with in-memory job storage enqueues again.</summary>
    public async Task<IReadOnlyList<string>> PendingAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var pending = await connection.QueryAsync<string>("select analysis_id from deliveries where state = 'pending' order by updated_at").ConfigureAwait(false);
            return [.. pending.Distinct(StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// Reviewed analyses that can be revised (their revision sources are stored), with their review document and the
    /// latest revision written: what a process starting with in-memory job storage compares to find revisions lost with it.
    /// </summary>
    public async Task<IReadOnlyList<(string AnalysisId, string ReviewJson, int LatestRevision)>> ReviewedAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<(string Id, string ReviewJson, long Latest)>(
                """
                select a.id, doc.review_json, coalesce((select max(d.revision) from deliveries d where d.analysis_id = a.id), 0)
                from analyses a join analysis_documents doc on doc.analysis_id = a.id
                where a.reviewed_at is not null and doc.review_json is not null and exists (select 1 from revision_sources s where s.analysis_id = a.id)
                """).ConfigureAwait(false);
            return [.. rows.Select(r => (r.Id, r.ReviewJson, (int)r.Latest))];
        }
    }

    /// <summary>Records an attempt: sent, or failed with its reason, retried (pending, at <paramref name="nextAttemptAt"/>) or given up.</summary>
    public async Task RecordAttemptAsync(
        string analysisId, int revision, DeliveryState state, string? target, string? reason, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var now = StoreTime.Text(clock.GetUtcNow());
            await connection.ExecuteAsync(
                """
                update deliveries set state = @state, target = coalesce(@target, target), reason = @reason, attempts = attempts + 1,
                    updated_at = @now, next_attempt_at = @next, sent_at = case when @state = 'sent' then @now else sent_at end
                where analysis_id = @analysisId and revision = @revision
                """,
                new { analysisId, revision, state = Text(state), target, reason, now, next = nextAttemptAt is { } at ? StoreTime.Text(at) : null }).ConfigureAwait(false);
        }
    }

    /// <summary>Puts the analysis' failed deliveries back in the queue (a resend asked for by a reviewer or admin); false when none is failed.</summary>
    public async Task<bool> RetryAsync(string analysisId, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(
                "update deliveries set state = 'pending', attempts = 0, next_attempt_at = null, updated_at = @now where analysis_id = @analysisId and state = 'failed'",
                new { analysisId, now = StoreTime.Text(clock.GetUtcNow()) }).ConfigureAwait(false) > 0;
        }
    }

    /// <summary>
    /// Stores a revision's objects and starts its delivery, to the destination of the analysis' own (or nowhere, with
    /// the reason, when that has none). Storing the same revision again changes nothing: the job that writes it may run twice.
    /// </summary>
    /// <returns>True when the revision is stored and its delivery pending.</returns>
    public Task<bool> SaveRevisionAsync(string analysisId, int revision, IReadOnlyList<ResultObject> objects, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objects);
        return StoreRevisionAsync(
            analysisId,
            revision,
            objects,
            own => own is null || own.TargetKind == "none"
                ? new DeliveryTarget("none", own?.Reason ?? "the analysis' own objects had no delivery")
                : new DeliveryTarget(own.TargetKind, own.Target ?? own.TargetKind),
            cancellationToken);
    }

    /// <summary>
    /// Records that a revision was not written, and why: a delivery with nothing to send, so that the study page says
    /// PACS still holds the earlier objects, and a restart does not look for the revision again. Once only, like
    /// <see cref="SaveRevisionAsync"/>.
    /// </summary>
    public async Task RecordUnwrittenRevisionAsync(string analysisId, int revision, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        await StoreRevisionAsync(analysisId, revision, [], _ => new DeliveryTarget("none", reason), cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> StoreRevisionAsync(
        string analysisId, int revision, IReadOnlyList<ResultObject> objects, Func<Row?, DeliveryTarget> targetAfterOwn, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(revision);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                if (await connection.ExecuteScalarAsync<long>(
                    "select count(*) from deliveries where analysis_id = @analysisId and revision = @revision", new { analysisId, revision }, transaction).ConfigureAwait(false) > 0)
                {
                    return false;
                }

                var own = await connection.QuerySingleOrDefaultAsync<Row>(
                    "select * from deliveries where analysis_id = @analysisId and revision = 0", new { analysisId }, transaction).ConfigureAwait(false);
                var target = targetAfterOwn(own);
                await InsertAsync(connection, transaction, analysisId, revision, objects, target).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return target.Kind != "none";
            }
        }
    }

    /// <summary>
    /// Inside the transaction that records an outcome: the objects (and what a revision is written from) replace any
    /// earlier ones, revisions of an earlier result included, and the delivery starts.
    /// </summary>
    internal async Task SaveAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string analysisId, IReadOnlyList<ResultObject> objects,
        DeliveryTarget? target, IReadOnlyList<ResultObject>? revisionSources = null)
    {
        await connection.ExecuteAsync("delete from result_objects where analysis_id = @analysisId", new { analysisId }, transaction).ConfigureAwait(false);
        await connection.ExecuteAsync("delete from revision_sources where analysis_id = @analysisId", new { analysisId }, transaction).ConfigureAwait(false);
        await connection.ExecuteAsync("delete from deliveries where analysis_id = @analysisId", new { analysisId }, transaction).ConfigureAwait(false);
        foreach (var item in revisionSources ?? [])
        {
            await connection.ExecuteAsync(
                "insert into revision_sources (analysis_id, name, content) values (@analysisId, @Name, @Content)", new { analysisId, item.Name, item.Content }, transaction).ConfigureAwait(false);
        }

        if (objects.Count > 0 && target is not null)
        {
            await InsertAsync(connection, transaction, analysisId, 0, objects, target).ConfigureAwait(false);
        }
        else
        {
            await InsertObjectsAsync(connection, transaction, analysisId, 0, objects).ConfigureAwait(false);
        }
    }

    private async Task InsertAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string analysisId, int revision, IReadOnlyList<ResultObject> objects, DeliveryTarget target)
    {
        await InsertObjectsAsync(connection, transaction, analysisId, revision, objects).ConfigureAwait(false);
        var state = target.Kind == "none" ? DeliveryState.None : DeliveryState.Pending;
        await connection.ExecuteAsync(
            """
            insert into deliveries (analysis_id, revision, state, target_kind, target, reason, attempts, updated_at)
            values (@analysisId, @revision, @state, @Kind, @target, @reason, 0, @now)
            """,
            new
            {
                analysisId,
                revision,
                state = Text(state),
                target.Kind,
                target = state == DeliveryState.None ? null : target.Description,
                reason = state == DeliveryState.None ? target.Description : null,
                now = StoreTime.Text(clock.GetUtcNow()),
            },
            transaction).ConfigureAwait(false);
    }

    private static async Task InsertObjectsAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string analysisId, int revision, IReadOnlyList<ResultObject> objects)
    {
        foreach (var item in objects)
        {
            await connection.ExecuteAsync(
                "insert into result_objects (analysis_id, name, content, revision) values (@analysisId, @Name, @Content, @revision)",
                new { analysisId, item.Name, item.Content, revision },
                transaction).ConfigureAwait(false);
        }
    }

    public static string Text(DeliveryState state) => state.ToString().ToLowerInvariant();

    private sealed class Row
    {
        public string AnalysisId { get; set; } = string.Empty;

        public long Revision { get; set; }

        public string State { get; set; } = string.Empty;

        public string TargetKind { get; set; } = string.Empty;

        public string? Target { get; set; }

        public string? Reason { get; set; }

        public long Attempts { get; set; }

        public string UpdatedAt { get; set; } = string.Empty;

        public string? NextAttemptAt { get; set; }

        public string? SentAt { get; set; }

        public DeliveryRecord ToRecord() => new()
        {
            AnalysisId = AnalysisId,
            Revision = (int)Revision,
            State = Enum.Parse<DeliveryState>(State, ignoreCase: true),
            TargetKind = TargetKind,
            Target = Target,
            Reason = Reason,
            Attempts = (int)Attempts,
            UpdatedAt = StoreTime.Time(UpdatedAt)!.Value,
            NextAttemptAt = StoreTime.Time(NextAttemptAt),
            SentAt = StoreTime.Time(SentAt),
        };
    }
}
