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

/// <summary>The delivery of one analysis' DICOM objects back to PACS.</summary>
public sealed record DeliveryRecord
{
    public required string AnalysisId { get; init; }

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

/// <summary>The result_objects and deliveries tables: what goes back to PACS, and how far it got.</summary>
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

    public async Task<IReadOnlyList<ResultObject>> ObjectsAsync(string analysisId, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<(string Name, byte[] Content)>(
                "select name, content from result_objects where analysis_id = @analysisId order by name", new { analysisId }).ConfigureAwait(false);
            return [.. rows.Select(r => new ResultObject(r.Name, r.Content))];
        }
    }

    public async Task<DeliveryRecord?> GetAsync(string analysisId, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<Row>("select * from deliveries where analysis_id = @analysisId", new { analysisId }).ConfigureAwait(false);
            return row?.ToRecord();
        }
    }

    /// <summary>Analyses whose delivery is still to be tried: what a process starting with in-memory job storage enqueues again.</summary>
    public async Task<IReadOnlyList<string>> PendingAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return [.. await connection.QueryAsync<string>("select analysis_id from deliveries where state = 'pending' order by updated_at").ConfigureAwait(false)];
        }
    }

    /// <summary>Records an attempt: sent, or failed with its reason, retried (pending, at <paramref name="nextAttemptAt"/>) or given up.</summary>
    public async Task RecordAttemptAsync(string analysisId, DeliveryState state, string? target, string? reason, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var now = StoreTime.Text(clock.GetUtcNow());
            await connection.ExecuteAsync(
                """
                update deliveries set state = @state, target = coalesce(@target, target), reason = @reason, attempts = attempts + 1,
                    updated_at = @now, next_attempt_at = @next, sent_at = case when @state = 'sent' then @now else sent_at end
                where analysis_id = @analysisId
                """,
                new { analysisId, state = Text(state), target, reason, now, next = nextAttemptAt is { } at ? StoreTime.Text(at) : null }).ConfigureAwait(false);
        }
    }

    /// <summary>Puts a failed delivery back in the queue (a resend asked for by an admin); false when it is not failed.</summary>
    public async Task<bool> RetryAsync(string analysisId, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(
                "update deliveries set state = 'pending', attempts = 0, next_attempt_at = null, updated_at = @now where analysis_id = @analysisId and state = 'failed'",
                new { analysisId, now = StoreTime.Text(clock.GetUtcNow()) }).ConfigureAwait(false) == 1;
        }
    }

    /// <summary>Inside the transaction that records an outcome: the objects replace any earlier ones, and the delivery starts.</summary>
    internal async Task SaveAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string analysisId, IReadOnlyList<ResultObject> objects, DeliveryTarget? target)
    {
        await connection.ExecuteAsync("delete from result_objects where analysis_id = @analysisId", new { analysisId }, transaction).ConfigureAwait(false);
        foreach (var item in objects)
        {
            await connection.ExecuteAsync(
                "insert into result_objects (analysis_id, name, content) values (@analysisId, @Name, @Content)", new { analysisId, item.Name, item.Content }, transaction).ConfigureAwait(false);
        }

        await connection.ExecuteAsync("delete from deliveries where analysis_id = @analysisId", new { analysisId }, transaction).ConfigureAwait(false);
        if (objects.Count > 0 && target is not null)
        {
            var state = target.Kind == "none" ? DeliveryState.None : DeliveryState.Pending;
            await connection.ExecuteAsync(
                """
                insert into deliveries (analysis_id, state, target_kind, target, reason, attempts, updated_at)
                values (@analysisId, @state, @Kind, @target, @reason, 0, @now)
                """,
                new
                {
                    analysisId,
                    state = Text(state),
                    target.Kind,
                    target = state == DeliveryState.None ? null : target.Description,
                    reason = state == DeliveryState.None ? target.Description : null,
                    now = StoreTime.Text(clock.GetUtcNow()),
                },
                transaction).ConfigureAwait(false);
        }
    }

    public static string Text(DeliveryState state) => state.ToString().ToLowerInvariant();

    private sealed class Row
    {
        public string AnalysisId { get; set; } = string.Empty;

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
