using System.Diagnostics;
using CtBone.TestSupport;

namespace CtBone.Pacs.Tests;

/// <summary>
/// One private Orthanc per test class, holding test-dicoms/standard (210 JPEG-LS instances in 4 series) sent with
/// storescu as a modality would send it. The expected values come from dcmtk's dcmdump on the same files.
/// </summary>
public sealed class OrthancStudyFixture : IAsyncLifetime
{
    public HttpClient Http { get; } = OrthancServer.CreateHttpClient();

    public OrthancServer Server { get; private set; } = null!;

    public StorescuResult Stored { get; private set; } = null!;

    /// <summary>When storescu had sent the last file.</summary>
    public Stopwatch SinceStored { get; private set; } = null!;

    public string StudyFolder { get; } = RepositoryFolder.TestDicoms("standard");

    /// <summary>The study's DICOM files: those in its series folders (truth.json sits beside them).</summary>
    public IReadOnlyList<string> SourceFiles => [.. Directory.GetDirectories(StudyFolder).SelectMany(Directory.GetFiles).Order(StringComparer.Ordinal)];

    public OrthancClient Orthanc => new(Http, Server.BaseUri);

    public DicomWebClient DicomWeb => new(Http, Server.DicomWebUri);

    public async Task InitializeAsync()
    {
        Server = await OrthancServer.StartAsync();
        Stored = await Server.StoreWithStorescuAsync(StudyFolder);
        SinceStored = Stopwatch.StartNew();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    /// <summary>
    /// The Orthanc id of the first study stored: the standard study, sent before any test ran. Read from the change log
    /// (NewStudy), not by matching the UID, so that tests of the study's UID are not circular.
    /// </summary>
    public async Task<string> FirstStudyIdAsync()
    {
        var page = await Orthanc.GetChangesAsync(0, 1000);
        return page.Changes.First(c => c.ChangeType == "NewStudy").Id;
    }
}
