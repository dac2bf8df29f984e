using CtBone.Store;

namespace CtBone.Service.Tests;

/// <summary>One private PostgreSQL cluster for the test run's PostgreSQL tests; each test makes its own database in it.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PrivatePostgres? _cluster;

    internal PrivatePostgres Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    public async Task InitializeAsync() => _cluster = await PrivatePostgres.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>A new, migrated findings database: a SQLite file under <paramref name="folder"/>, or a database of the cluster.</summary>
    internal async Task<FindingsDatabase> DatabaseAsync(string kind, string folder)
    {
        var database = kind switch
        {
            "sqlite" => FindingsDatabase.Sqlite(Path.Combine(folder, Guid.NewGuid().ToString("N") + ".db")),
            "postgresql" => FindingsDatabase.PostgreSql(await Cluster.CreateDatabaseAsync()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "sqlite or postgresql"),
        };
        await database.MigrateAsync();
        return database;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresGroup : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}

/// <summary>A clock that moves only when a test moves it.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
