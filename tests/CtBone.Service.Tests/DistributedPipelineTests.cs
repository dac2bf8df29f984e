using System.Text.RegularExpressions;
using CtBone.Store;

namespace CtBone.Service.Tests;

/// <summary>
/// The service as several machines run it: <c>ctbone api</c> and two <c>ctbone worker</c> processes sharing a private
/// PostgreSQL cluster (findings and Hangfire's queue). Each worker runs one analysis at a time, so a batch has to be
/// shared, and a worker that dies holding an analysis leaves it to the other once its lease runs out.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PostgresGroup.Name)]
public sealed partial class DistributedPipelineTests(PostgresFixture postgres)
{
    private const int LeaseSeconds = 6;
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(4);
    private static readonly Dictionary<string, string> s_oneAtATime = new() { ["CtBone__Worker__Concurrency"] = "1" };
    private static readonly string[] s_studies = ["standard", "osteoporotic", "screws-l4-l5", "fracture-l1", "transitional-l6", "partial-t12-l3"];

    [Fact]
    public async Task ApiAndTwoWorkers_WhenBatchDroppedWithARepeat_EachStudyAnalysedOnceAndBothWorkersShareIt()
    {
        await using var deployment = await Deployment.StartAsync(postgres.Cluster);
        var (database, api, viewer, first, second) = (deployment.Database, deployment.Api, deployment.Viewer, deployment.First, deployment.Second);

        foreach (var study in s_studies)
        {
            api.Drop(ServiceProcess.TestDicoms(study), study);
        }

        api.Drop(ServiceProcess.TestDicoms("osteoporotic"), "osteoporotic-again");
        await PipelineTests.WaitUntilAsync(() => Directory.GetFileSystemEntries(api.InboxDirectory).Length == 0, TimeSpan.FromSeconds(60));
        await api.WaitForFinishedAsync(viewer, s_studies.Length, s_timeout);

        var records = (await StoreOf(database).ListAsync(new AnalysisQuery { CurrentOnly = false, PageSize = 200 })).Items;
        Assert.Equal(s_studies.Length, records.Count);
        Assert.All(records, r => Assert.Equal((AnalysisState.Completed, 1, true), (r.State, r.Attempts, r.IsCurrent)));
        Assert.Equal(
            s_studies.Select(s => PipelineTests.Truth(s).GetProperty("studyInstanceUid").GetString()).Order(StringComparer.Ordinal),
            records.Select(r => r.StudyInstanceUid).Order(StringComparer.Ordinal));
        Assert.All(records.GroupBy(r => r.SeriesInstanceUid), series => Assert.Single(series));
        var repeat = Assert.Single(Directory.GetDirectories(Path.Combine(api.DataDirectory, "processed"), "*-duplicate-of-*"));
        Assert.Contains(records, r => repeat.EndsWith("-duplicate-of-" + r.Id, StringComparison.Ordinal));

        var byFirst = Started(first.Log);
        var bySecond = Started(second.Log);
        Assert.NotEmpty(byFirst);
        Assert.NotEmpty(bySecond);
        Assert.Equal(records.Select(r => r.Id).Order(StringComparer.Ordinal), byFirst.Concat(bySecond).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Worker_WhenKilledHoldingAnAnalysis_TheOtherFinishesItOnceAfterTheLeaseRunsOut()
    {
        await using var deployment = await Deployment.StartAsync(postgres.Cluster);
        var (database, api, viewer, first, second) = (deployment.Database, deployment.Api, deployment.Viewer, deployment.First, deployment.Second);

        api.Drop(ServiceProcess.TestDicoms("standard"), "worker-dies");
        string[] held = [];
        await PipelineTests.WaitUntilAsync(() => (held = [.. Started(first.Log), .. Started(second.Log)]).Length > 0, TimeSpan.FromSeconds(60));
        var holder = Started(first.Log).Count > 0 ? first : second;
        var survivor = holder == first ? second : first;
        await holder.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        var id = Assert.Single(held);
        Assert.False((await StoreOf(database).GetAsync(id))!.IsFinal, "the analysis ended before its worker could be killed");

        // The dead worker's `ctbone analyze` child sees its input close and exits: it may still be starting up, so give
        // it a few seconds, well inside the lease.
        await PipelineTests.WaitUntilAsync(() => PipelineTests.AnalysisProcessesOf(api.DataDirectory).Count == 0, TimeSpan.FromSeconds(LeaseSeconds - 2));

        var result = await api.WaitForResultAsync(viewer, "/api/analyses/" + id, s_timeout);

        Assert.Equal("completed", result.GetProperty("state").GetString());
        Assert.Equal(2, result.GetProperty("attempts").GetInt32());
        Assert.True(result.GetProperty("isCurrent").GetBoolean());
        Assert.Equal(9, result.GetProperty("keyImages").GetArrayLength());
        Assert.Equal([id], Started(survivor.Log));
        Assert.Contains($"analysis {id}: started from source files, attempt 2", survivor.Log, StringComparison.Ordinal);
        var record = (await StoreOf(database).GetAsync(id))!;
        Assert.True(record.StartedAt >= killedAt.AddSeconds(LeaseSeconds - 2), $"taken over at {record.StartedAt:O}, killed at {killedAt:O}: before the lease ran out");

        // The API looks for expired leases every LeaseSeconds: a lease plus a look plus a queue poll is about 13 s. The
        // bound is loose for a busy machine, and catches an API that looks only at its default 60 s.
        Assert.True(record.StartedAt <= killedAt.AddSeconds(30), $"taken over at {record.StartedAt:O}, killed at {killedAt:O}: long after the lease ran out");
        Assert.Single((await StoreOf(database).ListAsync(new AnalysisQuery { CurrentOnly = false })).Items);
    }

    /// <summary><c>ctbone api</c> and two workers that run one analysis at a time, on a new database of the cluster, all serving.</summary>
    private sealed class Deployment(string database, ServiceProcess api, string viewer, CtBoneProcess first, CtBoneProcess second) : IAsyncDisposable
    {
        public string Database => database;

        public ServiceProcess Api => api;

        public string Viewer => viewer;

        public CtBoneProcess First => first;

        public CtBoneProcess Second => second;

        public static async Task<Deployment> StartAsync(PrivatePostgres cluster)
        {
            var database = await cluster.CreateDatabaseAsync();
            var api = await ServiceProcess.StartApiAsync(database);
            var ingest = await api.CreateKeyAsync("ingest", "workers");
            var deployment = new Deployment(
                database, api, await api.CreateKeyAsync("viewer", "dr viewer"), api.StartWorker(database, ingest, s_oneAtATime), api.StartWorker(database, ingest, s_oneAtATime));
            try
            {
                await WaitUntilServingAsync(deployment.First);
                await WaitUntilServingAsync(deployment.Second);
                return deployment;
            }
            catch
            {
                await deployment.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            first.Dispose();
            second.Dispose();
            await api.DisposeAsync();
        }
    }

    private static AnalysisStore StoreOf(string database) => new(FindingsDatabase.PostgreSql(database), TimeProvider.System);

    /// <summary>The analyses a worker's log says it started, in order.</summary>
    private static List<string> Started(string log) => [.. StartedLine().Matches(log).Select(m => m.Groups[1].Value)];

    /// <summary>A worker is serving once its Hangfire server has started every dispatcher (it then polls the queue).</summary>
    private static Task WaitUntilServingAsync(CtBoneProcess worker) => PipelineTests.WaitUntilAsync(
        () => worker.HasExited ? throw new InvalidOperationException($"the worker exited with {worker.ExitCode}:\n{worker.Log}") : worker.Log.Contains("all the dispatchers started", StringComparison.Ordinal),
        TimeSpan.FromSeconds(60));

    [GeneratedRegex("analysis ([0-9a-f]{32}): started from source")]
    private static partial Regex StartedLine();
}
