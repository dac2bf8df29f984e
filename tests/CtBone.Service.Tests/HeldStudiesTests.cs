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
/// The inbox and the held-files area on a real SQLite store: when a drop counts as quiet, and what happens to a study a
/// stopped process left under studies/ without a record. Jobs are recorded, not run: Hangfire's in-memory storage takes
/// its logger from a process-wide provider that other tests' hosts set and dispose.
/// </summary>
public sealed class HeldStudiesTests : IDisposable
{
    private const double QuietSeconds = 10;

    private readonly TempFolder _data = new("ctbone-held");
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly EnqueuedJobs _queue = new();
    private readonly AnalysisStore _store;
    private readonly HeldStudies _held;
    private readonly InboxWatcher _watcher;

    public HeldStudiesTests()
    {
        var service = Options.Create(new ServiceOptions { DataDirectory = _data.Path });
        var database = FindingsDatabase.Sqlite(service.Value.DatabasePath);
        database.MigrateAsync().GetAwaiter().GetResult();
        _store = new AnalysisStore(database, _clock);
        _held = new HeldStudies(new StudyIntake(_store, _queue), _store, service);
        _watcher = new InboxWatcher(_held, Options.Create(new InboxOptions { Path = Inbox, QuietSeconds = QuietSeconds }), _clock, NullLogger<InboxWatcher>.Instance);
        Directory.CreateDirectory(Inbox);
    }

    private string Inbox => Path.Combine(_data.Path, "inbox");

    [Fact]
    public async Task Sweep_WhenACopyKeepsOldTimes_WaitsUntilTheDropHasLookedTheSameForTheQuietTime()
    {
        var drop = Path.Combine(Inbox, "study");
        var longAgo = _clock.GetUtcNow().UtcDateTime.AddDays(-3);
        Write(drop, "1.dcm", longAgo);
        Write(drop, "2.dcm", longAgo);

        await _watcher.SweepAsync(Inbox, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(4));
        Write(drop, "3.dcm", longAgo);
        await _watcher.SweepAsync(Inbox, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(QuietSeconds - 1));
        await _watcher.SweepAsync(Inbox, CancellationToken.None);
        Assert.Equal(0, (await _store.ListAsync(new AnalysisQuery())).Total);
        Assert.True(Directory.Exists(drop));

        _clock.Advance(TimeSpan.FromSeconds(1));
        await _watcher.SweepAsync(Inbox, CancellationToken.None);

        var taken = Assert.Single((await _store.ListAsync(new AnalysisQuery())).Items);
        Assert.Equal((3, "inbox:study"), (taken.InstanceCount, taken.SourceRef));
        Assert.False(Directory.Exists(drop));
        Assert.Equal([taken.Id], _queue.AnalysisIds);
    }

    [Fact]
    public async Task Sweep_WhenAFileWasJustWritten_WaitsForItToAgeThoughTheDropLooksTheSame()
    {
        var drop = Path.Combine(Inbox, "study");
        Write(drop, "1.dcm", _clock.GetUtcNow().UtcDateTime.AddSeconds(QuietSeconds * 2));

        await _watcher.SweepAsync(Inbox, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(QuietSeconds * 2));
        await _watcher.SweepAsync(Inbox, CancellationToken.None);
        Assert.Equal(0, (await _store.ListAsync(new AnalysisQuery())).Total);

        _clock.Advance(TimeSpan.FromSeconds(QuietSeconds));
        await _watcher.SweepAsync(Inbox, CancellationToken.None);
        Assert.Equal(1, (await _store.ListAsync(new AnalysisQuery())).Total);
    }

    [Fact]
    public async Task RecoverUnrecorded_WhenAHeldStudyHasNoRecord_FilesItUnderItsFolderIdOnceAndLeavesRecordedOnesAlone()
    {
        var admitted = Path.Combine(_data.Path, "incoming", "drop");
        Write(admitted, "a.dcm", DateTime.UtcNow);
        var (recorded, _) = await _held.AdmitAsync(admitted, "inbox:drop", CancellationToken.None);
        var orphan = Path.Combine(_data.Path, "studies", AnalysisStore.NewId());
        Write(orphan, "x.dcm", DateTime.UtcNow);
        Write(orphan, "y.dcm", DateTime.UtcNow);

        Assert.Equal(1, await _held.RecoverUnrecordedAsync(CancellationToken.None));
        Assert.Equal(0, await _held.RecoverUnrecordedAsync(CancellationToken.None));

        var filed = await _store.GetAsync(Path.GetFileName(orphan));
        Assert.NotNull(filed);
        Assert.Equal((AnalysisState.Queued, 2, StudySources.Files), (filed.State, filed.InstanceCount, filed.SourceKind));
        Assert.True(Directory.Exists(orphan));
        Assert.Equal(2, (await _store.ListAsync(new AnalysisQuery())).Total);
        Assert.Equal(AnalysisState.Queued, (await _store.GetAsync(recorded.Id))!.State);
        Assert.Equal([recorded.Id, filed.Id], _queue.AnalysisIds);
    }

    [Fact]
    public async Task RecoverUnrecorded_WhenTheOrphanRepeatsARecordedStudy_KeepsItAsADuplicate()
    {
        var admitted = Path.Combine(_data.Path, "incoming", "drop");
        Write(admitted, "a.dcm", DateTime.UtcNow, "same bytes");
        var (recorded, _) = await _held.AdmitAsync(admitted, "inbox:drop", CancellationToken.None);
        var orphanId = AnalysisStore.NewId();
        Write(Path.Combine(_data.Path, "studies", orphanId), "renamed.dcm", DateTime.UtcNow, "same bytes");

        Assert.Equal(1, await _held.RecoverUnrecordedAsync(CancellationToken.None));

        Assert.Null(await _store.GetAsync(orphanId));
        Assert.True(Directory.Exists(Path.Combine(_data.Path, "processed", $"{orphanId}-duplicate-of-{recorded.Id}")));
    }

    public void Dispose() => _data.Dispose();

    private static void Write(string folder, string name, DateTime modifiedUtc, string? content = null)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content ?? name);
        File.SetLastWriteTimeUtc(path, modifiedUtc);
    }

    /// <summary>The jobs enqueued, in order: each must be <see cref="StudyAnalysisJob.RunAsync"/> of an analysis id.</summary>
    private sealed class EnqueuedJobs : IBackgroundJobClient
    {
        private readonly List<Job> _jobs = [];

        public IReadOnlyList<string> AnalysisIds => [.. _jobs.Select(j =>
        {
            Assert.Equal((typeof(StudyAnalysisJob), nameof(StudyAnalysisJob.RunAsync)), (j.Type, j.Method.Name));
            return (string)j.Args[0];
        })];

        public string Create(Job job, IState state)
        {
            Assert.IsType<EnqueuedState>(state);
            _jobs.Add(job);
            return _jobs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool ChangeState(string jobId, IState state, string expectedState) => false;
    }
}
