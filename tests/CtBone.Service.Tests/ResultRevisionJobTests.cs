using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Store;
using CtBone.TestSupport;
using CtBone.Worker;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CtBone.Service.Tests;

/// <summary>
/// What <see cref="ResultRevisionJob"/> decides before it writes anything, on a real SQLite store. The analyzer path leads
/// nowhere: a job that tried to write would record "ctbone revise ended with ..." instead.
/// </summary>
public sealed class ResultRevisionJobTests : IDisposable
{
    private readonly TempFolder _data = new();

    [Fact]
    public async Task RunAsync_WhenALaterReviewStepWasSavedFirst_RecordsThisRevisionAsCarriedByThatOneWithoutWritingIt()
    {
        var database = FindingsDatabase.Sqlite(_data.File("ctbone.db"));
        await database.MigrateAsync();
        var store = new AnalysisStore(database, TimeProvider.System);
        var deliveries = new ResultDeliveries(database, TimeProvider.System);
        var findings = StoreSeeding.Completed("PID1", "DOE^JANE", "ACC1", new DateOnly(2025, 5, 1), ScreeningCategory.Osteoporosis);
        var id = (await store.CreateAsync(new NewAnalysis
        {
            SourceKind = StudySources.Files, SourceRef = "test", DedupeKey = "revised twice", AlgorithmVersion = findings.AlgorithmVersion, InstanceCount = 40,
        })).Record.Id;
        Assert.True(await store.TryClaimAsync(id, "worker", DateTimeOffset.UtcNow.AddMinutes(5)));
        await store.RecordOutcomeAsync(
            id, findings, StoreSeeding.Json(findings), [], 40,
            new PacsResults([new ResultObject("report-sr.dcm", [1])], new DeliveryTarget("configured", "http://pacs.example/"), [new ResultObject("result-input.json", [2])]));
        // Two review steps saved before the first step's revision job ran.
        Assert.NotNull(await store.RecordReviewAsync(
            id,
            new AnalysisReview { Corrected = findings, CorrectedJson = StoreSeeding.Json(findings), ReviewedBy = "dr reviewer", ReviewedAt = DateTimeOffset.UtcNow, ReviewJson = "{\"steps\":[{},{}]}" },
            null));
        var job = new ResultRevisionJob(
            store,
            deliveries,
            new AnalysisProcess(Options.Create(new WorkerOptions { ApiUrl = "http://127.0.0.1:1", ApiKey = "unused", AnalyzerPath = "/nonexistent/ctbone.dll" })),
            new NoJobs(),
            Options.Create(new DeliveryOptions()),
            Options.Create(new ServiceOptions { DataDirectory = _data.Path }),
            NullLogger<ResultRevisionJob>.Instance);

        await job.RunAsync(id, 1, CancellationToken.None);
        await job.RunAsync(id, 1, CancellationToken.None);

        var first = Assert.Single(await deliveries.AllAsync(id), d => d.Revision == 1);
        Assert.Equal((DeliveryState.None, "not written: review step 2 was saved first, and revision 2 carries both"), (first.State, first.Reason));
        Assert.Empty(await deliveries.ObjectsAsync(id, 1));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    private sealed class NoJobs : IBackgroundJobClient
    {
        public string Create(Job job, IState state) => throw new InvalidOperationException($"nothing should be enqueued here: {job}");

        public bool ChangeState(string jobId, IState state, string expectedState) => false;
    }
}
