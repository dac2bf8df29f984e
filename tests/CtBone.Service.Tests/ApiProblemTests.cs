using System.Net;
using System.Net.Http.Json;
using System.Text;
using CtBone.Core.Screening;

namespace CtBone.Service.Tests;

/// <summary>Every error is an RFC 9457 problem document (application/problem+json) that says what was wrong, and nothing of the server's insides.</summary>
[Trait("Category", "Integration")]
public sealed class ApiProblemTests(ApiProblemTests.Fixture fixture) : IClassFixture<ApiProblemTests.Fixture>
{
    [Theory]
    [InlineData("application/json", "{\"studyInstanceUid\": \"1.2.3\",", "JSON")]
    [InlineData("application/json", "", "JSON")]
    [InlineData("text/plain", "1.2.3", "JSON")]
    [InlineData("application/json", "{\"studyInstanceUid\": \"1.2.3\", \"source\": \"floppy\"}", "source must be")]
    [InlineData("application/json", "{\"studyInstanceUid\": \"1.2.3\", \"source\": \"orthanc\"}", "CtBone:Orthanc:Url")]
    [InlineData("application/json", "{\"studyInstanceUid\": \"1.2.x3\", \"source\": \"dicomweb\"}", "studyInstanceUid must be a DICOM UID")]
    [InlineData("application/json", "{\"studyInstanceUid\": \"1.2.3.\", \"source\": \"dicomweb\"}", "studyInstanceUid must be a DICOM UID")]
    [InlineData("application/json", "{\"source\": \"dicomweb\"}", "studyInstanceUid must be a DICOM UID")]
    public async Task Submit_WhenBodyIsWrong_400ProblemSayingWhat(string contentType, string body, string detail)
    {
        using var ingest = fixture.Client(fixture.IngestKey);
        using var content = new StringContent(body, Encoding.UTF8, contentType);

        using var response = await ingest.PostAsync("/api/analyses", content);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, detail);
    }

    [Theory]
    [InlineData("pageSize=0", "pageSize 1 to 200")]
    [InlineData("pageSize=201", "pageSize 1 to 200")]
    [InlineData("page=0", "page must be 1 or more")]
    [InlineData("page=two", "page 'two' cannot be read")]
    [InlineData("category=purple", "category is not one of: normal, osteopenia, osteoporosis, indeterminate")]
    [InlineData("category=1", "category is not one of")]
    [InlineData("state=lost", "state is not one of")]
    [InlineData("state=7", "state is not one of")]
    [InlineData("from=yesterday", "from 'yesterday' cannot be read")]
    [InlineData("to=2024-13-01", "yyyy-MM-dd")]
    [InlineData("flagged=maybe", "flagged 'maybe' cannot be read")]
    [InlineData("reviewed=yes", "reviewed 'yes' cannot be read: use true or false")]
    public async Task List_WhenQueryIsWrong_400ProblemNamingTheParameter(string query, string detail)
    {
        using var viewer = fixture.Client(fixture.ViewerKey);

        using var response = await viewer.GetAsync("/api/analyses?" + query);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, detail);
    }

    [Fact]
    public async Task List_WhenSeveralParametersAreWrong_OneProblemNamingEach()
    {
        using var viewer = fixture.Client(fixture.ViewerKey);

        using var response = await viewer.GetAsync("/api/analyses?pageSize=0&category=purple&from=yesterday");

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("pageSize", detail, StringComparison.Ordinal);
        Assert.Contains("category", detail, StringComparison.Ordinal);
        Assert.Contains("from", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/analyses/0123456789abcdef0123456789abcdef", "no analysis 0123456789abcdef0123456789abcdef")]
    [InlineData("/api/analyses/0123456789abcdef0123456789abcdef/images/sagittal.png", "no key image sagittal.png")]
    public async Task Get_WhenAnalysisUnknown_404Problem(string path, string detail)
    {
        using var viewer = fixture.Client(fixture.ViewerKey);

        using var response = await viewer.GetAsync(path);

        await Problem.AssertAsync(response, HttpStatusCode.NotFound, detail);
    }

    [Theory]
    [InlineData("not-a-png", "sagittal.png", "is not a PNG")]
    [InlineData("png", "../sagittal.png", "must be a .png named with letters")]
    [InlineData("png", "sagittal.jpg", "must be a .png named with letters")]
    [InlineData("no-status", "sagittal.png", "status")]
    [InlineData("bad-status", "sagittal.png", "status")]
    [InlineData("broken-json", "sagittal.png", "JSON")]
    [InlineData("no-findings", "sagittal.png", "findings")]
    public async Task Findings_WhenPostIsWrong_400ProblemSayingWhatAndTheAnalysisStaysQueued(string kind, string imageName, string detail)
    {
        var id = await StoreSeeding.QueueAsync(fixture.Service);
        var valid = StoreSeeding.Json(StoreSeeding.Completed("PRB-1", "PROBLEM^CASE", "P1", new DateOnly(2024, 1, 1), ScreeningCategory.Normal));
        var findings = kind switch
        {
            "no-status" => """{"algorithmVersion": "ctbone-spine 0.1.0", "vertebrae": []}""",
            "bad-status" => """{"status": "splendid", "algorithmVersion": "ctbone-spine 0.1.0"}""",
            "broken-json" => """{"status": "completed", "algorithmVersion": """,
            "no-findings" => string.Empty,
            _ => valid,
        };
        var image = kind == "not-a-png" ? Encoding.ASCII.GetBytes("GIF89a, not a PNG at all") : StoreSeeding.Png;
        using var ingest = fixture.Client(fixture.IngestKey);

        using var response = await StoreSeeding.PostFindingsAsync(ingest, id, findings, (imageName, image));

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, detail);
        using var viewer = fixture.Client(fixture.ViewerKey);
        using var after = await viewer.GetAsync("/api/analyses/" + id);
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    [Fact]
    public async Task Findings_WhenNotAForm_400Problem()
    {
        using var ingest = fixture.Client(fixture.IngestKey);

        using var response = await ingest.PostAsJsonAsync($"/api/analyses/{fixture.QueuedId}/findings", new { status = "completed" });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "multipart/form-data");
    }

    [Fact]
    public async Task Findings_WhenAnalysisUnknown_404Problem()
    {
        using var ingest = fixture.Client(fixture.IngestKey);

        using var response = await StoreSeeding.PostFindingsAsync(
            ingest, "0123456789abcdef0123456789abcdef", StoreSeeding.Json(StoreSeeding.Completed("PRB-2", "PROBLEM^CASE", "P2", new DateOnly(2024, 1, 1), ScreeningCategory.Normal)));

        await Problem.AssertAsync(response, HttpStatusCode.NotFound, "no analysis 0123456789abcdef0123456789abcdef");
    }

    [Fact]
    public async Task Get_WhenStoredFindingsAreUnreadable_500ProblemWithoutStackTraceOrMessage()
    {
        var id = await StoreSeeding.CompletedAsync(fixture.Service, fixture.IngestKey, StoreSeeding.Completed("PRB-3", "DAMAGED^ROW", "P3", new DateOnly(2024, 1, 1), ScreeningCategory.Normal));
        Assert.Equal(1, await StoreSeeding.ExecuteAsync(fixture.Service, "update analysis_documents set findings_json = '{\"status\": tru' where analysis_id = $id", ("$id", id)));
        using var viewer = fixture.Client(fixture.ViewerKey);

        using var response = await viewer.GetAsync("/api/analyses/" + id);

        var problem = await Problem.AssertAsync(response, HttpStatusCode.InternalServerError);
        Assert.False(problem.TryGetProperty("detail", out _));
        Assert.DoesNotContain("invalid", problem.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("DAMAGED", fixture.Service.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "/api/keys", "application/json", "{\"name\": \"x\", \"role\": ", HttpStatusCode.BadRequest, "request body")]
    [InlineData("POST", "/api/keys", "application/json", "", HttpStatusCode.BadRequest, "not provided from body")]
    [InlineData("POST", "/api/keys", "text/plain", "name=x", HttpStatusCode.UnsupportedMediaType, "application/json")]
    [InlineData("GET", "/api/audit?limit=lotsQ7", null, null, HttpStatusCode.BadRequest, "limit")]
    public async Task AdminRoutes_WhenTheFrameworkCannotBindTheRequest_ProblemSayingWhatAndNothingLogged(
        string method, string path, string? contentType, string? body, HttpStatusCode status, string detail)
    {
        using var admin = fixture.Client(fixture.AdminKey);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType!);
        }

        using var response = await admin.SendAsync(request);

        await Problem.AssertAsync(response, status, detail);
        Assert.DoesNotContain("lotsQ7", fixture.Service.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("BadHttpRequestException", fixture.Service.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DELETE", "/api/analyses", HttpStatusCode.MethodNotAllowed)]
    [InlineData("GET", "/api/nothing-here", HttpStatusCode.NotFound)]
    public async Task UnknownRouteOrMethod_WhenAuthenticated_ProblemWithoutBodyFromTheHandler(string method, string path, HttpStatusCode status)
    {
        using var admin = fixture.Client(fixture.AdminKey);

        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await admin.SendAsync(request);

        await Problem.AssertAsync(response, status);
    }

    /// <summary>A service with a queued analysis; each findings test queues its own.</summary>
    public sealed class Fixture : ApiService
    {
        internal string QueuedId { get; private set; } = string.Empty;

        protected override async Task SeedAsync() => QueuedId = await StoreSeeding.QueueAsync(Service);
    }
}
