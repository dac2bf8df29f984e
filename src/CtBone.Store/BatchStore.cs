using Dapper;

namespace CtBone.Store;

/// <summary>Where a batch stands: its studies are still being found, or all are found and queued.</summary>
public enum BatchState
{
    Enumerating,
    Enumerated,
    Rejected,
    Cancelled,
}

/// <summary>A reprocessing run over an archive folder: one analysis per study folder <see cref="StudyDepth"/> levels below <see cref="Folder"/>.</summary>
public sealed record BatchRecord
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Folder { get; init; }

    public required int StudyDepth { get; init; }

    public required string CreatedBy { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required BatchState State { get; init; }

    /// <summary>Study folders found so far (all of them once <see cref="BatchState.Enumerated"/>; those still listed once cancelled).</summary>
    public int Found { get; init; }

    public DateTimeOffset? EnumeratedAt { get; init; }

    /// <summary>Why the batch could not be walked (<see cref="BatchState.Rejected"/>), or who cancelled it.</summary>
    public string? Reason { get; init; }

    /// <summary>The batch's analyses by state ("queued", "running", "completed", "rejected", "failed"), with how many are flagged.</summary>
    public IReadOnlyDictionary<string, int> Analyses { get; init; } = new Dictionary<string, int>();

    public int Flagged { get; init; }

    /// <summary>When its last analysis finished, once every one has.</summary>
    public DateTimeOffset? LastFinishedAt { get; init; }
}

/// <summary>
/// The batches and batch_items tables. A batch lists its study folders with the analysis each became; an analysis that
/// already existed (the same folder with as many files, by an earlier batch) is listed again rather than made twice, so
/// running a batch again costs nothing and its progress counts what it covers.
/// </summary>
public sealed class BatchStore(FindingsDatabase database, TimeProvider clock)
{
    public async Task<BatchRecord> CreateAsync(string name, string folder, int studyDepth, string createdBy, CancellationToken cancellationToken = default)
    {
        var id = Guid.NewGuid().ToString("N");
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(
                """
                insert into batches (id, name, folder, study_depth, created_by, created_at, state, found)
                values (@id, @name, @folder, @studyDepth, @createdBy, @now, 'enumerating', 0)
                """,
                new { id, name, folder, studyDepth, createdBy, now = StoreTime.Text(clock.GetUtcNow()) }).ConfigureAwait(false);
        }

        return (await GetAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<BatchRecord?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await QueryAsync("where b.id = @id", new { id }, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    /// <summary>The latest batches first.</summary>
    public Task<IReadOnlyList<BatchRecord>> ListAsync(int limit = 100, CancellationToken cancellationToken = default) =>
        QueryAsync("order by b.created_at desc, b.id desc limit @limit", new { limit }, cancellationToken);

    /// <summary>Batches whose folders are still to be walked: new ones, and those a stopped process left half done.</summary>
    public async Task<IReadOnlyList<string>> EnumeratingAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return [.. await connection.QueryAsync<string>("select id from batches where state = 'enumerating' order by created_at").ConfigureAwait(false)];
        }
    }

    public async Task<BatchState?> StateAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var state = await connection.QuerySingleOrDefaultAsync<string>("select state from batches where id = @batchId", new { batchId }).ConfigureAwait(false);
            return state is null ? null : Enum.Parse<BatchState>(state, ignoreCase: true);
        }
    }

    /// <summary>
    /// Stops a batch that is walking or running: its walk ends, and its analyses still queued (and listed by no other
    /// batch) are deleted, so that their jobs find nothing to claim and a later batch over the folder analyses them
    /// afresh. Analyses running finish. False when the batch was done, rejected or cancelled already.
    /// </summary>
    public async Task<bool> CancelAsync(string batchId, string reason, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var cancelled = await connection.ExecuteAsync(
                    """
                    update batches set state = 'cancelled', reason = @reason, enumerated_at = coalesce(enumerated_at, @now)
                    where id = @batchId and (state = 'enumerating' or (state = 'enumerated' and exists (
                        select 1 from batch_items i join analyses a on a.id = i.analysis_id where i.batch_id = @batchId and a.state in ('queued', 'running'))))
                    """,
                    new { batchId, reason, now = StoreTime.Text(clock.GetUtcNow()) },
                    transaction).ConfigureAwait(false) == 1;
                if (cancelled)
                {
                    await connection.ExecuteAsync(
                        """
                        delete from analyses where state = 'queued' and source_kind = 'folder'
                            and id in (select analysis_id from batch_items where batch_id = @batchId)
                            and not exists (select 1 from batch_items o where o.analysis_id = analyses.id and o.batch_id <> @batchId);
                        delete from batch_items where batch_id = @batchId and analysis_id not in (select id from analyses);
                        """,
                        new { batchId },
                        transaction).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return cancelled;
            }
        }
    }

    /// <summary>Lists a study folder's analysis in the batch; listing the same folder again (a walk resumed) changes nothing.</summary>
    public async Task AddItemAsync(string batchId, string folder, string analysisId, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // Only while the batch is walking: a cancelled one lists nothing more.
                if (await connection.ExecuteAsync(
                    """
                    insert into batch_items (batch_id, folder, analysis_id) select @batchId, @folder, @analysisId
                    where exists (select 1 from batches where id = @batchId and state = 'enumerating') on conflict (batch_id, folder) do nothing
                    """,
                    new { batchId, folder, analysisId },
                    transaction).ConfigureAwait(false) == 1)
                {
                    await connection.ExecuteAsync("update batches set found = found + 1 where id = @batchId", new { batchId }, transaction).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Every study folder is listed and queued; or the walk could not be done (<paramref name="reason"/>).</summary>
    public async Task FinishEnumerationAsync(string batchId, string? reason = null, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(
                "update batches set state = @state, reason = @reason, enumerated_at = @now where id = @batchId and state = 'enumerating'",
                new { batchId, state = reason is null ? "enumerated" : "rejected", reason, now = StoreTime.Text(clock.GetUtcNow()) }).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<BatchRecord>> QueryAsync(string tail, object parameters, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var batches = (await connection.QueryAsync<BatchRow>("select b.* from batches b " + tail, parameters).ConfigureAwait(false)).ToList();
            var records = new List<BatchRecord>(batches.Count);
            foreach (var batch in batches)
            {
                var counts = (await connection.QueryAsync<(string State, long Count, long Flagged, string? Finished)>(
                    """
                    select a.state, count(*), sum(a.flagged), max(a.finished_at)
                    from batch_items i join analyses a on a.id = i.analysis_id where i.batch_id = @id group by a.state
                    """,
                    new { id = batch.Id }).ConfigureAwait(false)).ToList();
                var open = counts.Any(c => c.State is "queued" or "running");
                records.Add(batch.ToRecord() with
                {
                    Analyses = counts.ToDictionary(c => c.State, c => (int)c.Count, StringComparer.Ordinal),
                    Flagged = (int)counts.Sum(c => c.Flagged),
                    LastFinishedAt = open || batch.State is not ("enumerated" or "cancelled") ? null : StoreTime.Time(counts.Max(c => c.Finished)),
                });
            }

            return records;
        }
    }

    private sealed class BatchRow
    {
        public string Id { get; set; } = string.Empty;

        public string Name { get; set; } = string.Empty;

        public string Folder { get; set; } = string.Empty;

        public long StudyDepth { get; set; }

        public string CreatedBy { get; set; } = string.Empty;

        public string CreatedAt { get; set; } = string.Empty;

        public string State { get; set; } = string.Empty;

        public long Found { get; set; }

        public string? EnumeratedAt { get; set; }

        public string? Reason { get; set; }

        public BatchRecord ToRecord() => new()
        {
            Id = Id,
            Name = Name,
            Folder = Folder,
            StudyDepth = (int)StudyDepth,
            CreatedBy = CreatedBy,
            CreatedAt = StoreTime.Time(CreatedAt)!.Value,
            State = Enum.Parse<BatchState>(State, ignoreCase: true),
            Found = (int)Found,
            EnumeratedAt = StoreTime.Time(EnumeratedAt),
            Reason = Reason,
        };
    }
}
