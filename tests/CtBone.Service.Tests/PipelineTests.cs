using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CtBone.Service.Tests;

/// <summary>
/// The one-machine service (<c>ctbone serve</c>: SQLite, in-memory jobs) end to end, as a process: studies arrive in the
/// inbox or by upload, the worker analyses them in child processes, and the findings come back through the REST API.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PipelineTests
{
    private static readonly TimeSpan s_analysisTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Inbox_WhenStudyDropped_OneCompletedResultWithTheStudysSeriesKeyImagesAndTheDropArchived()
    {
        await using var service = await ServiceProcess.StartAsync();
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        var truth = Truth("standard");

        service.Drop(ServiceProcess.TestDicoms("standard"), "standard-drop");
        var item = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_analysisTimeout));
        var result = await service.WaitForResultAsync(viewer, item.GetProperty("href").GetString()!, s_analysisTimeout);

        Assert.Equal("completed", result.GetProperty("state").GetString());
        Assert.Equal(truth.GetProperty("primarySeriesInstanceUid").GetString(), result.GetProperty("seriesInstanceUid").GetString());
        Assert.True(result.GetProperty("isCurrent").GetBoolean());
        var findings = result.GetProperty("findings");
        Assert.Equal(truth.GetProperty("studyInstanceUid").GetString(), findings.GetProperty("studyInstanceUid").GetString());
        Assert.Contains(findings.GetProperty("vertebrae").EnumerateArray(), v => v.GetProperty("level").GetString() == "L1" && !v.GetProperty("excluded").GetBoolean());

        var images = result.GetProperty("keyImages").EnumerateArray().Select(i => i.GetString()!).ToList();
        Assert.Contains(images, i => i.EndsWith("sagittal.png", StringComparison.Ordinal));
        using var client = service.Client(viewer);
        foreach (var image in images)
        {
            var png = await client.GetByteArrayAsync(image);
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        }

        Assert.False(Directory.Exists(Path.Combine(service.InboxDirectory, "standard-drop")));
        var archived = Path.Combine(service.DataDirectory, "processed", item.GetProperty("id").GetString()!);
        Assert.Equal(
            Directory.GetFiles(ServiceProcess.TestDicoms("standard"), "*", SearchOption.AllDirectories).Length,
            Directory.GetFiles(archived, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Inbox_WhenSameStudyDroppedTwice_OneAnalysisAndTheRepeatKeptAsDuplicate()
    {
        await using var service = await ServiceProcess.StartAsync();
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");

        service.Drop(ServiceProcess.TestDicoms("osteoporotic"), "first");
        await service.WaitForFinishedAsync(viewer, 1, s_analysisTimeout);
        service.Drop(ServiceProcess.TestDicoms("osteoporotic"), "again");
        await WaitUntilAsync(() => !Directory.Exists(Path.Combine(service.InboxDirectory, "again")), TimeSpan.FromSeconds(30));
        await Task.Delay(1000);

        var all = await service.WaitForFinishedAsync(viewer, 1, s_analysisTimeout);
        Assert.Single(all);
        Assert.Single(Directory.GetDirectories(Path.Combine(service.DataDirectory, "processed"), "*-duplicate-of-" + all[0].GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Inbox_WhenStudyResentWithMoreSlices_TheResultFromMoreSlicesIsTheOneCurrent(bool shorterFirst)
    {
        await using var service = await ServiceProcess.StartAsync();
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        var truth = Truth("standard");
        var series = Path.Combine(ServiceProcess.TestDicoms("standard"), truth.GetProperty("series").EnumerateArray()
            .First(s => s.GetProperty("isPrimary").GetBoolean()).GetProperty("folder").GetString()!);
        var files = Directory.GetFiles(series).Order(StringComparer.Ordinal).ToArray();
        var shorter = Path.Combine(Path.GetTempPath(), "ctbone-shorter-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(shorter);
        foreach (var file in files.Take(files.Length - 8))
        {
            File.Copy(file, Path.Combine(shorter, Path.GetFileName(file)));
        }

        service.Drop(shorterFirst ? shorter : series, "first");
        await service.WaitForFinishedAsync(viewer, 1, s_analysisTimeout);
        service.Drop(shorterFirst ? series : shorter, "second");
        var both = await service.WaitForFinishedAsync(viewer, 2, s_analysisTimeout);
        Directory.Delete(shorter, recursive: true);

        var results = new List<JsonElement>();
        foreach (var item in both)
        {
            results.Add(await service.WaitForResultAsync(viewer, item.GetProperty("href").GetString()!, s_analysisTimeout));
        }

        var full = results.Single(r => r.GetProperty("instanceCount").GetInt32() == files.Length);
        var partial = results.Single(r => r.GetProperty("instanceCount").GetInt32() == files.Length - 8);
        Assert.All(results, r => Assert.Equal("completed", r.GetProperty("state").GetString()));
        Assert.Equal(full.GetProperty("seriesInstanceUid").GetString(), partial.GetProperty("seriesInstanceUid").GetString());
        Assert.True(full.GetProperty("isCurrent").GetBoolean());
        Assert.False(partial.GetProperty("isCurrent").GetBoolean());
        Assert.Equal(full.GetProperty("id").GetString(), partial.GetProperty("supersededBy").GetString());
        var current = await service.WaitForFinishedAsync(viewer, 1, s_analysisTimeout, query: "all=false");
        Assert.Equal(full.GetProperty("id").GetString(), Assert.Single(current).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Upload_WhenStudyPostedAsMultipartRelated_202WithLocationThen200WithFindings()
    {
        await using var service = await ServiceProcess.StartAsync();
        var ingest = await service.CreateKeyAsync("ingest", "pacs hook");
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        var series = Path.Combine(ServiceProcess.TestDicoms("fracture-l1"), Truth("fracture-l1").GetProperty("series").EnumerateArray()
            .First(s => s.GetProperty("isPrimary").GetBoolean()).GetProperty("folder").GetString()!);

        using var content = new MultipartContent("related", "ctbone-" + Guid.NewGuid().ToString("N"));
        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
        foreach (var file in Directory.GetFiles(series))
        {
            var part = new ByteArrayContent(await File.ReadAllBytesAsync(file));
            part.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            content.Add(part);
        }

        using var client = service.Client(ingest);
        using var response = await client.PostAsync("/api/analyses", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith("/api/analyses/", location, StringComparison.Ordinal);
        var result = await service.WaitForResultAsync(viewer, location, s_analysisTimeout);
        Assert.Equal("completed", result.GetProperty("state").GetString());
        Assert.Equal(Directory.GetFiles(series).Length, result.GetProperty("instanceCount").GetInt32());
        var l1 = result.GetProperty("findings").GetProperty("vertebrae").EnumerateArray().Single(v => v.GetProperty("level").GetString() == "L1");
        Assert.True(l1.GetProperty("excluded").GetBoolean());
    }

    [Fact]
    public async Task Inbox_WhenCorruptStudyThenGoodOne_CorruptOneRejectedWithReasonAndTheNextCompletesInTheSameProcess()
    {
        await using var service = await ServiceProcess.StartAsync();
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        var pid = service.ProcessId;
        var corrupt = Path.Combine(Path.GetTempPath(), "ctbone-corrupt-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(corrupt);
        var source = Directory.GetFiles(ServiceProcess.TestDicoms("standard"), "*", SearchOption.AllDirectories).First(f => !f.EndsWith(".json", StringComparison.Ordinal));
        var bytes = await File.ReadAllBytesAsync(source);
        await File.WriteAllBytesAsync(Path.Combine(corrupt, "truncated-header.dcm"), bytes[..400]);

        service.Drop(corrupt, "corrupt");
        var first = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_analysisTimeout));
        service.Drop(ServiceProcess.TestDicoms("standard"), "good");
        var both = await service.WaitForFinishedAsync(viewer, 2, s_analysisTimeout);

        var rejected = await service.WaitForResultAsync(viewer, first.GetProperty("href").GetString()!, s_analysisTimeout);
        Assert.Equal("rejected", rejected.GetProperty("state").GetString());
        Assert.False(string.IsNullOrWhiteSpace(rejected.GetProperty("reason").GetString()));
        Assert.Single(both, i => i.GetProperty("state").GetString() == "completed");
        Assert.Equal(pid, service.ProcessId);
        Assert.True(Directory.Exists(Path.Combine(service.DataDirectory, "failed", first.GetProperty("id").GetString()!)));
        Directory.Delete(corrupt, recursive: true);
    }

    [Fact]
    public async Task Serve_WhenKilledMidAnalysisAndRestarted_StudyCompletesOnceWithNothingLostOrDuplicated()
    {
        await using var service = await ServiceProcess.StartAsync();
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        using var client = service.Client(viewer);

        service.Drop(ServiceProcess.TestDicoms("standard"), "killed-mid-job");
        string? id = null;
        await WaitUntilAsync(
            async () =>
            {
                var items = (await client.GetFromJsonAsync<JsonElement>("/api/analyses?all=true")).GetProperty("items").EnumerateArray().ToList();
                id = items.FirstOrDefault(i => i.GetProperty("state").GetString() == "running").GetPropertyOrNull("id");
                return id is not null;
            },
            TimeSpan.FromSeconds(30));
        await service.KillAsync();
        // The orphaned `ctbone analyze` sees its input close and exits; on a loaded machine its runtime may still be starting.
        await WaitUntilAsync(() => AnalysisProcessesOf(service.DataDirectory).Count == 0, TimeSpan.FromSeconds(3));

        await service.RestartAsync();
        var viewerAfter = await service.CreateKeyAsync("viewer", "dr viewer after restart");
        var result = await service.WaitForResultAsync(viewerAfter, "/api/analyses/" + id, s_analysisTimeout);
        var all = await service.WaitForFinishedAsync(viewerAfter, 1, s_analysisTimeout);

        Assert.Equal("completed", result.GetProperty("state").GetString());
        Assert.Equal(2, result.GetProperty("attempts").GetInt32());
        Assert.Single(all);
        Assert.Equal(9, result.GetProperty("keyImages").GetArrayLength());
    }

    [Fact]
    public async Task Serve_AfterAnalysesAndReads_LogHoldsNoPatientNameOrId()
    {
        await using var service = await ServiceProcess.StartAsync();
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        service.Drop(ServiceProcess.TestDicoms("screws-l4-l5"), "phi-check");
        var item = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_analysisTimeout));
        var result = await service.WaitForResultAsync(viewer, item.GetProperty("href").GetString()!, s_analysisTimeout);
        var study = result.GetProperty("findings").GetProperty("study");
        var name = study.GetProperty("patientName").GetString()!;
        var patientId = study.GetProperty("patientId").GetString()!;
        using var client = service.Client(viewer);
        await client.GetStringAsync("/api/analyses?patient=" + Uri.EscapeDataString(patientId));

        Assert.Equal(patientId, item.GetProperty("patientId").GetString());
        Assert.DoesNotContain(name, service.Log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(name.Split('^')[0], service.Log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(patientId, service.Log, StringComparison.Ordinal);
        Assert.Contains(item.GetProperty("id").GetString()!, service.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WhenSentSigterm_StopsAndExitsZero()
    {
        await using var service = await ServiceProcess.StartAsync();

        Assert.Equal(0, await service.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    internal static JsonElement Truth(string study) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(ServiceProcess.TestDicoms(study), "truth.json"))).RootElement;

    internal static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout) => WaitUntilAsync(() => Task.FromResult(condition()), timeout);

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Analysis child processes still running on this data folder's studies (orphans, after a kill).</summary>
    internal static List<int> AnalysisProcessesOf(string dataDirectory) =>
        [.. Directory.GetDirectories("/proc").Select(d => Path.GetFileName(d)).Where(n => n.All(char.IsDigit)).Select(int.Parse).Where(pid =>
        {
            try
            {
                var command = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                return command.Contains(" analyze ", StringComparison.Ordinal) && command.Contains(dataDirectory, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        })];
}

internal static class JsonElementExtensions
{
    public static string? GetPropertyOrNull(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value.GetString() : null;
}
