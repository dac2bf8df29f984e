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

/// <summary>The audit log of reads of patient-identifying data. Append only: nothing here updates or deletes an entry.</summary>
public sealed class AuditLog(FindingsDatabase database)
{
    public async Task WriteAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(
                "insert into audit_log (id, at, actor, role, action, resource, detail, remote_address) values (@id, @at, @Actor, @Role, @Action, @Resource, @Detail, @RemoteAddress)",
                new { id = Guid.NewGuid().ToString("N"), at = StoreTime.Text(entry.At), entry.Actor, entry.Role, entry.Action, entry.Resource, entry.Detail, entry.RemoteAddress }).ConfigureAwait(false);
        }
    }

    /// <summary>The newest entries first, optionally only those about one resource.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(string? resource, int limit, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
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
