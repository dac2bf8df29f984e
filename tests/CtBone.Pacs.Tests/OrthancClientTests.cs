using System.Net;
using System.Text;
using CtBone.TestSupport;

namespace CtBone.Pacs.Tests;

public class OrthancClientTests
{
    private static readonly Uri s_base = new("http://orthanc.test:8042");

    // Shaped like Orthanc 1.10's answers, trimmed.
    private const string Changes = """
        { "Changes": [
            { "ChangeType": "NewInstance", "Date": "20240315T101502", "ID": "49b0a940-3e839fe2", "Path": "/instances/49b0a940-3e839fe2", "ResourceType": "Instance", "Seq": 7 },
            { "ChangeType": "StableStudy", "Date": "20240315T101505", "ID": "5d7c6f2d-25926c4d", "Path": "/studies/5d7c6f2d-25926c4d", "ResourceType": "Study", "Seq": 9 } ],
          "Done": false, "Last": 9 }
        """;

    private const string Study = """
        { "ID": "5d7c6f2d-25926c4d", "IsStable": true, "Type": "Study",
          "MainDicomTags": { "AccessionNumber": "PH162265057332", "StudyDate": "20240315", "StudyDescription": "CT ABDOMEN PELVIS",
                             "StudyInstanceUID": "2.25.1415", "StudyTime": "101500" },
          "PatientMainDicomTags": { "PatientID": "PH-STANDARD-101", "PatientName": "PHANTOM^STANDARD" },
          "Series": [ "aaaa-0001", "bbbb-0002" ] }
        """;

    private const string Series = """
        [ { "ID": "aaaa-0001", "Instances": [ "a1", "a2", "a3" ],
            "MainDicomTags": { "Modality": "CT", "SeriesInstanceUID": "2.25.1", "SeriesDescription": "Scout AP" } },
          { "ID": "bbbb-0002", "Instances": [ "b1" ],
            "MainDicomTags": { "Modality": "SR", "SeriesInstanceUID": "2.25.2" } } ]
        """;

    [Fact]
    public async Task GetChangesAsync_WhenAPage_ReadsEachChangeAndWhereToGoOn()
    {
        var handler = new StubHandler(_ => Json(Changes));
        using var http = new HttpClient(handler);

        var page = await new OrthancClient(http, s_base).GetChangesAsync(6, 2);

        Assert.Equal("/changes?since=6&limit=2", handler.Requests[0].RequestUri!.PathAndQuery);
        Assert.Equal(9, page.Last);
        Assert.False(page.Done);
        Assert.Equal(
            [
                new OrthancChange(7, "NewInstance", "Instance", "49b0a940-3e839fe2", new DateTime(2024, 3, 15, 10, 15, 2)),
                new OrthancChange(9, "StableStudy", "Study", "5d7c6f2d-25926c4d", new DateTime(2024, 3, 15, 10, 15, 5)),
            ],
            page.Changes);
    }

    [Fact]
    public async Task GetStudyAsync_WhenStudyAndSeries_ReadsTagsSeriesAndCounts()
    {
        var handler = new StubHandler(request => Json(request.RequestUri!.AbsolutePath.EndsWith("/series", StringComparison.Ordinal) ? Series : Study));
        using var http = new HttpClient(handler);

        var study = await new OrthancClient(http, s_base).GetStudyAsync("5d7c6f2d-25926c4d");

        Assert.Equal("2.25.1415", study.StudyInstanceUid);
        Assert.Equal("PH-STANDARD-101", study.PatientId);
        Assert.Equal("PHANTOM^STANDARD", study.PatientName);
        Assert.Equal("PH162265057332", study.AccessionNumber);
        Assert.Equal(new DateOnly(2024, 3, 15), study.StudyDate);
        Assert.Equal("CT ABDOMEN PELVIS", study.StudyDescription);
        Assert.Equal(4, study.InstanceCount);
        Assert.Equal(["CT", "SR"], study.Series.Select(s => s.Modality));
        Assert.Equal([3, 1], study.Series.Select(s => s.InstanceCount));
        Assert.Equal(string.Empty, study.Series[1].SeriesDescription);
        Assert.Equal(["/studies/5d7c6f2d-25926c4d", "/studies/5d7c6f2d-25926c4d/series"], handler.Requests.Select(r => r.RequestUri!.AbsolutePath));
    }

    [Fact]
    public async Task GetStudyAsync_WhenAnswerLacksMainDicomTags_ThrowsPermanent()
    {
        using var http = new HttpClient(new StubHandler(_ => Json("""{ "ID": "5d7c6f2d" }""")));

        var failure = await Assert.ThrowsAsync<PacsException>(() => new OrthancClient(http, s_base).GetStudyAsync("5d7c6f2d"));

        Assert.False(failure.IsTransient);
    }

    [Theory]
    [InlineData("../tools/reset")]
    [InlineData("5d7c6f2d/../../x")]
    public async Task GetStudyAsync_WhenIdIsNotAnOrthancId_ThrowsWithoutSending(string id)
    {
        var handler = new StubHandler(_ => Json(Study));
        using var http = new HttpClient(handler);

        await Assert.ThrowsAsync<ArgumentException>(() => new OrthancClient(http, s_base).GetStudyAsync(id));

        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task DownloadStudyAsync_WithASeriesFilter_WritesThatSeriesInstancesByOrthancId()
    {
        var handler = new StubHandler(request => request.RequestUri!.AbsolutePath switch
        {
            var path when path.EndsWith("/series", StringComparison.Ordinal) => Json(Series),
            var path when path.StartsWith("/instances/", StringComparison.Ordinal) => Bytes(Encoding.ASCII.GetBytes(path)),
            _ => Json(Study),
        });
        using var http = new HttpClient(handler);
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("a1.dcm.partial"), "left by a killed attempt");

        var count = await new OrthancClient(http, s_base).DownloadStudyAsync("5d7c6f2d-25926c4d", folder.Path, s => s.Modality == "CT");

        Assert.Equal(3, count);
        Assert.Equal(["a1.dcm", "a2.dcm", "a3.dcm"], Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("/instances/a2/file", await File.ReadAllTextAsync(folder.File("a2.dcm")));
    }

    [Fact]
    public async Task DownloadStudyAsync_WhenAnInstanceFails_ThrowsItsFaultAndLeavesNoPartialFile()
    {
        var handler = new StubHandler(request => request.RequestUri!.AbsolutePath switch
        {
            var path when path.EndsWith("/series", StringComparison.Ordinal) => Json(Series),
            "/instances/a2/file" => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
            var path when path.StartsWith("/instances/", StringComparison.Ordinal) => Bytes(new byte[100_000]),
            _ => Json(Study),
        });
        using var http = new HttpClient(handler);
        using var folder = new TempFolder();

        var failure = await Assert.ThrowsAsync<PacsException>(() => new OrthancClient(http, s_base).DownloadStudyAsync("5d7c6f2d-25926c4d", folder.Path));

        Assert.True(failure.IsTransient);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failure.StatusCode);
        Assert.DoesNotContain(Directory.GetFiles(folder.Path), f => f.EndsWith(".partial", StringComparison.Ordinal));
    }

    private static HttpResponseMessage Json(string json) => new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage Bytes(byte[] bytes) => new(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) };
}
