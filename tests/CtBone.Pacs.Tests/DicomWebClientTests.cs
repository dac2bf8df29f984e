using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CtBone.TestSupport;

namespace CtBone.Pacs.Tests;

public class DicomWebClientTests
{
    private static readonly Uri s_base = new("http://pacs.test/dicom-web");

    [Fact]
    public async Task SearchStudiesAsync_WhenDateWindow_AsksForModalityRangePageAndFields()
    {
        var handler = new StubHandler(_ => Json("[]"));
        using var http = new HttpClient(handler);

        var studies = await new DicomWebClient(http, s_base).SearchStudiesAsync("CT", new DateOnly(2024, 3, 1), new DateOnly(2024, 3, 31), 20, 10);

        Assert.Empty(studies);
        var uri = Assert.Single(handler.Requests).RequestUri!;
        Assert.Equal("/dicom-web/studies", uri.AbsolutePath);
        Assert.StartsWith("?ModalitiesInStudy=CT&StudyDate=20240301-20240331&offset=20&limit=10&includefield=0020000D", uri.Query, StringComparison.Ordinal);
        Assert.Contains("includefield=00201208", uri.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchStudiesAsync_WhenNoDates_SendsNoStudyDate()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.NoContent));
        using var http = new HttpClient(handler);

        var studies = await new DicomWebClient(http, s_base).SearchStudiesAsync("CT", null, null, 0, 10);

        Assert.Empty(studies);
        Assert.DoesNotContain("StudyDate", handler.Requests[0].RequestUri!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchStudiesAsync_WithCredentials_SendsBasicAuthorization()
    {
        var handler = new StubHandler(_ => Json("[]"));
        using var http = new HttpClient(handler);

        await new DicomWebClient(http, s_base, new PacsCredentials("ctbone", "s3cret")).SearchStudiesAsync("CT", null, null, 0, 1);

        var authorization = handler.Requests[0].Headers.Authorization!;
        Assert.Equal("Basic", authorization.Scheme);
        Assert.Equal("ctbone:s3cret", Encoding.UTF8.GetString(Convert.FromBase64String(authorization.Parameter!)));
        Assert.Null(http.DefaultRequestHeaders.Authorization);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    public async Task SearchStudiesAsync_WhenServerAnswersAnError_SaysWhetherItIsTransient(HttpStatusCode status, bool transient)
    {
        using var http = new HttpClient(new StubHandler(_ => new HttpResponseMessage(status)));

        var failure = await Assert.ThrowsAsync<PacsException>(() => new DicomWebClient(http, s_base).SearchStudiesAsync("CT", null, null, 0, 1));

        Assert.Equal(transient, failure.IsTransient);
        Assert.Equal(status, failure.StatusCode);
    }

    [Fact]
    public async Task SearchStudiesAsync_WhenAnswerIsNotJson_ThrowsPermanent()
    {
        using var http = new HttpClient(new StubHandler(_ => Json("<html>")));

        var failure = await Assert.ThrowsAsync<PacsException>(() => new DicomWebClient(http, s_base).SearchStudiesAsync("CT", null, null, 0, 1));

        Assert.False(failure.IsTransient);
    }

    [Fact]
    public async Task SearchStudiesAsync_WhenConnectionIsRefused_ThrowsTransient()
    {
        using var http = OrthancServer.CreateHttpClient();
        var closedPort = new Uri($"http://127.0.0.1:{ClosedPort()}/dicom-web/");

        var failure = await Assert.ThrowsAsync<PacsException>(() => new DicomWebClient(http, closedPort).SearchStudiesAsync("CT", null, null, 0, 1));

        Assert.True(failure.IsTransient);
        Assert.Null(failure.StatusCode);
    }

    [Fact]
    public async Task SearchStudiesAsync_WhenServerIsTooSlow_ThrowsTransient()
    {
        using var http = new HttpClient(new StubHandler(async (_, token) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), token);
            return Json("[]");
        })) { Timeout = TimeSpan.FromMilliseconds(50) };

        var failure = await Assert.ThrowsAsync<PacsException>(() => new DicomWebClient(http, s_base).SearchStudiesAsync("CT", null, null, 0, 1));

        Assert.True(failure.IsTransient);
        Assert.Contains("timed out", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchStudiesAsync_WhenCallerCancels_ThrowsOperationCanceled()
    {
        using var http = new HttpClient(new StubHandler(_ => Json("[]")));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new DicomWebClient(http, s_base).SearchStudiesAsync("CT", null, null, 0, 1, cancelled.Token));
    }

    [Fact]
    public async Task RetrieveStudyAsync_WhenTwoInstances_WritesFilesNamedBySopInstanceUid()
    {
        var first = MultipartBody.Part10("1.2.3.4", 5000);
        var second = MultipartBody.Part10("1.2.3.55", 70_000);
        var handler = new StubHandler(_ => Multipart(MultipartBody.Of("xyz", first, second), "xyz"));
        using var http = new HttpClient(handler);
        using var folder = new TempFolder();

        var retrieved = await new DicomWebClient(http, s_base).RetrieveStudyAsync("1.2.3", folder.Path, 1 << 20);

        Assert.Equal(new RetrievedStudy(2, first.Length + second.Length), retrieved);
        Assert.Equal(first, await File.ReadAllBytesAsync(folder.File("1.2.3.4.dcm")));
        Assert.Equal(second, await File.ReadAllBytesAsync(folder.File("1.2.3.55.dcm")));
        Assert.Equal(2, Directory.GetFiles(folder.Path).Length);
        var accept = handler.Requests[0].Headers.Accept.ToString();
        Assert.Contains("multipart/related", accept, StringComparison.Ordinal);
        Assert.Contains("type=\"application/dicom\"", accept, StringComparison.Ordinal);
        Assert.Equal("/dicom-web/studies/1.2.3", handler.Requests[0].RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task RetrieveStudyAsync_WhenPartIsNotPart10_NamesItByNumber()
    {
        using var http = new HttpClient(new StubHandler(_ => Multipart(MultipartBody.Of("xyz", MultipartBody.Ascii("not dicom")), "xyz")));
        using var folder = new TempFolder();

        await new DicomWebClient(http, s_base).RetrieveStudyAsync("1.2.3", folder.Path, 1 << 20);

        Assert.Equal("part-000001.dcm", Path.GetFileName(Assert.Single(Directory.GetFiles(folder.Path))));
    }

    [Fact]
    public async Task RetrieveStudyAsync_WhenServerRefusesTransferSyntaxStar_AsksAgainForTheDefault()
    {
        var handler = new StubHandler(request => request.Headers.Accept.ToString().Contains("transfer-syntax", StringComparison.Ordinal)
            ? new HttpResponseMessage(HttpStatusCode.NotAcceptable)
            : Multipart(MultipartBody.Of("xyz", MultipartBody.Part10("1.2.3.4")), "xyz"));
        using var http = new HttpClient(handler);
        using var folder = new TempFolder();

        var retrieved = await new DicomWebClient(http, s_base).RetrieveStudyAsync("1.2.3", folder.Path, 1 << 20);

        Assert.Equal(1, retrieved.FileCount);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task RetrieveStudyAsync_WhenBodyIsCut_LeavesOnlyCompleteFilesAndThrowsTransient()
    {
        var body = MultipartBody.Of("xyz", MultipartBody.Part10("1.2.3.4", 100), MultipartBody.Part10("1.2.3.5", 100_000));
        using var http = new HttpClient(new StubHandler(_ => Multipart(body[..60_000], "xyz")));
        using var folder = new TempFolder();

        var failure = await Assert.ThrowsAsync<PacsException>(() => new DicomWebClient(http, s_base).RetrieveStudyAsync("1.2.3", folder.Path, 1 << 20));

        Assert.True(failure.IsTransient);
        Assert.Equal(["1.2.3.4.dcm"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task RetrieveStudyAsync_WhenStudyIsOverTheLimit_ThrowsPermanentAndLeavesNoPartialFile()
    {
        var body = MultipartBody.Of("xyz", MultipartBody.Part10("1.2.3.4", 100), MultipartBody.Part10("1.2.3.5", 100_000));
        using var http = new HttpClient(new StubHandler(_ => Multipart(body, "xyz")));
        using var folder = new TempFolder();

        var failure = await Assert.ThrowsAsync<PacsException>(() => new DicomWebClient(http, s_base).RetrieveStudyAsync("1.2.3", folder.Path, 50_000));

        Assert.False(failure.IsTransient);
        Assert.DoesNotContain(Directory.GetFiles(folder.Path), f => f.EndsWith(".partial", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RetrieveStudyAsync_WhenContentTypeHasNoBoundary_ThrowsPermanent()
    {
        using var http = new HttpClient(new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new ByteArrayContent(MultipartBody.Of("xyz", MultipartBody.Part10("1.2.3.4")))
            {
                Headers = { ContentType = MediaTypeHeaderValue.Parse("multipart/related; type=\"application/dicom\"") },
            },
        }));
        using var folder = new TempFolder();

        var failure = await Assert.ThrowsAsync<PacsException>(() => new DicomWebClient(http, s_base).RetrieveStudyAsync("1.2.3", folder.Path, 1 << 20));

        Assert.False(failure.IsTransient);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public async Task StoreAsync_WhenTwoFiles_PostsOneMultipartRelatedBodyWithBoth()
    {
        using var folder = new TempFolder();
        var first = MultipartBody.Part10("1.2.3.4");
        var second = MultipartBody.Part10("1.2.3.5");
        await File.WriteAllBytesAsync(folder.File("a.dcm"), first);
        await File.WriteAllBytesAsync(folder.File("b.dcm"), second);
        var handler = new StubHandler(_ => Json("""{ "00081199": { "vr": "SQ", "Value": [ { "00081155": { "vr": "UI", "Value": ["1.2.3.4"] } }, { "00081155": { "vr": "UI", "Value": ["1.2.3.5"] } } ] } }"""));
        using var http = new HttpClient(handler);

        var outcome = await new DicomWebClient(http, s_base).StoreAsync([folder.File("a.dcm"), folder.File("b.dcm")]);

        Assert.True(outcome.AllStored);
        Assert.Equal(["1.2.3.4", "1.2.3.5"], outcome.StoredSopInstanceUids);
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/dicom-web/studies", request.RequestUri!.AbsolutePath);
        var contentType = request.Content!.Headers.ContentType!;
        Assert.Equal("multipart/related", contentType.MediaType);
        Assert.Contains(contentType.Parameters, p => p.Name == "type" && p.Value == "\"application/dicom\"");
        // What was sent reads back, with this project's own reader, as the two files.
        var reader = new MultipartRelatedReader(new MemoryStream(handler.Bodies[0]), MultipartRelatedReader.BoundaryOf(contentType.ToString()), 1 << 20);
        var sent = new List<byte[]>();
        while (await reader.ReadNextPartAsync(CancellationToken.None) is { } part)
        {
            Assert.Equal("application/dicom", part.ContentType);
            using var content = new MemoryStream();
            await reader.CopyContentToAsync(content, CancellationToken.None);
            sent.Add(content.ToArray());
        }

        Assert.Equal([first, second], sent);
    }

    [Fact]
    public async Task StoreAsync_WhenServerAnswersConflict_ReturnsTheFailures()
    {
        using var folder = new TempFolder();
        await File.WriteAllBytesAsync(folder.File("a.dcm"), MultipartBody.Part10("1.2.3.4"));
        using var http = new HttpClient(new StubHandler(_ => Json(
            """{ "00081198": { "vr": "SQ", "Value": [ { "00081155": { "vr": "UI", "Value": ["1.2.3.4"] }, "00081197": { "vr": "US", "Value": [42752] } } ] } }""",
            HttpStatusCode.Conflict)));

        var outcome = await new DicomWebClient(http, s_base).StoreAsync([folder.File("a.dcm")]);

        Assert.Equal(HttpStatusCode.Conflict, outcome.StatusCode);
        Assert.Equal([new StowFailure("1.2.3.4", 0xA700)], outcome.Failures);
    }

    private static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) => new(status)
    {
        Content = new StringContent(json, Encoding.UTF8, "application/dicom+json"),
    };

    private static HttpResponseMessage Multipart(byte[] body, string boundary) => new(HttpStatusCode.OK)
    {
        Content = new ByteArrayContent(body)
        {
            Headers = { ContentType = MediaTypeHeaderValue.Parse($"multipart/related; type=\"application/dicom\"; boundary={boundary}") },
        },
    };

    private static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
