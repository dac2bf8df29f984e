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
            if (Kind == DatabaseKind.Sqlite)
            {
                // Both are per connection, so every open sets them (no I/O). synchronous = normal: with WAL, a commit
                // writes the log without an fsync (a power cut may lose the last commits, never consistency); the default
                // (full) made every write, the audit row of each read included, wait for a disk flush. busy_timeout:
                // SQLite waits for the write lock itself, in steps of a few ms, instead of returning "busy" to
                // Microsoft.Data.Sqlite, which retries only every 150 ms.
                await connection.ExecuteAsync("pragma synchronous = normal; pragma busy_timeout = 30000;").ConfigureAwait(false);
            }

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
                await connection.ExecuteAsync("pragma journal_mode = wal;").ConfigureAwait(false);
            }
            else
            {
                // Many workers start at once: one migrates while the others wait for it.
                await connection.ExecuteAsync("select pg_advisory_lock(727011)").ConfigureAwait(false);
            }

            try
            {
                await connection.ExecuteAsync(Schema
                    .Replace("{blob}", Kind == DatabaseKind.Sqlite ? "blob" : "bytea", StringComparison.Ordinal)
                    .Replace("{deliveries}", DeliveriesTable("deliveries"), StringComparison.Ordinal)).ConfigureAwait(false);
                var existing = await ColumnsAsync(connection, "analyses").ConfigureAwait(false);
                await MoveDocumentsAsync(connection, existing).ConfigureAwait(false);
                await AddColumnsAsync(connection, existing).ConfigureAwait(false);
                await AddRevisionsAsync(connection).ConfigureAwait(false);
                await connection.ExecuteAsync(ListIndexes).ConfigureAwait(false);
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

    /// <summary>
    /// Tables made before the documents had their own: a row of <c>analyses</c> carried its findings (about 14 KB), so in
    /// SQLite every list row spanned four pages and the columns added after the document were read through its overflow
    /// chain (a page of the list: 2.7 ms against 1.1 ms with the documents apart, bench/README.md). Copied over, then dropped.
    /// </summary>
    private static async Task MoveDocumentsAsync(DbConnection connection, HashSet<string> existing)
    {
        if (!existing.Contains("findings_json"))
        {
            return;
        }

        string Column(string name) => existing.Contains(name) ? name : "null";
        await connection.ExecuteAsync(
            $"""
            insert into analysis_documents (analysis_id, findings_json, corrected_findings_json, review_json)
                select id, findings_json, {Column("corrected_findings_json")}, {Column("review_json")} from analyses
                where findings_json is not null
            on conflict (analysis_id) do nothing
            """).ConfigureAwait(false);
        foreach (var column in s_documentColumns.Where(existing.Contains))
        {
            await connection.ExecuteAsync($"alter table analyses drop column {column}").ConfigureAwait(false);
            existing.Remove(column);
        }
    }

    /// <summary>
    /// Columns added to <c>analyses</c> after its first release: a table made earlier gets them here, since
    /// <c>create table if not exists</c> leaves it as it was, then they are filled for the rows already there.
    /// </summary>
    private static async Task AddColumnsAsync(DbConnection connection, HashSet<string> existing)
    {
        foreach (var (name, type) in s_addedColumns.Where(c => !existing.Contains(c.Name)))
        {
            await connection.ExecuteAsync($"alter table analyses add column {name} {type}").ConfigureAwait(false);
        }

        if (!existing.Contains("patient_name_folded"))
        {
            // SQL's lower() folds only ASCII in SQLite (and in a PostgreSQL cluster with the C locale); new rows get .NET's.
            await connection.ExecuteAsync("update analyses set patient_name_folded = lower(patient_name)").ConfigureAwait(false);
        }

        await connection.ExecuteAsync(AddedIndexes).ConfigureAwait(false);
        if (!existing.Contains("scanner"))
        {
            // Results stored before the column existed: their scanner is in the findings' acquisition.
            var rows = await connection.QueryAsync<(string Id, string Json)>("select analysis_id, findings_json from analysis_documents where findings_json is not null").ConfigureAwait(false);
            foreach (var (id, json) in rows)
            {
                if (AnalysisStore.ScannerName(AcquisitionOf(json)) is { } scanner)
                {
                    await connection.ExecuteAsync("update analyses set scanner = @scanner where id = @id", new { id, scanner }).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task<HashSet<string>> ColumnsAsync(DbConnection connection, string table) =>
        (await connection.QueryAsync<string>(
            Kind == DatabaseKind.Sqlite
                ? "select name from pragma_table_info(@table)"
                : "select column_name from information_schema.columns where table_name = @table and table_schema = current_schema()",
            new { table }).ConfigureAwait(false))
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Revised results after a review: an object belongs to a revision (0: the analysis' own), and an analysis has a
    /// delivery per revision. A deliveries table made before had the analysis id as its key, which neither database can
    /// change in place, so it is rebuilt with its rows as revision 0, in one transaction.
    /// </summary>
    private async Task AddRevisionsAsync(DbConnection connection)
    {
        if (!(await ColumnsAsync(connection, "result_objects").ConfigureAwait(false)).Contains("revision"))
        {
            await connection.ExecuteAsync("alter table result_objects add column revision integer not null default 0").ConfigureAwait(false);
        }

        if ((await ColumnsAsync(connection, "deliveries").ConfigureAwait(false)).Contains("revision"))
        {
            return;
        }

        var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(
                DeliveriesTable("deliveries_by_revision") + """
                insert into deliveries_by_revision (analysis_id, revision, state, target_kind, target, reason, attempts, updated_at, next_attempt_at, sent_at)
                    select analysis_id, 0, state, target_kind, target, reason, attempts, updated_at, next_attempt_at, sent_at from deliveries;
                drop table deliveries;
                alter table deliveries_by_revision rename to deliveries;
                create index if not exists deliveries_by_state on deliveries (state);
                """,
                transaction: transaction).ConfigureAwait(false);
            await transaction.CommitAsync().ConfigureAwait(false);
        }
    }

    private static string DeliveriesTable(string name) => $$"""
        create table if not exists {{name}} (
            analysis_id text not null,
            revision integer not null default 0,
            state text not null,
            target_kind text not null,
            target text,
            reason text,
            attempts integer not null default 0,
            updated_at text not null,
            next_attempt_at text,
            sent_at text,
            primary key (analysis_id, revision)
        );
        """;

    private static Core.Analysis.AcquisitionSummary? AcquisitionOf(string findingsJson)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<Core.Analysis.Findings>(findingsJson, Core.CtBoneJson.Options)?.Acquisition;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static readonly string[] s_documentColumns = ["findings_json", "corrected_findings_json", "review_json"];

    private static readonly (string Name, string Type)[] s_addedColumns =
    [
        ("patient_name_folded", "text"),
        ("scanner", "text"),
        ("reviewed_at", "text"),
        ("reviewed_by", "text"),
    ];

    /// <summary>
    /// The list's indexes: its order (newest first) and every column its filters read, so that a page reads the table only
    /// for the rows it shows and a count reads no table at all. Made after the columns step: they name columns added there.
    /// The worklist (flagged current results, newest first) has an index of its own that holds only its rows, with every
    /// column its filters use: its count and pages read about 3,000 entries, never the table. A full index led by
    /// <c>flagged</c> was four times as large (every update of a row leaves an entry behind until vacuum), and PostgreSQL
    /// counted by reading the whole table instead (3.8 against 0.3 ms; one list request 14.5 against 4.1 ms,
    /// bench/README.md). <see cref="ListStatement"/> writes the same condition, so both databases can use it. The condition's
    /// own columns are in it too: SQLite reads a partial index alone only when it holds every column the query names.
    /// </summary>
    private const string ListIndexes = """
        drop index if exists analyses_flagged_list;
        drop index if exists analyses_flagged;
        create index if not exists analyses_list on analyses
            (created_at, id, is_current, state, flagged, category, study_date, patient_id, patient_name_folded, accession_number);
        create index if not exists analyses_worklist on analyses
            (created_at, id, category, study_date, patient_id, patient_name_folded, accession_number, severity, scanner, reviewed_at, is_current, state, flagged)
            where flagged = 1 and (is_current = 1 or state <> 'completed');
        """;

    private const string AddedIndexes = """
        drop index if exists analyses_by_created;
        create index if not exists analyses_by_scanner on analyses (scanner);
        """;

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
            patient_name_folded text,
            accession_number text,
            study_date text,
            category text,
            severity text,
            flagged integer not null default 0,
            level_used text,
            screening_hu double precision
        );
        create table if not exists analysis_documents (
            analysis_id text primary key,
            findings_json text,
            corrected_findings_json text,
            review_json text
        );
        create unique index if not exists analyses_one_current on analyses (series_instance_uid, algorithm_version) where is_current = 1;
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
            revision integer not null default 0,
            primary key (analysis_id, name)
        );
        create table if not exists revision_sources (
            analysis_id text not null,
            name text not null,
            content {blob} not null,
            primary key (analysis_id, name)
        );
        {deliveries}
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
        create table if not exists batches (
            id text primary key,
            name text not null,
            folder text not null,
            study_depth integer not null,
            created_by text not null,
            created_at text not null,
            state text not null,
            found integer not null default 0,
            enumerated_at text,
            reason text
        );
        create table if not exists batch_items (
            batch_id text not null,
            folder text not null,
            analysis_id text not null,
            primary key (batch_id, folder)
        );
        """;
}
