using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;

namespace CtBone.Service.Tests;

/// <summary>An analysis from queued to final through the API: 202 with Location and Retry-After while it waits, 200 once final, and findings posted twice change nothing.</summary>
[Trait("Category", "Integration")]
public sealed class ApiAnalysisLifecycleTests(ApiAnalysisLifecycleTests.Fixture fixture) : IClassFixture<ApiAnalysisLifecycleTests.Fixture>
{
    [Fact]
    public async Task Get_WhenQueuedThenFindingsPosted_202WithRetryAfterThen200WithTheFindings()
    {
        var id = await StoreSeeding.QueueAsync(fixture.Service);
        using var viewer = fixture.Client(fixture.ViewerKey);

        using var waiting = await viewer.GetAsync("/api/analyses/" + id);
        Assert.Equal(HttpStatusCode.Accepted, waiting.StatusCode);
        Assert.True(waiting.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 202 says when to ask again");
        var queued = await waiting.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("queued", queued.GetProperty("state").GetString());
        Assert.False(queued.TryGetProperty("findings", out _));

        using var ingest = fixture.Client(fixture.IngestKey);
        using var posted = await StoreSeeding.PostFindingsAsync(ingest, id, StoreSeeding.Json(StoreSeeding.Completed("LIFE-1", "LIFE^ONE", "L1", new DateOnly(2024, 7, 1), ScreeningCategory.Osteoporosis)), ("sagittal.png", StoreSeeding.Png));
        posted.EnsureSuccessStatusCode();

        using var done = await viewer.GetAsync("/api/analyses/" + id);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Null(done.Headers.RetryAfter);
        var final = await done.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("completed", final.GetProperty("state").GetString());
        Assert.Equal("osteoporosis", final.GetProperty("findings").GetProperty("screening").GetProperty("category").GetString());
        Assert.Equal($"/api/analyses/{id}/images/sagittal.png", Assert.Single(final.GetProperty("keyImages").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Findings_WhenPostedTwice_SecondSaysWasAlreadyFinalAndNothingChanges()
    {
        var id = await StoreSeeding.QueueAsync(fixture.Service);
        var findings = StoreSeeding.Json(StoreSeeding.Completed("LIFE-2", "LIFE^TWO", "L2", new DateOnly(2024, 7, 2), ScreeningCategory.Osteopenia));
        using var ingest = fixture.Client(fixture.IngestKey);
        using var viewer = fixture.Client(fixture.ViewerKey);

        using var first = await StoreSeeding.PostFindingsAsync(ingest, id, findings, ("sagittal.png", StoreSeeding.Png));
        var afterFirst = await viewer.GetStringAsync("/api/analyses/" + id);
        using var second = await StoreSeeding.PostFindingsAsync(ingest, id, findings, ("sagittal.png", StoreSeeding.Png));
        var afterSecond = await viewer.GetStringAsync("/api/analyses/" + id);

        var one = await first.Content.ReadFromJsonAsync<JsonElement>();
        var two = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.False(one.GetProperty("wasAlreadyFinal").GetBoolean());
        Assert.True(two.GetProperty("wasAlreadyFinal").GetBoolean());
        Assert.Equal("completed", one.GetProperty("state").GetString());
        Assert.Equal("completed", two.GetProperty("state").GetString());
        Assert.Equal(afterFirst, afterSecond);
    }

    [Fact]
    public async Task Findings_WhenADifferentOutcomeArrivesForAFinalAnalysis_TheFirstStands()
    {
        var id = await StoreSeeding.QueueAsync(fixture.Service);
        using var ingest = fixture.Client(fixture.IngestKey);
        using var viewer = fixture.Client(fixture.ViewerKey);
        using var completed = await StoreSeeding.PostFindingsAsync(ingest, id, StoreSeeding.Json(StoreSeeding.Completed("LIFE-3", "LIFE^THREE", "L3", new DateOnly(2024, 7, 3), ScreeningCategory.Normal)), ("sagittal.png", StoreSeeding.Png));
        completed.EnsureSuccessStatusCode();
        var before = await viewer.GetStringAsync("/api/analyses/" + id);

        var rejected = new Findings { Status = AnalysisStatus.Rejected, Reason = "a late retry", AlgorithmVersion = SpineAnalyzer.AlgorithmVersion };
        using var late = await StoreSeeding.PostFindingsAsync(ingest, id, StoreSeeding.Json(rejected));

        Assert.True((await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("wasAlreadyFinal").GetBoolean());
        Assert.Equal(before, await viewer.GetStringAsync("/api/analyses/" + id));
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/analyses/{id}/images/sagittal.png")).StatusCode);
    }

    [Fact]
    public async Task Submit_WhenDicomWebStudyPostedTwice_202WithLocationAndTheSameAnalysis()
    {
        using var ingest = fixture.Client(fixture.IngestKey);
        var study = new { studyInstanceUid = "2.25.1122334455", source = "dicomweb" };

        using var first = await ingest.PostAsJsonAsync("/api/analyses", study);
        using var again = await ingest.PostAsJsonAsync("/api/analyses", study);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var one = await first.Content.ReadFromJsonAsync<JsonElement>();
        var two = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("/api/analyses/" + one.GetProperty("id").GetString(), first.Headers.Location?.ToString());
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.True(one.GetProperty("created").GetBoolean());
        Assert.False(two.GetProperty("created").GetBoolean());
    }

    [Fact]
    public async Task Upload_WhenLargerThanTheServerWideBodyLimit_AcceptedByTheUploadRouteOnly()
    {
        // The server-wide limit is 32 MB; the upload route lifts it for whole studies, no other route does.
        var file = RandomNumberGenerator.GetBytes(33 << 20);
        using var ingest = fixture.Client(fixture.IngestKey);
        using var upload = new MultipartContent("related", "ctbone-" + Guid.NewGuid().ToString("N"));
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
        upload.Add(part);

        using var accepted = await ingest.PostAsync("/api/analyses", upload);
        using var admin = fixture.Client(fixture.AdminKey);
        using var tooLarge = new HttpRequestMessage(HttpMethod.Post, "/api/keys")
        {
            Content = new StringContent($$"""{"name": "{{new string('k', 33 << 20)}}", "role": "viewer"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        tooLarge.Headers.ExpectContinue = true;
        using var refused = await admin.SendAsync(tooLarge);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await Problem.AssertAsync(refused, HttpStatusCode.RequestEntityTooLarge, "larger than this route takes");
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var result = await fixture.Service.WaitForResultAsync(fixture.ViewerKey, "/api/analyses/" + id, TimeSpan.FromSeconds(60));
        Assert.Equal("rejected", result.GetProperty("state").GetString());
        Assert.Equal(file.Length, new FileInfo(Path.Combine(fixture.Service.DataDirectory, "failed", id, "000000.dcm")).Length);
    }

    /// <summary>A service with a DICOMweb source nothing answers for, so a study queued from it is never fetched during a test.</summary>
    public sealed class Fixture : ApiService
    {
        protected override Dictionary<string, string> Environment => new() { ["CtBone__DicomWeb__Url"] = "http://127.0.0.1:9" };
    }
}
