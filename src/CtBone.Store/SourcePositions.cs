using Dapper;

namespace CtBone.Store;

/// <summary>How far each polled source has been read (Orthanc's last change number, DICOMweb's last date window), kept across restarts.</summary>
public sealed class SourcePositions(FindingsDatabase database, TimeProvider clock)
{
    public async Task<string?> GetAsync(string source, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.QuerySingleOrDefaultAsync<string>("select position from source_positions where source = @source", new { source }).ConfigureAwait(false);
        }
    }

    public async Task SetAsync(string source, string position, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(
                """
                insert into source_positions (source, position, updated_at) values (@source, @position, @now)
                on conflict (source) do update set position = excluded.position, updated_at = excluded.updated_at
                """,
                new { source, position, now = StoreTime.Text(clock.GetUtcNow()) }).ConfigureAwait(false);
        }
    }
}
