using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CtBone.TestSupport;
using Microsoft.Data.Sqlite;

namespace CtBone.Service.Tests;

/// <summary>
/// The service against a real Orthanc (Debian's, with its DICOMweb plugin), in the private network namespace that
/// <c>.ci/test</c> runs the tests in: studies sent with dcmtk's storescu reach the findings through Orthanc's change
/// feed, through DICOMweb, or by UID.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OrthancSourceTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task ChangeFeed_WhenStudySentTwiceWithStorescu_OneCompletedAnalysisAndThePositionKept()
    {
        await using var orthanc = await OrthancServer.StartAsync();
        await using var service = await ServiceProcess.StartFollowingOrthancAsync(orthanc.BaseUri);
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        var truth = PipelineTests.Truth("standard");

        var sent = await orthanc.StoreWithStorescuAsync(RepositoryFolder.TestDicoms("standard"));
        var clock = Stopwatch.StartNew();
        var item = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_timeout));
        var latency = clock.Elapsed;
        var result = await service.WaitForResultAsync(viewer, item.GetProperty("href").GetString()!, s_timeout);

        Assert.Equal("completed", result.GetProperty("state").GetString());
        Assert.Equal("orthanc", result.GetProperty("sourceKind").GetString());
        Assert.Equal(truth.GetProperty("primarySeriesInstanceUid").GetString(), result.GetProperty("seriesInstanceUid").GetString());
        Assert.Equal(sent.FileCount, result.GetProperty("instanceCount").GetInt32());
        Assert.Equal(truth.GetProperty("studyInstanceUid").GetString(), result.GetProperty("findings").GetProperty("studyInstanceUid").GetString());
        Console.WriteLine($"storescu to findings: {latency.TotalSeconds:0.0} s (storescu itself {sent.Elapsed.TotalSeconds:0.0} s, {sent.FileCount} files)");

        await orthanc.StoreWithStorescuAsync(RepositoryFolder.TestDicoms("standard"));
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_timeout));

        using var http = OrthancServer.CreateHttpClient();
        var last = (await http.GetFromJsonAsync<JsonElement>(new Uri(orthanc.BaseUri, "changes?since=0&limit=1000"))).GetProperty("Last").GetInt64();
        await using var database = new SqliteConnection($"Data Source={Path.Combine(service.DataDirectory, "ctbone.db")};Mode=ReadOnly");
        await database.OpenAsync();
        await using var query = database.CreateCommand();
        query.CommandText = "select position from source_positions where source like 'orthanc-changes:%'";
        Assert.Equal(last.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)await query.ExecuteScalarAsync());
    }

    [Fact]
    public async Task LuaRecipe_WhenStudyBecomesStable_OrthancPostsItAndCtBoneAnalysesIt()
    {
        await using var service = ServiceProcess.Create(new Dictionary<string, string> { ["CtBone__Orthanc__PollSeconds"] = "3600" });
        using var folder = new TempFolder();
        var keyFile = folder.File("ingest.key");
        await using var orthanc = await OrthancServer.StartAsync(new OrthancServerOptions
        {
            LuaScripts = [Path.Combine(RepositoryFolder.Root, "docker", "orthanc", "ctbone.lua")],
            Environment = new Dictionary<string, string> { ["CTBONE_URL"] = service.BaseAddress.ToString().TrimEnd('/'), ["CTBONE_INGEST_KEY_FILE"] = keyFile },
        });
        service.SetEnvironment("CtBone__Orthanc__Url", orthanc.BaseUri.ToString());
        await service.RestartAsync();
        await File.WriteAllTextAsync(keyFile, await service.CreateKeyAsync("ingest", "orthanc lua") + "\n");
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");

        await orthanc.StoreWithStorescuAsync(RepositoryFolder.TestDicoms("screws-l4-l5"));
        var item = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_timeout));
        var result = await service.WaitForResultAsync(viewer, item.GetProperty("href").GetString()!, s_timeout);

        Assert.Equal("completed", result.GetProperty("state").GetString());
        Assert.Equal("orthanc", result.GetProperty("sourceKind").GetString());
        Assert.Equal(PipelineTests.Truth("screws-l4-l5").GetProperty("studyInstanceUid").GetString(), result.GetProperty("sourceRef").GetString());
        Assert.DoesNotContain(result.GetProperty("findings").GetProperty("study").GetProperty("patientName").GetString()!, orthanc.LogTail(400), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DicomWeb_WhenStudyArrivesInThePacs_QidoFindsItAndWadoFetchesIt()
    {
        await using var orthanc = await OrthancServer.StartAsync();
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["CtBone__DicomWeb__Url"] = orthanc.DicomWebUri.ToString(),
            ["CtBone__DicomWeb__PollSeconds"] = "0.5",
            ["CtBone__DicomWeb__QuietSeconds"] = "1",
            // The bundled studies are dated 2024; a site looks back a day or two.
            ["CtBone__DicomWeb__LookbackDays"] = "3650",
        });
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");

        var sent = await orthanc.StoreWithStorescuAsync(RepositoryFolder.TestDicoms("fracture-l1"));
        var item = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_timeout));
        var result = await service.WaitForResultAsync(viewer, item.GetProperty("href").GetString()!, s_timeout);

        Assert.Equal("completed", result.GetProperty("state").GetString());
        Assert.Equal("dicomweb", result.GetProperty("sourceKind").GetString());
        Assert.Equal(sent.FileCount, result.GetProperty("instanceCount").GetInt32());
        Assert.Equal(PipelineTests.Truth("fracture-l1").GetProperty("primarySeriesInstanceUid").GetString(), result.GetProperty("seriesInstanceUid").GetString());
        var l1 = result.GetProperty("findings").GetProperty("vertebrae").EnumerateArray().Single(v => v.GetProperty("level").GetString() == "L1");
        Assert.True(l1.GetProperty("excluded").GetBoolean());
    }

    [Fact]
    public async Task PostByUid_WhenStudyIsInOrthanc_AnalysedFromIt_AndAnUnknownUidIsRejectedWithReason()
    {
        await using var orthanc = await OrthancServer.StartAsync();
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["CtBone__Orthanc__Url"] = orthanc.BaseUri.ToString(),
            // The feed would find the study too; this test asks for it by UID only.
            ["CtBone__Orthanc__PollSeconds"] = "3600",
        });
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        var ingest = await service.CreateKeyAsync("ingest", "ris hook");
        await orthanc.StoreWithStorescuAsync(RepositoryFolder.TestDicoms("osteoporotic"));
        var uid = PipelineTests.Truth("osteoporotic").GetProperty("studyInstanceUid").GetString()!;
        using var client = service.Client(ingest);

        using var posted = await client.PostAsJsonAsync("/api/analyses", new { studyInstanceUid = uid, source = "orthanc" });
        using var unknown = await client.PostAsJsonAsync("/api/analyses", new { studyInstanceUid = "1.2.3.4.5", source = "orthanc" });

        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var result = await service.WaitForResultAsync(viewer, posted.Headers.Location!.ToString(), s_timeout);
        Assert.Equal("completed", result.GetProperty("state").GetString());
        Assert.Equal(uid, result.GetProperty("findings").GetProperty("studyInstanceUid").GetString());
        var missing = await service.WaitForResultAsync(viewer, unknown.Headers.Location!.ToString(), s_timeout);
        Assert.Equal("rejected", missing.GetProperty("state").GetString());
        Assert.Contains("no study", missing.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }
}
