using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using CtBone.TestSupport;
using Xunit.Abstractions;

namespace CtBone.Pacs.Tests;

/// <summary>OrthancClient and DicomWebClient against a real Orthanc 1.10 with its DICOMweb plugin (bash .ci/test).</summary>
[Trait("Category", "Integration")]
public sealed class OrthancIntegrationTests(OrthancStudyFixture fixture, ITestOutputHelper output) : IClassFixture<OrthancStudyFixture>
{
    private const string StudyInstanceUidTag = "0020,000d";
    private const string SeriesInstanceUidTag = "0020,000e";
    private const string SopInstanceUidTag = "0008,0018";

    [Fact]
    public void StoreWithStorescuAsync_WhenStandardStudy_SendsEveryDicomFile()
    {
        output.WriteLine($"storescu: {fixture.Stored.FileCount} files in {fixture.Stored.Elapsed.TotalSeconds:F2} s");

        Assert.Equal(fixture.SourceFiles.Count, fixture.Stored.FileCount);
        Assert.Equal(210, fixture.Stored.FileCount);
    }

    [Fact]
    public async Task GetChangesAsync_AfterStorescu_ShowsStableStudyStableAgeAfterTheLastInstance()
    {
        var studyId = await fixture.FirstStudyIdAsync();
        var seen = new List<OrthancChange>();
        long since = 0;
        OrthancChange? stable = null;
        // Paging through the log as a poller would, until StableStudy comes; the bound only stops a broken Orthanc.
        while (stable is null && fixture.SinceStored.Elapsed < TimeSpan.FromSeconds(60))
        {
            var page = await fixture.Orthanc.GetChangesAsync(since, 50);
            seen.AddRange(page.Changes);
            if (page.Changes.Count > 0)
            {
                Assert.Equal(page.Changes[^1].Seq, page.Last);
            }

            since = page.Last;
            stable = page.Changes.FirstOrDefault(c => c.ChangeType == OrthancChangeTypes.StableStudy && c.Id == studyId);
            if (stable is null && page.Done)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }

        Assert.NotNull(stable);
        Assert.Equal("Study", stable.ResourceType);
        var instances = seen.Where(c => c.ChangeType == OrthancChangeTypes.NewInstance).ToList();
        Assert.Equal(210, instances.Count);
        Assert.Equal(seen.Select(c => c.Seq).Order(), seen.Select(c => c.Seq));
        Assert.Equal(seen.Count, seen.Select(c => c.Seq).Distinct().Count());
        // By Orthanc's own clock, so the test's scheduling does not count: StableAge is 2 s, Orthanc checks about once a
        // second, and its times are whole seconds.
        var quiet = stable.Date!.Value - instances.Max(c => c.Date!.Value);
        output.WriteLine($"StableStudy logged {quiet.TotalSeconds:F0} s after the last NewInstance (StableAge 2 s)");
        Assert.InRange(quiet, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task GetStudyAsync_AfterStorescu_MatchesTheFilesHeaders()
    {
        var files = fixture.SourceFiles;
        var first = files[0];
        var seriesOfFiles = Dcmdump.Values(files, SeriesInstanceUidTag).Values.CountBy(uid => uid).ToDictionary();

        var study = await fixture.Orthanc.GetStudyAsync(await fixture.FirstStudyIdAsync());

        Assert.Equal(Dcmdump.Value(first, StudyInstanceUidTag), study.StudyInstanceUid);
        Assert.Equal(Dcmdump.Value(first, "0010,0020"), study.PatientId);
        Assert.Equal(Dcmdump.Value(first, "0010,0010"), study.PatientName);
        Assert.Equal(Dcmdump.Value(first, "0008,0050"), study.AccessionNumber);
        Assert.Equal(Dcmdump.Value(first, "0008,1030"), study.StudyDescription);
        Assert.Equal(new DateOnly(2024, 3, 15), study.StudyDate);
        Assert.Equal(files.Count, study.InstanceCount);
        Assert.Equal(seriesOfFiles, study.Series.ToDictionary(s => s.SeriesInstanceUid, s => s.InstanceCount));
        Assert.All(study.Series, s => Assert.Equal("CT", s.Modality));
        Assert.DoesNotContain(study.PatientName, study.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadStudyAsync_AfterStorescu_WritesEachInstanceOnceWithTheSameDataset()
    {
        using var folder = new TempFolder();

        var stopwatch = Stopwatch.StartNew();
        var count = await fixture.Orthanc.DownloadStudyAsync(await fixture.FirstStudyIdAsync(), folder.Path);
        output.WriteLine($"Orthanc download: {count} files in {stopwatch.Elapsed.TotalSeconds:F2} s");

        var downloaded = Directory.GetFiles(folder.Path);
        Assert.Equal(210, count);
        Assert.Equal(count, downloaded.Length);
        Assert.All(downloaded, f => Assert.EndsWith(".dcm", f, StringComparison.Ordinal));
        AssertSameInstances(fixture.SourceFiles, downloaded);
    }

    [Fact]
    public async Task DownloadStudyAsync_WithASeriesFilter_WritesOnlyThatSeries()
    {
        var primary = Dcmdump.Value(Directory.GetFiles(Path.Combine(fixture.StudyFolder, "SE002"))[0], SeriesInstanceUidTag);
        using var folder = new TempFolder();

        var count = await fixture.Orthanc.DownloadStudyAsync(await fixture.FirstStudyIdAsync(), folder.Path, s => s.SeriesInstanceUid == primary);

        Assert.Equal(105, count);
        Assert.All(Dcmdump.Values(Directory.GetFiles(folder.Path), SeriesInstanceUidTag).Values, uid => Assert.Equal(primary, uid));
    }

    [Fact]
    public async Task GetStudyAsync_WhenStudyIsUnknown_ThrowsPermanentNotFound()
    {
        var failure = await Assert.ThrowsAsync<PacsException>(() => fixture.Orthanc.GetStudyAsync("00000000-00000000-00000000-00000000-00000000"));

        Assert.False(failure.IsTransient);
        Assert.Equal(HttpStatusCode.NotFound, failure.StatusCode);
    }

    [Theory]
    [InlineData("2024-03-01", "2024-03-31", true)]
    [InlineData("2024-03-15", "2024-03-15", true)]
    [InlineData(null, "2024-03-15", true)]
    [InlineData("2024-03-15", null, true)]
    [InlineData("2024-03-16", null, false)]
    [InlineData(null, "2024-03-14", false)]
    [InlineData("2024-04-01", "2024-04-30", false)]
    public async Task SearchStudiesAsync_ByCtAndStudyDate_FindsTheStudyOnlyInsideTheWindow(string? from, string? to, bool found)
    {
        var uid = Dcmdump.Value(fixture.SourceFiles[0], StudyInstanceUidTag);

        var studies = await fixture.DicomWeb.SearchStudiesAsync("CT", Date(from), Date(to), 0, 100);

        var study = studies.SingleOrDefault(s => s.StudyInstanceUid == uid);
        Assert.Equal(found, study is not null);
        if (study is not null)
        {
            Assert.Equal(210, study.NumberOfStudyRelatedInstances);
            Assert.Equal(new DateOnly(2024, 3, 15), study.StudyDate);
            Assert.Equal(Dcmdump.Value(fixture.SourceFiles[0], "0010,0010"), study.PatientName);
            Assert.Equal(Dcmdump.Value(fixture.SourceFiles[0], "0008,0050"), study.AccessionNumber);
            Assert.Contains("CT", study.ModalitiesInStudy);
        }
    }

    [Fact]
    public async Task SearchStudiesAsync_ByAnotherModality_DoesNotFindTheStudy()
    {
        var studies = await fixture.DicomWeb.SearchStudiesAsync("MR", null, null, 0, 100);

        Assert.Empty(studies);
    }

    [Fact]
    public async Task RetrieveStudyAsync_AfterStorescu_WritesEachInstanceOnceWithTheSameDataset()
    {
        var uid = Dcmdump.Value(fixture.SourceFiles[0], StudyInstanceUidTag);
        using var folder = new TempFolder();

        var stopwatch = Stopwatch.StartNew();
        var retrieved = await fixture.DicomWeb.RetrieveStudyAsync(uid, folder.Path, 100_000_000);
        output.WriteLine($"WADO-RS: {retrieved.FileCount} files, {retrieved.ContentBytes / 1e6:F1} MB in {stopwatch.Elapsed.TotalSeconds:F2} s");

        var written = Directory.GetFiles(folder.Path);
        Assert.Equal(210, retrieved.FileCount);
        Assert.Equal(retrieved.FileCount, written.Length);
        Assert.Equal(written.Sum(f => new FileInfo(f).Length), retrieved.ContentBytes);
        AssertSameInstances(fixture.SourceFiles, written);
        // Named after their SOPInstanceUID, which dcmdump reads from the dataset itself.
        Assert.All(Dcmdump.Values(written, SopInstanceUidTag), f => Assert.Equal(f.Value + ".dcm", Path.GetFileName(f.Key)));
    }

    [Fact]
    public async Task RetrieveStudyAsync_WhenStudyIsOverTheLimit_ThrowsPermanentAndLeavesNoPartialFile()
    {
        var uid = Dcmdump.Value(fixture.SourceFiles[0], StudyInstanceUidTag);
        using var folder = new TempFolder();

        var failure = await Assert.ThrowsAsync<PacsException>(() => fixture.DicomWeb.RetrieveStudyAsync(uid, folder.Path, 1_000_000));

        Assert.False(failure.IsTransient);
        Assert.DoesNotContain(Directory.GetFiles(folder.Path), f => f.EndsWith(".partial", StringComparison.Ordinal));
        Assert.InRange(Directory.GetFiles(folder.Path).Sum(f => new FileInfo(f).Length), 1, 1_000_000);
    }

    [Fact]
    public async Task RetrieveStudyAsync_WhenStudyIsUnknown_ThrowsPermanentNotFound()
    {
        using var folder = new TempFolder();

        var failure = await Assert.ThrowsAsync<PacsException>(() => fixture.DicomWeb.RetrieveStudyAsync("1.2.3.4.5", folder.Path, 1_000_000));

        Assert.False(failure.IsTransient);
        Assert.Equal(HttpStatusCode.NotFound, failure.StatusCode);
    }

    /// <summary>
    /// The same SOP instances, each with the same dataset bytes after the meta header: Orthanc writes its own meta header
    /// (group 0002), but keeps the dataset, transfer syntax included, as storescu sent it.
    /// </summary>
    private static void AssertSameInstances(IReadOnlyList<string> sources, IReadOnlyList<string> copies)
    {
        var sourceByUid = Dcmdump.Values(sources, SopInstanceUidTag).ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        var copyByUid = Dcmdump.Values(copies, SopInstanceUidTag).ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        Assert.Equal(sourceByUid.Keys.Order(StringComparer.Ordinal), copyByUid.Keys.Order(StringComparer.Ordinal));
        Assert.All(sourceByUid, source => Assert.True(
            DatasetBytes(source.Value).SequenceEqual(DatasetBytes(copyByUid[source.Key])),
            $"{source.Key}: the dataset differs from {source.Value}"));
    }

    /// <summary>The bytes after the meta header, whose length FileMetaInformationGroupLength (0002,0000) gives.</summary>
    private static byte[] DatasetBytes(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("DICM"u8.ToArray(), bytes[128..132]);
        Assert.Equal([0x02, 0x00, 0x00, 0x00, (byte)'U', (byte)'L'], bytes[132..138]);
        var metaEnd = 144 + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(140));
        return bytes[metaEnd..];
    }

    private static DateOnly? Date(string? iso) => iso is null ? null : DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
}
