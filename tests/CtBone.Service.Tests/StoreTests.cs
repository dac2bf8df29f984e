using System.Data.Common;
using System.Globalization;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Core.Series;
using CtBone.Store;
using Dapper;

namespace CtBone.Service.Tests;

/// <summary>
/// CtBone.Store's rules, run the same on SQLite and on PostgreSQL (a private cluster): queueing with dedupe, the
/// worker's lease, the one-current-result rule and the list's filters and paging. The two must behave alike.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PostgresGroup.Name)]
public sealed class StoreTests(PostgresFixture postgres) : IDisposable
{
    private const string Version = "ctbone-spine test";
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("ctbone-store-tests-").FullName;
    private readonly ManualClock _clock = new(s_start);

    public static TheoryData<string> Databases => new() { "sqlite", "postgresql" };

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task CreateAsync_WhenSameKeyAgainOrManyAtOnce_OneAnalysisStands(string kind)
    {
        var store = await StoreAsync(kind);

        var (first, created) = await store.CreateAsync(Request("key-1"));
        var (again, createdAgain) = await store.CreateAsync(Request("key-1") with { Id = AnalysisStore.NewId(), InstanceCount = 99 });
        var racing = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.CreateAsync(Request("key-2")))));

        Assert.True(created);
        Assert.Equal(AnalysisState.Queued, first.State);
        Assert.Equal(0, first.Attempts);
        Assert.Equal(40, first.InstanceCount);
        Assert.False(createdAgain);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(40, again.InstanceCount);
        Assert.Single(racing, r => r.Created);
        Assert.Single(racing.Select(r => r.Record.Id).Distinct());
        Assert.Equal(2, (await store.ListAsync(new AnalysisQuery())).Total);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Lease_WhenClaimedRenewedExpiredAndReleased_OneHolderAtATimeAndAttemptsCounted(string kind)
    {
        var store = await StoreAsync(kind);
        var id = (await store.CreateAsync(Request("lease"))).Record.Id;

        Assert.True(await store.TryClaimAsync(id, "worker-a", Later(10)));
        var held = (await store.GetAsync(id))!;
        Assert.Equal((AnalysisState.Running, "worker-a", 1), (held.State, held.LeaseOwner, held.Attempts));
        Assert.Equal(Later(10), held.LeaseUntil);
        Assert.False(await store.TryClaimAsync(id, "worker-b", Later(10)));
        Assert.False(await store.TryClaimAsync(id, "worker-a", Later(10)));
        Assert.False(await store.RenewLeaseAsync(id, "worker-b", Later(20)));
        Assert.True(await store.RenewLeaseAsync(id, "worker-a", Later(20)));

        _clock.Advance(TimeSpan.FromSeconds(15));
        Assert.False(await store.TryClaimAsync(id, "worker-b", Later(10)));
        Assert.DoesNotContain(id, (await store.UnfinishedAsync(includeQueued: false)).Select(u => u.Id));

        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Contains(id, (await store.UnfinishedAsync(includeQueued: false)).Select(u => u.Id));
        Assert.True(await store.TryClaimAsync(id, "worker-b", Later(10)));
        Assert.False(await store.RenewLeaseAsync(id, "worker-a", Later(10)));
        await store.ReleaseAsync(id, "worker-a", "not the holder");
        var takenOver = (await store.GetAsync(id))!;
        Assert.Equal((AnalysisState.Running, "worker-b", 2, (string?)null), (takenOver.State, takenOver.LeaseOwner, takenOver.Attempts, takenOver.Reason));

        await store.ReleaseAsync(id, "worker-b", "retrying after: the PACS did not answer");
        var released = (await store.GetAsync(id))!;
        Assert.Equal((AnalysisState.Queued, (string?)null, (DateTimeOffset?)null), (released.State, released.LeaseOwner, released.LeaseUntil));
        Assert.Equal("retrying after: the PACS did not answer", released.Reason);
        Assert.DoesNotContain(id, (await store.UnfinishedAsync(includeQueued: false)).Select(u => u.Id));
        Assert.Contains(id, (await store.UnfinishedAsync(includeQueued: true)).Select(u => u.Id));

        Assert.True(await store.TryClaimAsync(id, "worker-a", Later(10)));
        await store.RecordOutcomeAsync(id, Completed("1.2.9.1", ScreeningCategory.Normal), "{}", [], 40);
        Assert.False(await store.TryClaimAsync(id, "worker-b", Later(10)));
        Assert.False(await store.RenewLeaseAsync(id, "worker-a", Later(10)));
        var done = (await store.GetAsync(id))!;
        Assert.Equal((AnalysisState.Completed, 3, (string?)null, (DateTimeOffset?)null), (done.State, done.Attempts, done.LeaseOwner, done.LeaseUntil));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task RequeueRunningAsync_WhenAProcessDied_EveryRunningAnalysisIsQueuedAgain(string kind)
    {
        var store = await StoreAsync(kind);
        var running = (await store.CreateAsync(Request("running"))).Record.Id;
        _clock.Advance(TimeSpan.FromSeconds(1));
        var queued = (await store.CreateAsync(Request("queued"))).Record.Id;
        await store.TryClaimAsync(running, "dead", Later(60));

        Assert.Equal(1, await store.RequeueRunningAsync());

        Assert.Equal(AnalysisState.Queued, (await store.GetAsync(running))!.State);
        Assert.Equal([running, queued], (await store.UnfinishedAsync(includeQueued: true)).Select(u => u.Id));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task RecordOutcomeAsync_WhenSeriesResent_MoreInstancesSupersedeFewerDoNotAndRepeatsChangeNothing(string kind)
    {
        var store = await StoreAsync(kind);
        const string series = "1.2.840.99.1";
        var first = await RunAsync(store, "first", 40, Completed(series, ScreeningCategory.Normal), [new KeyImage("L1.png", [1, 2, 3])]);
        var more = await RunAsync(store, "more", 44, Completed(series, ScreeningCategory.Osteopenia), [new KeyImage("L1.png", [4, 5, 6])]);
        var fewer = await RunAsync(store, "fewer", 30, Completed(series, ScreeningCategory.Osteoporosis), []);
        var repeat = await store.RecordOutcomeAsync(more.Id, Completed(series, ScreeningCategory.Normal), "{\"repeat\":true}", [new KeyImage("L2.png", [7])], 50);
        var rejected = await RunAsync(store, "rejected", 45, new Findings { Status = AnalysisStatus.Rejected, Reason = "not an axial CT", AlgorithmVersion = Version }, []);
        var otherSeries = await RunAsync(store, "other", 10, Completed("1.2.840.99.2", ScreeningCategory.Normal), []);

        var all = (await store.ListAsync(new AnalysisQuery { CurrentOnly = false })).Items.ToDictionary(r => r.Id);
        Assert.False(all[first.Id].IsCurrent);
        Assert.Equal(more.Id, all[first.Id].SupersededBy);
        Assert.True(all[more.Id].IsCurrent);
        Assert.False(all[fewer.Id].IsCurrent);
        Assert.Equal(more.Id, all[fewer.Id].SupersededBy);
        Assert.Contains(more.Id, all[fewer.Id].Reason, StringComparison.Ordinal);
        Assert.Equal(AnalysisState.Completed, all[fewer.Id].State);

        Assert.True(repeat.WasAlreadyFinal);
        var stored = (await store.GetAsync(more.Id))!;
        Assert.Equal(("osteopenia", true, 44, true), (stored.Category, stored.Flagged, stored.InstanceCount, stored.IsCurrent));
        Assert.DoesNotContain("repeat", stored.FindingsJson, StringComparison.Ordinal);
        Assert.Equal(["L1.png"], await store.KeyImageNamesAsync(more.Id));
        Assert.Equal(new byte[] { 4, 5, 6 }, await store.KeyImageAsync(more.Id, "L1.png"));
        Assert.Null(await store.KeyImageAsync(more.Id, "L2.png"));

        Assert.Equal((AnalysisState.Rejected, false, "not an axial CT"), (all[rejected.Id].State, all[rejected.Id].IsCurrent, all[rejected.Id].Reason));
        Assert.True(all[otherSeries.Id].IsCurrent);
        Assert.Single(all.Values, r => r.SeriesInstanceUid == series && r.IsCurrent);
        var current = (await store.ListAsync(new AnalysisQuery())).Items.Select(r => r.Id).ToHashSet();
        Assert.Equal(new HashSet<string> { more.Id, rejected.Id, otherSeries.Id }, current);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task RecordOutcomeAsync_WhenResultsOfOneSeriesFinishAtOnce_ExactlyOneIsCurrent(string kind)
    {
        var store = await StoreAsync(kind);
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var id = (await store.CreateAsync(Request("race-" + i))).Record.Id;
            Assert.True(await store.TryClaimAsync(id, "worker", Later(60)));
            ids.Add(id);
        }

        var outcomes = await Task.WhenAll(ids.Select(id => Task.Run(() => store.RecordOutcomeAsync(id, Completed("1.2.840.99.3", ScreeningCategory.Normal), "{}", [], 40))));

        Assert.All(outcomes, o => Assert.Equal(AnalysisState.Completed, o.Record.State));
        var all = (await store.ListAsync(new AnalysisQuery { CurrentOnly = false })).Items;
        var current = Assert.Single(all, r => r.IsCurrent);
        Assert.All(all.Where(r => r.Id != current.Id), r => Assert.NotNull(r.SupersededBy));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task ListAsync_WithEachFilterAndPage_ReturnsWhatTheFilterSaysWithTotals(string kind)
    {
        var store = await StoreAsync(kind);
        var seeded = new List<Seeded>();
        var categories = Enum.GetValues<ScreeningCategory>();
        for (var i = 0; i < 24; i++)
        {
            var study = new StudyIdentity
            {
                PatientId = "PID" + (i % 7),
                PatientName = i % 6 == 0 ? "MÜLLER^HANS" : $"FAMILY{i % 5}^GIVEN{i}",
                AccessionNumber = "ACC" + i,
                StudyDate = new DateOnly(2021, 1, 1).AddDays(60 * i),
            };
            var category = categories[i % categories.Length];
            var record = await RunAsync(store, "list-" + i, 40, Completed("1.2.840.77." + i, category, study), []);
            seeded.Add(new Seeded(record.Id, category, study));
        }

        var rejected = await RunAsync(store, "list-rejected", 40, new Findings { Status = AnalysisStatus.Rejected, Reason = "no spine", AlgorithmVersion = Version }, []);
        var superseded = seeded[3];
        var resent = await RunAsync(store, "list-resent", 50, Completed("1.2.840.77.3", ScreeningCategory.Normal, superseded.Study), []);
        var queued = (await store.CreateAsync(Request("list-queued"))).Record.Id;
        var current = seeded.Where(s => s != superseded).Append(new Seeded(resent.Id, ScreeningCategory.Normal, superseded.Study)).ToList();

        async Task Check(AnalysisQuery query, IEnumerable<string> expected)
        {
            var page = await store.ListAsync(query with { PageSize = 200 });
            Assert.Equal(expected.Order(StringComparer.Ordinal), page.Items.Select(r => r.Id).Order(StringComparer.Ordinal));
            Assert.Equal(page.Items.Count, page.Total);
        }

        bool Flagged(Seeded s) => s.Category is ScreeningCategory.Osteopenia or ScreeningCategory.Osteoporosis;
        await Check(new AnalysisQuery { Flagged = true }, current.Where(Flagged).Select(s => s.Id));
        await Check(new AnalysisQuery { Flagged = false }, current.Where(s => !Flagged(s)).Select(s => s.Id).Append(rejected.Id).Append(queued));
        await Check(new AnalysisQuery { Category = ScreeningCategory.Osteoporosis }, current.Where(s => s.Category == ScreeningCategory.Osteoporosis).Select(s => s.Id));
        await Check(new AnalysisQuery { State = AnalysisState.Rejected }, [rejected.Id]);
        await Check(new AnalysisQuery { State = AnalysisState.Queued }, [queued]);
        var from = new DateOnly(2022, 3, 2);
        var to = new DateOnly(2023, 6, 30);
        await Check(new AnalysisQuery { From = from, To = to, Flagged = true }, current.Where(s => s.Study.StudyDate >= from && s.Study.StudyDate <= to && Flagged(s)).Select(s => s.Id));
        await Check(new AnalysisQuery { From = seeded[5].Study.StudyDate, To = seeded[5].Study.StudyDate }, [seeded[5].Id]);
        await Check(new AnalysisQuery { Patient = "PID3" }, current.Where(s => s.Study.PatientId == "PID3").Select(s => s.Id));
        await Check(new AnalysisQuery { Patient = "PID" }, []);
        await Check(new AnalysisQuery { Patient = "family2" }, current.Where(s => s.Study.PatientName!.StartsWith("FAMILY2", StringComparison.Ordinal)).Select(s => s.Id));
        await Check(new AnalysisQuery { Patient = "müller" }, current.Where(s => s.Study.PatientName!.StartsWith("MÜLLER", StringComparison.Ordinal)).Select(s => s.Id));
        await Check(new AnalysisQuery { Patient = "given1" }, current.Where(s => s.Study.PatientName!.Contains("GIVEN1", StringComparison.Ordinal)).Select(s => s.Id));
        await Check(new AnalysisQuery { Patient = "_" }, []);
        await Check(new AnalysisQuery { Accession = "ACC17" }, [seeded[17].Id]);
        await Check(new AnalysisQuery { Accession = "ACC3" }, [resent.Id]);
        await Check(new AnalysisQuery { Accession = "acc17" }, []);

        var everything = await store.ListAsync(new AnalysisQuery { PageSize = 200 });
        var pages = new List<AnalysisRecord>();
        for (var page = 1; page <= 5; page++)
        {
            var slice = await store.ListAsync(new AnalysisQuery { Page = page, PageSize = 6 });
            Assert.Equal((everything.Total, page, 6), (slice.Total, slice.Page, slice.PageSize));
            pages.AddRange(slice.Items);
        }

        Assert.Equal(current.Count + 2, everything.Total);
        Assert.Equal(everything.Items.Select(r => r.Id), pages.Select(r => r.Id));
        Assert.Equal(everything.Items.OrderByDescending(r => r.CreatedAt).Select(r => r.Id), everything.Items.Select(r => r.Id));
        Assert.Empty((await store.ListAsync(new AnalysisQuery { Page = 6, PageSize = 6 })).Items);
        Assert.Equal(current.Count + 3, (await store.ListAsync(new AnalysisQuery { CurrentOnly = false })).Total);
        var shown = (await store.GetAsync(seeded[6].Id))!;
        Assert.Equal((seeded[6].Study.PatientName, seeded[6].Study.StudyDate, "ACC6"), (shown.PatientName, shown.StudyDate, shown.AccessionNumber));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task ListStatement_ForTheWorklistWithEachFilter_CountsAndPagesFromTheWorklistIndexAlone(string kind)
    {
        var database = await postgres.DatabaseAsync(kind, _folder);
        var store = new AnalysisStore(database, _clock);
        for (var i = 0; i < 12; i++)
        {
            var study = new StudyIdentity { PatientId = "PID" + i, PatientName = "SMITH^GIVEN" + i, AccessionNumber = "ACC" + i, StudyDate = new DateOnly(2022, 1, 1).AddDays(30 * i) };
            await RunAsync(store, "plan-" + i, 40, Completed("1.2.840.78." + i, i % 2 == 0 ? ScreeningCategory.Osteoporosis : ScreeningCategory.Normal, study), []);
        }

        var worklist = new AnalysisQuery { Flagged = true };
        AnalysisQuery[] queries =
        [
            worklist,
            worklist with { Page = 3, PageSize = 2 },
            worklist with { Category = ScreeningCategory.Osteoporosis },
            worklist with { From = new DateOnly(2022, 3, 1), To = new DateOnly(2022, 12, 31) },
            worklist with { Patient = "smith" },
            worklist with { Search = "ACC4" },
            worklist with { Severity = "severe", Reviewed = false },
        ];
        foreach (var query in queries)
        {
            var statement = ListStatement.For(query);
            foreach (var sql in new[] { statement.Count, statement.Page })
            {
                var plan = await PlanAsync(database, sql, statement.Parameters);
                Assert.True(plan.Contains("analyses_worklist", StringComparison.Ordinal), $"{query}: {sql}\n{plan}");
                Assert.DoesNotContain(kind == "sqlite" ? "SCAN analyses\n" : "Seq Scan", plan + "\n", StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Batches_WhenFoldersAreListedTwiceAndAnalysesEnd_CountEachOnceByStateAndFinishWithTheLast(string kind)
    {
        var database = await postgres.DatabaseAsync(kind, _folder);
        var store = new AnalysisStore(database, _clock);
        var batches = new BatchStore(database, _clock);
        var batch = await batches.CreateAsync("archive", "/archive/2024", 2, "admin");
        var flagged = await RunAsync(store, "batch-a", 40, Completed("1.2.840.79.1", ScreeningCategory.Osteoporosis), []);
        var normal = await RunAsync(store, "batch-b", 40, Completed("1.2.840.79.2", ScreeningCategory.Normal), []);
        var queued = (await store.CreateAsync(Request("batch-c"))).Record.Id;
        foreach (var (folder, id) in new[] { ("p1/s1", flagged.Id), ("p1/s2", normal.Id), ("p2/s1", queued), ("p1/s1", flagged.Id) })
        {
            await batches.AddItemAsync(batch.Id, folder, id);
        }

        Assert.Equal([batch.Id], await batches.EnumeratingAsync());
        await batches.FinishEnumerationAsync(batch.Id);
        await batches.FinishEnumerationAsync(batch.Id, "a later call changes nothing");

        var running = (await batches.GetAsync(batch.Id))!;
        Assert.Equal((BatchState.Enumerated, 3, 1, null), (running.State, running.Found, running.Flagged, running.Reason));
        Assert.Equal(new Dictionary<string, int> { ["completed"] = 2, ["queued"] = 1 }, running.Analyses);
        Assert.Null(running.LastFinishedAt);
        Assert.Empty(await batches.EnumeratingAsync());
        var listed = await store.InBatchAsync(batch.Id).ToListAsync();
        Assert.Equal([("p1/s1", flagged.Id), ("p1/s2", normal.Id), ("p2/s1", queued)], listed.Select(l => (l.Folder, l.Record.Id)));
        Assert.Equal(("osteoporosis", true, "{\"findings\":true}"), (listed[0].Record.Category, listed[0].Record.Flagged, listed[0].Record.FindingsJson));

        Assert.True(await store.TryClaimAsync(queued, "worker", Later(60)));
        _clock.Advance(TimeSpan.FromMinutes(5));
        await store.RecordOutcomeAsync(queued, new Findings { Status = AnalysisStatus.Rejected, Reason = "no spine", AlgorithmVersion = Version }, "{}", [], 40);
        var done = (await batches.GetAsync(batch.Id))!;
        Assert.Equal(new Dictionary<string, int> { ["completed"] = 2, ["rejected"] = 1 }, done.Analyses);
        Assert.Equal(_clock.GetUtcNow(), done.LastFinishedAt);
        Assert.Equal([batch.Id], (await batches.ListAsync()).Select(b => b.Id));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Batches_WhenCancelled_DropOnlyTheirOwnQueuedFolderAnalysesAndListNothingMore(string kind)
    {
        var database = await postgres.DatabaseAsync(kind, _folder);
        var store = new AnalysisStore(database, _clock);
        var batches = new BatchStore(database, _clock);
        var batch = await batches.CreateAsync("archive", "/archive", 1, "admin");
        var other = await batches.CreateAsync("archive again", "/archive", 1, "admin");
        async Task<string> QueuedAsync(string key) => (await store.CreateAsync(Request(key) with { SourceKind = StudySources.ArchiveFolder })).Record.Id;
        var own = await QueuedAsync("cancel-own");
        var shared = await QueuedAsync("cancel-shared");
        var running = await QueuedAsync("cancel-running");
        Assert.True(await store.TryClaimAsync(running, "worker", Later(60)));
        var done = await RunAsync(store, "cancel-done", 40, Completed("1.2.840.80.1", ScreeningCategory.Normal), []);
        foreach (var (folder, id) in new[] { ("a", own), ("b", shared), ("c", running), ("d", done.Id) })
        {
            await batches.AddItemAsync(batch.Id, folder, id);
        }

        await batches.AddItemAsync(other.Id, "b", shared);
        await batches.FinishEnumerationAsync(batch.Id);

        Assert.True(await batches.CancelAsync(batch.Id, "cancelled by admin"));
        Assert.False(await batches.CancelAsync(batch.Id, "again"));
        await batches.AddItemAsync(batch.Id, "e", done.Id);

        var cancelled = (await batches.GetAsync(batch.Id))!;
        Assert.Equal((BatchState.Cancelled, 4, "cancelled by admin"), (cancelled.State, cancelled.Found, cancelled.Reason));
        Assert.Equal(new Dictionary<string, int> { ["queued"] = 1, ["running"] = 1, ["completed"] = 1 }, cancelled.Analyses);
        Assert.Null(await store.GetAsync(own));
        Assert.NotNull(await store.GetAsync(shared));
        Assert.Equal(["b", "c", "d"], (await store.InBatchAsync(batch.Id).ToListAsync()).Select(i => i.Folder));
        Assert.Equal(BatchState.Cancelled, await batches.StateAsync(batch.Id));
        Assert.Equal(BatchState.Enumerating, await batches.StateAsync(other.Id));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task MigrateAsync_WhenTheTableIsAnOlderLayout_MovesTheDocumentsAddsTheFoldedNameAndRunsAgainHarmlessly(string kind)
    {
        var database = await postgres.DatabaseAsync(kind, _folder);
        var store = new AnalysisStore(database, _clock);
        var study = new StudyIdentity { PatientId = "PID1", PatientName = "FAMILY^GIVEN" };
        var id = (await RunAsync(store, "older", 40, Completed("1.2.840.99.4", ScreeningCategory.Normal, study), [])).Id;
        var findings = (await store.GetAsync(id))!.FindingsJson;
        // The layout before the documents had their own table, and before the folded name.
        await ExecuteAsync(database, """
            alter table analyses add column findings_json text;
            update analyses set findings_json = (select findings_json from analysis_documents where analysis_id = analyses.id);
            drop table analysis_documents;
            drop index analyses_list;
            drop index analyses_worklist;
            create index analyses_flagged on analyses (flagged, created_at, id, is_current, state, category, study_date, patient_id, accession_number);
            alter table analyses drop column patient_name_folded;
            """);

        await database.MigrateAsync();
        await database.MigrateAsync();

        var indexes = await QueryAsync(database, kind == "sqlite"
            ? "select name from sqlite_master where type = 'index' and tbl_name = 'analyses' and name like 'analyses_%'"
            : "select indexname from pg_indexes where tablename = 'analyses'");
        Assert.Contains("analyses_worklist", indexes);
        Assert.DoesNotContain("analyses_flagged", indexes);

        Assert.Equal([id], (await store.ListAsync(new AnalysisQuery { Patient = "Family" })).Items.Select(r => r.Id));
        Assert.NotNull(findings);
        Assert.Equal(findings, (await store.GetAsync(id))!.FindingsJson);
        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync(database, "select findings_json from analyses"));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task MigrateAsync_WhenDeliveriesPredateRevisions_KeepsEachAsRevisionZeroAndThenTakesRevisions(string kind)
    {
        var database = await postgres.DatabaseAsync(kind, _folder);
        var store = new AnalysisStore(database, _clock);
        var deliveries = new ResultDeliveries(database, _clock);
        var id = (await RunAsync(store, "delivered", 40, Completed("1.2.840.99.5", ScreeningCategory.Normal), [])).Id;
        // The tables as the first release of deliveries made them: one delivery per analysis, objects without a revision.
        await ExecuteAsync(database, $"""
            drop table deliveries;
            create table deliveries (analysis_id text primary key, state text not null, target_kind text not null, target text, reason text,
                attempts integer not null default 0, updated_at text not null, next_attempt_at text, sent_at text);
            create index deliveries_by_state on deliveries (state);
            alter table result_objects drop column revision;
            insert into result_objects (analysis_id, name, content) values ('{id}', 'report-sr.dcm', {(kind == "sqlite" ? "x'0102'" : "'\\x0102'::bytea")});
            insert into deliveries (analysis_id, state, target_kind, target, reason, attempts, updated_at)
                values ('{id}', 'failed', 'configured', 'http://pacs.example/dicom-web/', 'gave up after 8 attempts', 8, '2026-03-01T08:00:00.0000000Z');
            """);

        await database.MigrateAsync();
        await database.MigrateAsync();

        var kept = Assert.Single(await deliveries.AllAsync(id));
        Assert.Equal((0, DeliveryState.Failed, "configured", "gave up after 8 attempts", 8), (kept.Revision, kept.State, kept.TargetKind, kept.Reason, kept.Attempts));
        var own = Assert.Single(await deliveries.ObjectsAsync(id, 0));
        Assert.Equal(new byte[] { 1, 2 }, own.Content);
        Assert.True(await deliveries.SaveRevisionAsync(id, 1, [new ResultObject("report-sr-r1.dcm", [3])]));
        Assert.False(await deliveries.SaveRevisionAsync(id, 1, [new ResultObject("report-sr-r1.dcm", [3])]));
        var all = await deliveries.AllAsync(id);
        Assert.Equal([(0, DeliveryState.Failed), (1, DeliveryState.Pending)], all.Select(d => (d.Revision, d.State)));
        Assert.Equal(("configured", "http://pacs.example/dicom-web/"), (all[1].TargetKind, all[1].Target));
        Assert.Equal("report-sr-r1.dcm", Assert.Single(await deliveries.ObjectsAsync(id, 1)).Name);
        Assert.Equal([id], await deliveries.PendingAsync());
        Assert.True(await deliveries.RetryAsync(id));
        Assert.All(await deliveries.AllAsync(id), d => Assert.Equal(DeliveryState.Pending, d.State));
        Assert.Equal(["report-sr-r1.dcm", "report-sr.dcm"], await deliveries.ObjectNamesAsync(id));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task ReviewedAsync_WhenReviewStepsOutnumberRevisions_NamesTheAnalysisWithItsLatestRevision(string kind)
    {
        var database = await postgres.DatabaseAsync(kind, _folder);
        var store = new AnalysisStore(database, _clock);
        var deliveries = new ResultDeliveries(database, _clock);
        var findings = Completed("1.2.840.99.6", ScreeningCategory.Normal);
        var id = (await store.CreateAsync(Request("revisable"))).Record.Id;
        var unrevisable = (await RunAsync(store, "no sources", 40, Completed("1.2.840.99.7", ScreeningCategory.Normal), [])).Id;
        Assert.True(await store.TryClaimAsync(id, "worker", Later(60)));
        await store.RecordOutcomeAsync(
            id, findings, "{}", [], 40, new PacsResults([new ResultObject("report-sr.dcm", [1])], new DeliveryTarget("configured", "http://pacs.example/"), [new ResultObject("result-input.json", [2])]));
        Assert.Empty(await deliveries.ReviewedAsync());

        foreach (var reviewed in new[] { id, unrevisable })
        {
            await store.RecordReviewAsync(
                reviewed,
                new AnalysisReview { Corrected = findings, CorrectedJson = "{}", ReviewedBy = "dr reviewer", ReviewedAt = Later(1), ReviewJson = "{\"steps\":[{},{}]}" },
                null);
        }

        Assert.Equal([(id, "{\"steps\":[{},{}]}", 0)], await deliveries.ReviewedAsync());
        Assert.Equal("result-input.json", Assert.Single(await deliveries.RevisionSourcesAsync(id)).Name);
        await deliveries.SaveRevisionAsync(id, 2, [new ResultObject("report-sr-r2.dcm", [3])]);
        Assert.Equal(2, Assert.Single(await deliveries.ReviewedAsync()).LatestRevision);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task KeysAuditAndSourcePositions_WhenWrittenAndRead_BehaveAlike(string kind)
    {
        var database = await postgres.DatabaseAsync(kind, _folder);
        var keys = new ApiKeyStore(database, _clock);
        var audit = new AuditLog(database);
        var positions = new SourcePositions(database, _clock);

        var (viewer, key) = await keys.CreateAsync("dr viewer", Roles.Viewer);
        Assert.Equal(viewer, await keys.FindAsync(key));
        Assert.True(await keys.RevokeAsync(viewer.Id));
        Assert.False(await keys.RevokeAsync(viewer.Id));
        Assert.Null(await keys.FindAsync(key));
        Assert.Empty(await keys.ListAsync());

        await audit.WriteAsync(new AuditEntry { At = s_start, Actor = "dr viewer", Role = Roles.Viewer, Action = "analysis.read", Resource = "a1" });
        await audit.WriteAsync(new AuditEntry { At = s_start.AddMinutes(1), Actor = "dr viewer", Role = Roles.Viewer, Action = "analyses.list", Detail = "2 of 2" });
        Assert.Equal(["analyses.list", "analysis.read"], (await audit.ReadAsync(null, 10)).Select(e => e.Action));
        Assert.Equal(s_start, Assert.Single(await audit.ReadAsync("a1", 10)).At);

        Assert.Null(await positions.GetAsync("orthanc"));
        await positions.SetAsync("orthanc", "17");
        await positions.SetAsync("orthanc", "42");
        Assert.Equal("42", await positions.GetAsync("orthanc"));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task AuditLog_WhenManyWriteAtOnce_CommitsEachBeforeItsWriteEndsAndAFailedGroupFailsOnlyItsOwn(string kind)
    {
        var database = await postgres.DatabaseAsync(kind, _folder);
        await using var audit = new AuditLog(database);
        AuditEntry Entry(int i) => new() { At = s_start.AddSeconds(i), Actor = "dr viewer", Role = Roles.Viewer, Action = "analysis.read", Resource = "r" + i.ToString(CultureInfo.InvariantCulture) };

        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(() => audit.WriteAsync(Entry(i)))));
        Assert.Equal(300, (await audit.ReadAsync(null, 1000)).Count);

        await ExecuteAsync(database, "alter table audit_log rename to audit_log_away");
        await Assert.ThrowsAnyAsync<DbException>(() => audit.WriteAsync(Entry(300)));
        await ExecuteAsync(database, "alter table audit_log_away rename to audit_log");
        await audit.WriteAsync(Entry(301));

        var read = await audit.ReadAsync(null, 1000);
        Assert.Equal(301, read.Count);
        Assert.Equal("r301", read[0].Resource);
        Assert.DoesNotContain(read, e => e.Resource == "r300");
    }

    private static async Task<List<string>> QueryAsync(FindingsDatabase database, string sql, DynamicParameters? parameters = null)
    {
        var connection = await database.OpenAsync();
        await using (connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters?.ParameterNames ?? [])
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = ((SqlMapper.IParameterLookup)parameters!)[name] ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            var lines = new List<string>();
            using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(reader.FieldCount - 1));
            }

            return lines;
        }
    }

    /// <summary>
    /// How the database would run <paramref name="sql"/>, one line per step. PostgreSQL is told to avoid reading the whole
    /// table where it can: a test table of a dozen rows is cheaper to scan, so only this shows whether an index can serve.
    /// </summary>
    private static async Task<string> PlanAsync(FindingsDatabase database, string sql, DynamicParameters parameters) =>
        string.Join('\n', await QueryAsync(
            database,
            database.Kind == DatabaseKind.Sqlite ? "explain query plan " + sql : "set enable_seqscan = off; explain " + sql,
            parameters));

    private static async Task ExecuteAsync(FindingsDatabase database, string sql)
    {
        var connection = await database.OpenAsync();
        await using (connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }

    private async Task<AnalysisStore> StoreAsync(string kind) => new(await postgres.DatabaseAsync(kind, _folder), _clock);

    /// <summary>One analysis queued, claimed and ended with the findings given; the clock moves a second per analysis so the list order is known.</summary>
    private async Task<AnalysisRecord> RunAsync(AnalysisStore store, string key, int instances, Findings findings, IReadOnlyList<KeyImage> images)
    {
        _clock.Advance(TimeSpan.FromSeconds(1));
        var id = (await store.CreateAsync(Request(key) with { InstanceCount = instances })).Record.Id;
        Assert.True(await store.TryClaimAsync(id, "worker", Later(60)));
        return (await store.RecordOutcomeAsync(id, findings, "{\"findings\":true}", images, instances)).Record;
    }

    private DateTimeOffset Later(int seconds) => _clock.GetUtcNow().AddSeconds(seconds);

    private static NewAnalysis Request(string key) => new()
    {
        SourceKind = StudySources.Files,
        SourceRef = "test:" + key,
        DedupeKey = key,
        AlgorithmVersion = Version,
        InstanceCount = 40,
    };

    private static Findings Completed(string series, ScreeningCategory category, StudyIdentity? study = null) => new()
    {
        Status = AnalysisStatus.Completed,
        AlgorithmVersion = Version,
        StudyInstanceUid = series + ".0",
        SeriesInstanceUid = series,
        Study = study,
        Screening = new ScreeningResult { Category = category, LevelUsed = "L1", Hu = 100 },
    };

    private sealed record Seeded(string Id, ScreeningCategory Category, StudyIdentity Study);
}
