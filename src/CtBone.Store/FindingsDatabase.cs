using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CtBone.Store;

public enum DatabaseKind
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// Where analyses, key images, API keys, the audit log and source positions live: one SQLite file on a single machine,
/// or PostgreSQL shared by the API and every worker. The SQL is written once for both; the few differences are here.
/// </summary>
public sealed class FindingsDatabase
{
    static FindingsDatabase()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    private FindingsDatabase(DatabaseKind kind, string connectionString)
    {
        Kind = kind;
        ConnectionString = connectionString;
    }

    public DatabaseKind Kind { get; }

    public string ConnectionString { get; }

    /// <summary>A SQLite file, created with its folder when missing.</summary>
    public static FindingsDatabase Sqlite(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 };
        return new FindingsDatabase(DatabaseKind.Sqlite, builder.ConnectionString);
    }

    public static FindingsDatabase PostgreSql(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _ = new NpgsqlConnectionStringBuilder(connectionString);
        return new FindingsDatabase(DatabaseKind.PostgreSql, connectionString);
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        DbConnection connection = Kind == DatabaseKind.Sqlite ? new SqliteConnection(ConnectionString) : new NpgsqlConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>True when the error is the database refusing a second row with the same unique key.</summary>
    public static bool IsUniqueViolation(Exception error) => error switch
    {
        SqliteException { SqliteErrorCode: 19 } => true,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => true,
        _ => false,
    };

    /// <summary>Creates the tables and indexes that are missing; safe to run from every process at start.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (Kind == DatabaseKind.Sqlite)
            {
                await connection.ExecuteAsync("pragma journal_mode = wal; pragma synchronous = normal;").ConfigureAwait(false);
            }
            else
            {
                // Many workers start at once: one migrates while the others wait for it.
                await connection.ExecuteAsync("select pg_advisory_lock(727011)").ConfigureAwait(false);
            }

            try
            {
                await connection.ExecuteAsync(Schema.Replace("{blob}", Kind == DatabaseKind.Sqlite ? "blob" : "bytea", StringComparison.Ordinal)).ConfigureAwait(false);
            }
            finally
            {
                if (Kind == DatabaseKind.PostgreSql)
                {
                    await connection.ExecuteAsync("select pg_advisory_unlock(727011)").ConfigureAwait(false);
                }
            }
        }
    }

    // Times are ISO 8601 UTC text in both databases: they sort as text and need no per-database mapping.
    private const string Schema = """
        create table if not exists analyses (
            id text primary key,
            dedupe_key text not null unique,
            study_instance_uid text,
            series_instance_uid text,
            algorithm_version text not null,
            source_kind text not null,
            source_ref text not null,
            instance_count integer,
            state text not null,
            reason text,
            is_current integer not null default 0,
            superseded_by text,
            attempts integer not null default 0,
            lease_owner text,
            lease_until text,
            created_at text not null,
            started_at text,
            finished_at text,
            patient_id text,
            patient_name text,
            accession_number text,
            study_date text,
            category text,
            severity text,
            flagged integer not null default 0,
            level_used text,
            screening_hu double precision,
            findings_json text
        );
        create unique index if not exists analyses_one_current on analyses (series_instance_uid, algorithm_version) where is_current = 1;
        create index if not exists analyses_flagged_list on analyses (is_current, flagged, finished_at);
        create index if not exists analyses_by_state on analyses (state);
        create index if not exists analyses_by_study on analyses (study_instance_uid);
        create index if not exists analyses_by_patient on analyses (patient_id);
        create index if not exists analyses_by_accession on analyses (accession_number);
        create table if not exists key_images (
            analysis_id text not null,
            name text not null,
            png {blob} not null,
            primary key (analysis_id, name)
        );
        create table if not exists result_objects (
            analysis_id text not null,
            name text not null,
            content {blob} not null,
            primary key (analysis_id, name)
        );
        create table if not exists deliveries (
            analysis_id text primary key,
            state text not null,
            target_kind text not null,
            target text,
            reason text,
            attempts integer not null default 0,
            updated_at text not null,
            next_attempt_at text,
            sent_at text
        );
        create index if not exists deliveries_by_state on deliveries (state);
        create table if not exists api_keys (
            id text primary key,
            name text not null,
            role text not null,
            key_hash text not null unique,
            created_at text not null,
            revoked_at text
        );
        create table if not exists audit_log (
            id text primary key,
            at text not null,
            actor text not null,
            role text not null,
            action text not null,
            resource text,
            detail text,
            remote_address text
        );
        create index if not exists audit_log_by_time on audit_log (at);
        create table if not exists source_positions (
            source text primary key,
            position text not null,
            updated_at text not null
        );
        """;
}
