using System.Net;
using CtBone.TestSupport;

namespace CtBone.Pacs.Tests;

/// <summary>STOW-RS against a real Orthanc of its own per test, so that what a test stores changes no other test's study.</summary>
[Trait("Category", "Integration")]
public sealed class DicomWebStoreTests : IAsyncLifetime
{
    private static readonly string[] s_twoStudies = ["osteoporotic", "fracture-l1"];

    private readonly HttpClient _http = OrthancServer.CreateHttpClient();
    private OrthancServer _server = null!;

    private DicomWebClient DicomWeb => new(_http, _server.DicomWebUri);

    public async Task InitializeAsync() => _server = await OrthancServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task StoreAsync_WhenOneFileOfAStudy_StoresItAndQidoFindsTheStudy()
    {
        var file = Directory.GetFiles(Path.Combine(RepositoryFolder.TestDicoms("osteoporotic"), "SE002")).Order(StringComparer.Ordinal).First();
        var sopInstanceUid = Dcmdump.Value(file, "0008,0018");
        var studyInstanceUid = Dcmdump.Value(file, "0020,000d");

        var outcome = await DicomWeb.StoreAsync([file]);

        Assert.Equal(HttpStatusCode.OK, outcome.StatusCode);
        Assert.True(outcome.AllStored);
        Assert.Equal([sopInstanceUid], outcome.StoredSopInstanceUids);
        var study = Assert.Single(await DicomWeb.SearchStudiesAsync("CT", null, null, 0, 10));
        Assert.Equal(studyInstanceUid, study.StudyInstanceUid);
        Assert.Equal(1, study.NumberOfStudyRelatedInstances);
    }

    [Fact]
    public async Task StoreAsync_WhenTwoFilesOfTwoStudies_StoresBoth()
    {
        var files = s_twoStudies
            .Select(s => Directory.GetFiles(Path.Combine(RepositoryFolder.TestDicoms(s), "SE002")).Order(StringComparer.Ordinal).First())
            .ToList();

        var outcome = await DicomWeb.StoreAsync(files);

        Assert.True(outcome.AllStored);
        Assert.Equal(Dcmdump.Values(files, "0008,0018").Values.Order(StringComparer.Ordinal), outcome.StoredSopInstanceUids.Order(StringComparer.Ordinal));
        Assert.Equal(2, (await DicomWeb.SearchStudiesAsync("CT", null, null, 0, 10)).Count);
    }

    [Fact]
    public async Task StoreAsync_WhenTheFileIsNotDicom_ThrowsPermanentAndStoresNothing()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("not.dcm"), "not dicom");

        var failure = await Assert.ThrowsAsync<PacsException>(() => DicomWeb.StoreAsync([folder.File("not.dcm")]));

        Assert.False(failure.IsTransient);
        Assert.Empty(await DicomWeb.SearchStudiesAsync("CT", null, null, 0, 10));
    }
}
