using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CtBone.Api;
using CtBone.TestSupport;

namespace CtBone.Service.Tests;

/// <summary>
/// Batch reprocessing against a real <c>ctbone serve</c>: an archive folder of phantom studies (and a broken one) is walked,
/// each study analysed once where it lies, progress followed to the end, results exported as CSV; a walk cut off by a
/// stop resumes at the next start; bad requests are refused with the reason.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BatchTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(180);
    private readonly TempFolder _archive = new("ctbone-archive");

    [Fact]
    public async Task Batch_OverAnArchiveFolder_AnalysesEachStudyOnceWhereItLiesWithProgressAndExportsTheResults()
    {
        var year = Path.Combine(_archive.Path, "2024");
        Copy(ServiceProcess.TestDicoms("standard"), Path.Combine(year, "study-a"));
        Copy(ServiceProcess.TestDicoms("osteoporotic"), Path.Combine(year, "study-b"));
        var broken = Path.Combine(year, "study-c-broken");
        Directory.CreateDirectory(broken);
        var sample = Directory.GetFiles(ServiceProcess.TestDicoms("standard"), "IM*", SearchOption.AllDirectories)[0];
        await File.WriteAllBytesAsync(Path.Combine(broken, "truncated.dcm"), (await File.ReadAllBytesAsync(sample))[..400]);
        Directory.CreateDirectory(Path.Combine(year, "empty"));
        var before = Look(year);
        await using var service = await StartAsync();
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        using var admin = service.Client(service.AdminKey);

        using var created = await admin.PostAsJsonAsync("/api/batches", new { folder = year + "/", name = "archive 2024" });

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var href = created.Headers.Location!.OriginalString;
        var batch = await WaitForBatchAsync(service, viewer, href);
        Assert.Equal(("archive 2024", year, 3, 3, 1.0), (batch.GetProperty("name").GetString(), batch.GetProperty("folder").GetString(),
            batch.GetProperty("studies").GetInt32(), batch.GetProperty("finished").GetInt32(), batch.GetProperty("progress").GetDouble()));
        var analyses = batch.GetProperty("analyses");
        Assert.Equal((2, 1, 0, 0, 0), (analyses.GetProperty("completed").GetInt32(), analyses.GetProperty("rejected").GetInt32(),
            analyses.GetProperty("failed").GetInt32(), analyses.GetProperty("queued").GetInt32(), analyses.GetProperty("running").GetInt32()));
        Assert.True(batch.GetProperty("flagged").GetInt32() >= 1);
        Assert.Equal(JsonValueKind.String, batch.GetProperty("finishedAt").ValueKind);

        using var asViewer = service.Client(viewer);
        var rows = await ReadCsvAsync(asViewer, href + "/results.csv");
        Assert.Equal(BatchExport.Columns, rows[0]);
        int Column(string name) => Array.IndexOf(BatchExport.Columns, name);
        Assert.Equal(["study-a", "study-b", "study-c-broken"], rows.Skip(1).Select(r => r[Column("folder")]));
        Assert.Equal(["completed", "completed", "rejected"], rows.Skip(1).Select(r => r[Column("state")]));
        var osteoporotic = rows[2];
        Assert.Equal(("osteoporosis", "true"), (osteoporotic[Column("category")], osteoporotic[Column("flagged")]));
        var analysis = await asViewer.GetFromJsonAsync<JsonElement>("/api/analyses/" + osteoporotic[Column("analysis_id")]);
        Assert.Equal(analysis.GetProperty("seriesInstanceUid").GetString(), osteoporotic[Column("series_instance_uid")]);
        Assert.Equal(analysis.GetProperty("findings").GetProperty("screening").GetProperty("levelUsed").GetString(), osteoporotic[Column("level_used")]);
        Assert.StartsWith("ctbone-spine ", osteoporotic[Column("algorithm_version")], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(osteoporotic[Column("roi_mid_slice_sop_instance_uid")]));
        Assert.Contains(" HU (", osteoporotic[Column("thresholds")], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(rows[3][Column("reason")]));

        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/audit?resource=" + batch.GetProperty("id").GetString());
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "batch.export" && e.GetProperty("actor").GetString() == "dr viewer");
        Assert.Equal(before, Look(year));

        // The same folder again: the same analyses, listed at once, nothing analysed twice.
        using var again = await admin.PostAsJsonAsync("/api/batches", new { folder = year });
        var second = await WaitForBatchAsync(service, viewer, again.Headers.Location!.OriginalString);
        Assert.Equal(3, second.GetProperty("analyses").GetProperty("completed").GetInt32() + second.GetProperty("analyses").GetProperty("rejected").GetInt32());
        var secondRows = await ReadCsvAsync(asViewer, again.Headers.Location!.OriginalString + "/results.csv");
        Assert.Equal(rows.Skip(1).Select(r => r[Column("analysis_id")]), secondRows.Skip(1).Select(r => r[Column("analysis_id")]));
        Assert.Equal(3, (await asViewer.GetFromJsonAsync<JsonElement>("/api/analyses?all=true")).GetProperty("total").GetInt32());
        Assert.Equal(2, (await asViewer.GetFromJsonAsync<JsonElement>("/api/batches")).GetArrayLength());
    }

    [Fact]
    public async Task Batch_WhenTheServiceStoppedWhileWalking_TheWalkResumesAtTheNextStartAndListsEachStudyOnce()
    {
        // Two levels: patient folders holding study folders.
        Copy(ServiceProcess.TestDicoms("osteoporotic"), Path.Combine(_archive.Path, "patient-1", "study-1"));
        Copy(ServiceProcess.TestDicoms("standard"), Path.Combine(_archive.Path, "patient-2", "study-1"));
        var service = await StartAsync();
        await using (service)
        {
            var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
            await service.KillAsync();
            // What a stop before the walk ended leaves: the batch still walking. (Listing a folder twice is StoreTests'.)
            Assert.Equal(1, await StoreSeeding.ExecuteAsync(service, $"""
                insert into batches (id, name, folder, study_depth, created_by, created_at, state, found)
                values ('cut0ff', 'cut off', '{_archive.Path}', 2, 'admin', '2026-01-01T00:00:00.0000000Z', 'enumerating', 0)
                """));

            await service.RestartAsync();

            var batch = await WaitForBatchAsync(service, viewer, "/api/batches/cut0ff");
            Assert.Equal((2, 2), (batch.GetProperty("studies").GetInt32(), batch.GetProperty("analyses").GetProperty("completed").GetInt32()));
            var rows = await ReadCsvAsync(service.Client(viewer), "/api/batches/cut0ff/results.csv");
            Assert.Equal([Path.Combine("patient-1", "study-1"), Path.Combine("patient-2", "study-1")], rows.Skip(1).Select(r => r[0]));
        }
    }

    [Fact]
    public async Task Batch_WhileItRuns_AStudyFromTheInboxIsAnalysedWithoutWaitingForIt()
    {
        const int Studies = 6;
        for (var i = 0; i < Studies; i++)
        {
            Copy(ServiceProcess.TestDicoms("standard"), Path.Combine(_archive.Path, $"study-{i}"));
        }

        // One worker for each queue: with one queue the inbox study would wait behind all six.
        await using var service = await StartAsync(new() { ["CtBone__Worker__Concurrency"] = "1", ["CtBone__Worker__BatchConcurrency"] = "1" });
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        using var admin = service.Client(service.AdminKey);
        using var created = await admin.PostAsJsonAsync("/api/batches", new { folder = _archive.Path });
        var href = created.Headers.Location!.OriginalString;
        using var asViewer = service.Client(viewer);
        var clock = Stopwatch.StartNew();
        while ((await asViewer.GetFromJsonAsync<JsonElement>(href)).GetProperty("state").GetString() == "walking")
        {
            Assert.True(clock.Elapsed < s_timeout, "the batch was not walked");
            await Task.Delay(100);
        }

        // The only osteoporotic study: the batch holds copies of the standard one.
        service.Drop(ServiceProcess.TestDicoms("osteoporotic"), "urgent");
        var urgent = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_timeout, "all=true&category=osteoporosis"));

        var batch = await asViewer.GetFromJsonAsync<JsonElement>(href);
        Assert.True(batch.GetProperty("finished").GetInt32() < Studies, $"the inbox study finished after the whole batch: {batch}");
        Assert.Equal("running", batch.GetProperty("state").GetString());
        Assert.Equal("files", (await asViewer.GetFromJsonAsync<JsonElement>(urgent.GetProperty("href").GetString()!)).GetProperty("sourceKind").GetString());
        Assert.Equal("done", (await WaitForBatchAsync(service, viewer, href)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Cancel_WhileTheBatchRuns_ItsQueuedStudiesAreDroppedRunningOnesFinishAndALaterBatchAnalysesTheRest()
    {
        const int Studies = 6;
        for (var i = 0; i < Studies; i++)
        {
            Copy(ServiceProcess.TestDicoms("standard"), Path.Combine(_archive.Path, $"study-{i}"));
        }

        await using var service = await StartAsync(new() { ["CtBone__Worker__BatchConcurrency"] = "1" });
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        using var admin = service.Client(service.AdminKey);
        using var created = await admin.PostAsJsonAsync("/api/batches", new { folder = _archive.Path });
        var href = created.Headers.Location!.OriginalString;
        var clock = Stopwatch.StartNew();
        while ((await admin.GetFromJsonAsync<JsonElement>(href)).GetProperty("finished").GetInt32() == 0)
        {
            Assert.True(clock.Elapsed < s_timeout, "no study of the batch finished");
            await Task.Delay(100);
        }

        using var cancelled = await admin.PostAsync(href + "/cancel", null);

        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        var batch = await WaitForBatchAsync(service, viewer, href, settled: b => b.GetProperty("analyses").GetProperty("running").GetInt32() == 0);
        Assert.Equal("cancelled", batch.GetProperty("state").GetString());
        Assert.StartsWith("cancelled by first admin at ", batch.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var (finished, dropped) = (batch.GetProperty("finished").GetInt32(), batch.GetProperty("analyses").GetProperty("cancelled").GetInt32());
        Assert.Equal((Studies, 0), (finished + dropped, batch.GetProperty("analyses").GetProperty("queued").GetInt32()));
        Assert.True(dropped > 0, $"nothing was left to cancel: {batch}");
        await Problem.AssertAsync(await admin.PostAsync(href + "/cancel", null), HttpStatusCode.Conflict, "nothing to stop");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(finished, (await admin.GetFromJsonAsync<JsonElement>("/api/analyses?all=true")).GetProperty("total").GetInt32());

        using var again = await admin.PostAsJsonAsync("/api/batches", new { folder = _archive.Path });
        var rerun = await WaitForBatchAsync(service, viewer, again.Headers.Location!.OriginalString);
        Assert.Equal((Studies, Studies), (rerun.GetProperty("studies").GetInt32(), rerun.GetProperty("analyses").GetProperty("completed").GetInt32()));
        Assert.Equal(Studies, (await admin.GetFromJsonAsync<JsonElement>("/api/analyses?all=true")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Batch_WithABadFolderOrDepthOrNoRoots_RefusedWithTheReasonAndNothingStarts()
    {
        var service = await StartAsync();
        await using (service)
        {
            using var admin = service.Client(service.AdminKey);
            var refusals = new (object Body, string Reason)[]
            {
                (new { folder = "/etc" }, "inside one"),
                (new { folder = "archive" }, "absolute path"),
                (new { folder = Path.Combine(_archive.Path, "nope") }, "there is no folder"),
                (new { folder = _archive.Path, studyDepth = 0 }, "studyDepth"),
                (new { folder = _archive.Path, studyDepth = BatchEndpoints.MaxStudyDepth + 1 }, "studyDepth"),
                (new { folder = _archive.Path, name = new string('n', 201) }, "200 characters"),
            };
            foreach (var (body, reason) in refusals)
            {
                using var refused = await admin.PostAsJsonAsync("/api/batches", body);
                await Problem.AssertAsync(refused, HttpStatusCode.BadRequest, reason);
            }

            using var malformed = await admin.PostAsync("/api/batches", new StringContent("{\"folder\": ", System.Text.Encoding.UTF8, "application/json"));
            await Problem.AssertAsync(malformed, HttpStatusCode.BadRequest);
            Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/batches")).GetArrayLength());
            await Problem.AssertAsync(await admin.GetAsync("/api/batches/unknown"), HttpStatusCode.NotFound, "no batch");
        }

        await using var withoutRoots = await ServiceProcess.StartAsync();
        using var withoutRootsAdmin = withoutRoots.Client(withoutRoots.AdminKey);
        await Problem.AssertAsync(await withoutRootsAdmin.PostAsJsonAsync("/api/batches", new { folder = _archive.Path }), HttpStatusCode.Conflict, "CtBone:Batches:Roots");
    }

    [Theory]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("-12.5", "-12.5")]
    [InlineData("+1 2", "'+1 2")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("plain", "plain")]
    [InlineData(null, "")]
    public void Cell_WhenTextLooksLikeAFormulaOrNeedsQuotes_IsDefusedAndQuoted(string? value, string written) =>
        Assert.Equal(written, BatchExport.Cell(value));

    [Theory]
    [InlineData("/archive", "/archive", true)]
    [InlineData("/archive/", "/archive/2024/ward-3", true)]
    [InlineData("/archive", "/archive-old", false)]
    [InlineData("/archive", "/arch", false)]
    [InlineData("/", "/mnt/pacs-export", true)]
    public void RootOf_WhenTheFolderIsARootOrInsideOneOrNot_SaysSo(string root, string folder, bool inside)
    {
        var options = new CtBone.Worker.BatchOptions();
        options.Roots.Add(root);

        Assert.Equal(inside, options.RootOf(folder) is not null);
    }

    public void Dispose() => _archive.Dispose();

    private Task<ServiceProcess> StartAsync(Dictionary<string, string>? settings = null) =>
        ServiceProcess.StartAsync(new Dictionary<string, string>(settings ?? [])
        {
            ["CtBone__Batches__Roots__0"] = _archive.Path,
            ["CtBone__Batches__PollSeconds"] = "0.2",
        });

    /// <summary>Polls a batch until it is done, rejected or cancelled (and <paramref name="settled"/> holds), and returns it.</summary>
    private static async Task<JsonElement> WaitForBatchAsync(ServiceProcess service, string key, string href, Func<JsonElement, bool>? settled = null)
    {
        using var client = service.Client(key);
        var clock = Stopwatch.StartNew();
        var last = default(JsonElement);
        while (clock.Elapsed < s_timeout)
        {
            last = await client.GetFromJsonAsync<JsonElement>(href);
            if (last.GetProperty("state").GetString() is "done" or "rejected" or "cancelled" && (settled?.Invoke(last) ?? true))
            {
                return last;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"batch {href} did not finish: {last}\n{service.Log}");
    }

    /// <summary>The export as Python's csv module reads it: the reference reader of RFC 4180 files here.</summary>
    private async Task<List<string[]>> ReadCsvAsync(HttpClient client, string href)
    {
        var path = _archive.File("export-" + Guid.NewGuid().ToString("N")[..8] + ".csv");
        await File.WriteAllBytesAsync(path, await client.GetByteArrayAsync(href));
        var json = ExternalProgram.Run(
            "/usr/bin/python3", ["-c", "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))", path]);
        File.Delete(path);
        return JsonSerializer.Deserialize<List<string[]>>(json)!;
    }

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
    }

    /// <summary>Every file below the folder with its size and modification time: what the batch must leave as it was.</summary>
    private static List<string> Look(string folder) =>
        [.. Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => File.Exists(p) ? $"{p} {new FileInfo(p).Length} {File.GetLastWriteTimeUtc(p):O}" : p)];
}
