using System.Threading.Channels;
using Dapper;

namespace CtBone.Store;

/// <summary>One read or change of patient data: who (key name and role), what (action and resource), when, from where.</summary>
public sealed record AuditEntry
{
    public required DateTimeOffset At { get; init; }

    public required string Actor { get; init; }

    public required string Role { get; init; }

    /// <summary>What was done, e.g. "analysis.read", "analyses.list", "key-image.read".</summary>
    public required string Action { get; init; }

    /// <summary>The analysis id or route read; never the patient's name or ID.</summary>
    public string? Resource { get; init; }

    /// <summary>The filters of a list, or how many rows it returned: what was shown, without PHI values themselves.</summary>
    public string? Detail { get; init; }

    public string? RemoteAddress { get; init; }
}

/// <summary>
/// The audit log of reads of patient-identifying data. Append only: nothing here updates or deletes an entry.
/// </summary>
/// <remarks>
/// Every read of patient data writes a row before the data leaves, so under load one commit per request was the list's
/// largest write cost (on PostgreSQL each waits for a WAL flush; on SQLite each takes the write lock in turn). Entries
/// are therefore committed in groups by one writer: a caller still waits until its own row is committed, but the rows of
/// concurrent requests share one transaction.
/// </remarks>
public sealed class AuditLog : IAsyncDisposable
{
    private const int MaxGroup = 256;

    private readonly FindingsDatabase _database;

    private readonly Channel<(AuditEntry Entry, TaskCompletionSource Committed)> _queue =
        Channel.CreateUnbounded<(AuditEntry, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly Task _writer;

    public AuditLog(FindingsDatabase database)
    {
        _database = database;
        _writer = Task.Run(WriteGroupsAsync);
    }

    /// <summary>Completes once the entry is committed; fails with the database's error if its group could not be.</summary>
    public Task WriteAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite((entry, committed)), this);
        return committed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Commits what is queued, then stops taking entries.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteGroupsAsync()
    {
        var group = new List<(AuditEntry Entry, TaskCompletionSource Committed)>(MaxGroup);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            while (group.Count < MaxGroup && _queue.Reader.TryRead(out var item))
            {
                group.Add(item);
            }

            try
            {
                await InsertAsync(group).ConfigureAwait(false);
                foreach (var (_, committed) in group)
                {
                    committed.TrySetResult();
                }
            }
            catch (Exception e)
            {
                // Every waiting request fails with the error (the caller answers 500 and shows no data); the writer goes on.
                foreach (var (_, committed) in group)
                {
                    committed.TrySetException(e);
                }
            }
        }
    }

    private async Task InsertAsync(List<(AuditEntry Entry, TaskCompletionSource Committed)> group)
    {
        var connection = await _database.OpenAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await connection.ExecuteAsync(
                    "insert into audit_log (id, at, actor, role, action, resource, detail, remote_address) values (@id, @at, @Actor, @Role, @Action, @Resource, @Detail, @RemoteAddress)",
                    group.Select(g => new { id = Guid.NewGuid().ToString("N"), at = StoreTime.Text(g.Entry.At), g.Entry.Actor, g.Entry.Role, g.Entry.Action, g.Entry.Resource, g.Entry.Detail, g.Entry.RemoteAddress }),
                    transaction).ConfigureAwait(false);
                await transaction.CommitAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The newest entries first, optionally only those about one resource.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(string? resource, int limit, CancellationToken cancellationToken = default)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<(string At, string Actor, string Role, string Action, string? Resource, string? Detail, string? RemoteAddress)>(
                "select at, actor, role, action, resource, detail, remote_address from audit_log where (@resource is null or resource = @resource) order by at desc limit @limit",
                new { resource, limit = Math.Clamp(limit, 1, 1000) }).ConfigureAwait(false);
            return [.. rows.Select(r => new AuditEntry
            {
                At = StoreTime.Time(r.At)!.Value,
                Actor = r.Actor,
                Role = r.Role,
                Action = r.Action,
                Resource = r.Resource,
                Detail = r.Detail,
                RemoteAddress = r.RemoteAddress,
            })];
        }
    }
}
