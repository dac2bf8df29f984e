using System.Buffers.Binary;
using CtBone.Core.Series;
using CtBone.Dicom.Isolation;
using CtBone.Dicom.Tests.TestSupport;
using CtBone.TestSupport;

namespace CtBone.Dicom.Tests.BadInput;

/// <summary>
/// Every bad-input class of issue 2, each in a folder that also holds a good series, loaded through
/// <see cref="IsolatedStudyLoader"/> (the decode host runs in a child process). Each test asserts both that the bad
/// file is recorded with the right kind of reason and that the good series still loads, voxel for voxel. Files
/// that abort GDCM (SIGABRT) run here too: this test process must outlive all of them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BadInputTests : IDisposable
{
    private const string GoodSeries = "1.2.826.0.1.3680043.9.7433.1.1.2";

    /// <summary>Cut points inside CT_small's header at which GDCM 3.0.21 aborts (each checked on its own).</summary>
    private static readonly int[] s_abortingCuts = [714, 2000, 4000];

    private static readonly int[] s_compressedCuts = [30, 100];

    private readonly TempFolder _folder = new("ctbone-bad");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task LoadAsync_WhenAFileIsEmpty_RecordsItAndLoadsTheGoodSeries()
    {
        var good = WriteGoodSeries();
        var bad = _folder.File("empty.dcm");
        await File.WriteAllBytesAsync(bad, []);

        var result = await LoadAsync();

        AssertGoodSeriesLoaded(good, result);
        AssertSkipped(result, bad, "empty file (0 bytes)");
    }

    [Fact]
    public async Task LoadAsync_WhenAFileHoldsRandomBytes_RecordsItAsNotDicomAndLoadsTheGoodSeries()
    {
        var good = WriteGoodSeries();
        var bytes = new byte[64 * 1024];
        new Random(20240305).NextBytes(bytes);
        var bad = _folder.File("random.bin");
        await File.WriteAllBytesAsync(bad, bytes);

        var result = await LoadAsync();

        AssertGoodSeriesLoaded(good, result);
        AssertSkipped(result, bad, "not a DICOM file, or its header cannot be parsed");
    }

    /// <summary>Two of <see cref="s_abortingCuts"/>: most cut points in a header abort GDCM (STACK.md: 90 of 155).</summary>
    public static TheoryData<int> HeaderCuts => new() { s_abortingCuts[0], s_abortingCuts[2] };

    [Theory]
    [MemberData(nameof(HeaderCuts))]
    public async Task LoadAsync_WhenAHeaderIsTruncatedWhereGdcmAborts_RecordsTheCrashAndLoadsTheGoodSeries(int cut)
    {
        var good = WriteGoodSeries();
        var bad = _folder.File($"ct-small-cut-{cut}.dcm");
        await File.WriteAllBytesAsync(bad, (await File.ReadAllBytesAsync(RealFiles.Pydicom("CT_small.dcm")))[..cut]);

        var result = await LoadAsync();

        AssertGoodSeriesLoaded(good, result);
        AssertSkipped(result, bad, "GDCM aborted the decoder process (SIGABRT)");
    }

    [Fact]
    public async Task LoadAsync_WhenOneSliceIsTruncatedInItsPixelData_DropsItAndInterpolatesTheSlice()
    {
        var good = WriteGoodSeries();
        var bad = good[9].FilePath;
        Truncate(bad, 700);

        var result = await LoadAsync();

        AssertGoodSeriesLoaded(good, result, interpolated: [9]);
        AssertSkipped(result, bad, "truncated: the file ends 700 bytes before its pixel data does");
    }

    /// <summary>dcmtk's encoders; 100 bytes off the end cuts into the single fragment of a 32×32 slice.</summary>
    public static TheoryData<string, string[], string> CompressedEncodings => new()
    {
        { "dcmcjpeg", [], "JPEG lossless SV1" },
        { "dcmcjpeg", ["+ee"], "JPEG extended (lossy)" },
        { "dcmcjpls", [], "JPEG-LS lossless" },
        { "dcmcrle", [], "RLE lossless" },
    };

    [Theory]
    [MemberData(nameof(CompressedEncodings))]
    public async Task LoadAsync_WhenACompressedSliceIsTruncated_DropsItWithAReasonAndDoesNotHang(string encoder, string[] options, string syntaxName)
    {
        var good = WriteGoodSeries();
        var bad = good[9].FilePath;
        var compressed = bad + ".compressed";
        ExternalProgram.Run(encoder, [.. options, bad, compressed]);
        File.Move(compressed, bad, overwrite: true);
        Truncate(bad, 100);

        var result = await LoadAsync();

        AssertGoodSeriesLoaded(good, result, interpolated: [9]);
        var reason = AssertSkipped(result, bad, "truncated: the file ends");
        Assert.Contains(syntaxName, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadHu_WhenCompressedPixelDataIsCutShort_ReturnsAReasonNotAPaddedImage()
    {
        // GDCM decodes these cut fragments without an error and pads the image (the 100-byte cut of JPEG lossless
        // gave HU 0..71 instead of 0..93); only the fragment check notices.
        var good = WriteGoodSeries(slices: 1);
        var lossless = _folder.File("jpeg-lossless.dcm");
        ExternalProgram.Run("dcmcjpeg", [good[0].FilePath, lossless]);
        Assert.Equal(good[0].Hu, DicomImageFile.ReadHu(lossless).Hu);

        foreach (var cut in s_compressedCuts)
        {
            var path = _folder.File($"jpeg-lossless-cut-{cut}.dcm");
            File.WriteAllBytes(path, File.ReadAllBytes(lossless)[..^cut]);

            var (_, hu, error) = DicomImageFile.ReadHu(path);

            Assert.Null(hu);
            Assert.StartsWith("truncated: the file ends", error, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// 0xFFFFFFF0 where GDCM refuses the header at once (a sequence in the data set). Where GDCM allocates the declared
    /// length before it looks further (PixelData, and meta header elements, which then abort it), 0xFFFFFFF0 costs the
    /// decode host 4.2 GB and seconds of page zeroing; there 0x00FFFFF0 (16 MB, far past the file's end) takes the
    /// same path at a test's cost.
    /// </summary>
    public static TheoryData<string, uint, string> HugeLengths => new()
    {
        // (0010,1002) SQ OtherPatientIDsSequence in the data set.
        { "sequence", 0xFFFFFFF0, "not a DICOM file, or its header cannot be parsed" },

        // (7FE0,0010) OW: the pixels Rows x Columns need are all there, but the element claims 16 MB.
        { "pixel-data", 0x00FFFFF0, "truncated: the file ends 16775152 bytes before its pixel data does" },

        // (0002,0001) OB FileMetaInformationVersion: GDCM asserts while reading the meta header.
        { "meta", 0x00FFFFF0, "GDCM aborted the decoder process (SIGABRT)" },
    };

    [Theory]
    [MemberData(nameof(HugeLengths))]
    public async Task LoadAsync_WhenAnElementLengthIsHuge_RecordsTheFileAndLoadsTheRest(string where, uint length, string reason)
    {
        var good = WriteGoodSeries();
        var bad = good[9].FilePath;
        byte[] pattern = where switch
        {
            "sequence" => [0x10, 0x00, 0x02, 0x10, (byte)'S', (byte)'Q', 0, 0],
            "pixel-data" => [0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'W', 0, 0],
            _ => [0x02, 0x00, 0x01, 0x00, (byte)'O', (byte)'B', 0, 0],
        };
        var bytes = File.ReadAllBytes(bad);
        var at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at > 0, $"{where}: element not found");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 8), length);
        File.WriteAllBytes(bad, bytes);

        var result = await LoadAsync();

        AssertGoodSeriesLoaded(good, result, interpolated: [9]);
        AssertSkipped(result, bad, reason);
    }

    [Fact]
    public async Task LoadAsync_WhenASeriesDeclaresMoreRowsThanItsPixelDataHolds_RejectsItsFilesAndLoadsTheGoodSeries()
    {
        var good = WriteGoodSeries();

        // A series that would win (more slices, so more coverage) if its Rows were true: 40 rows declared, 32 stored.
        var lying = SyntheticCtSeries.Write(_folder.Path, new SyntheticSeriesSpec
        {
            SeriesInstanceUid = GoodSeries + ".77",
            SeriesNumber = 77,
            Slices = 24,
        });
        foreach (var slice in lying)
        {
            var file = ExplicitLittleEndianFile.Load(slice.FilePath);
            file.SetUInt16(0x0028, 0x0010, 40);
            file.Save(slice.FilePath);
        }

        var result = await LoadAsync();

        AssertGoodSeriesLoaded(good, result);
        foreach (var slice in lying)
        {
            AssertSkipped(result, slice.FilePath, "pixel data holds 2048 bytes, but Rows x Columns (40x32) at 16 bits need 2560");
        }
    }

    [Fact]
    public async Task LoadAsync_WhenOneSliceIsMissing_LoadsWithAnInterpolationWarning()
    {
        var good = WriteGoodSeries();
        File.Delete(good[10].FilePath);

        var result = await LoadAsync();

        // The default HU is linear in k, so the interpolated slice equals the one removed.
        AssertGoodSeriesLoaded(good, result, interpolated: [10]);
        Assert.Contains(result.Warnings, w => w.StartsWith("1 missing slice(s) filled by linear interpolation", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LoadAsync_WhenThreeAdjacentSlicesAreMissing_RejectsThatSeriesWithTheGap()
    {
        // Alone in the folder: the study is rejected, and the reason names the gap.
        var gapped = WriteGoodSeries();
        foreach (var k in new[] { 8, 9, 10 })
        {
            File.Delete(gapped[k].FilePath);
        }

        var result = await LoadAsync();

        Assert.Equal(StudyLoadStatus.Rejected, result.Status);
        Assert.Contains("gap of 10 mm (3 slices missing)", result.Reason, StringComparison.Ordinal);
        Assert.Null(result.Volume);

        // Beside a complete series: that one loads, and the gapped one says why it was not used.
        var complete = SyntheticCtSeries.Write(_folder.File("complete"), new SyntheticSeriesSpec { SeriesInstanceUid = GoodSeries + ".5", SeriesNumber = 5 });

        result = await LoadAsync();

        Assert.Equal(StudyLoadStatus.Loaded, result.Status);
        Assert.Equal(GoodSeries + ".5", result.SeriesInstanceUid);
        AssertVolume(complete, result);
        var rejected = Assert.Single(result.Series, s => s.SeriesInstanceUid == GoodSeries);
        Assert.False(rejected.Eligible);
        Assert.Contains("gap of 10 mm (3 slices missing)", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_WhenTwoSeriesAreInterleavedInOneFolder_ChoosesTheNonContrastOneAndSaysWhyNotTheOther()
    {
        // Same study, same positions, file names alternating between the two series.
        var contrast = SyntheticCtSeries.Write(_folder.Path, new SyntheticSeriesSpec
        {
            SeriesInstanceUid = GoodSeries + ".3",
            SeriesNumber = 3,
            SeriesDescription = "Abdomen venous",
            ContrastBolusAgent = "OMNIPAQUE 350",
            FileName = k => $"IM{(2 * k) + 1:0000}",
            Hu = (k, i, j) => (short)(SyntheticSeriesSpec.DefaultHu(k, i, j) + 30),
        });
        var plain = WriteGoodSeries(fileName: k => $"IM{2 * k:0000}");

        var result = await LoadAsync();

        AssertGoodSeriesLoaded(plain, result);
        Assert.Equal(2, result.Series.Count);
        var other = Assert.Single(result.Series, s => !s.Chosen);
        Assert.Equal(GoodSeries + ".3", other.SeriesInstanceUid);
        Assert.Equal(contrast.Count, other.ImageCount);
        Assert.StartsWith("usable, but ranked below the chosen series", other.Reason, StringComparison.Ordinal);
        Assert.Contains("contrast", other.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task LoadAsync_WhenGdcmSpinsOnAFile_StopsItAfterTheFileTimeoutAndLoadsTheGoodSeries()
    {
        // A valid preamble and meta header followed by a gigabyte of zeros (a sparse file): GDCM parses the zeros as
        // millions of empty (0000,0000) elements at about 2 MB/s, so it would take minutes. A real hang, without pvrg-jpeg.
        var good = WriteGoodSeries();
        var bad = _folder.File("endless-header.dcm");
        var template = File.ReadAllBytes(good[0].FilePath);
        var metaEnd = 132 + 12 + (int)BinaryPrimitives.ReadUInt32LittleEndian(template.AsSpan(132 + 8));
        using (var stream = new FileStream(bad, FileMode.CreateNew))
        {
            stream.Write(template.AsSpan(0, metaEnd));
            stream.SetLength(1L << 30);
        }

        var result = await LoadAsync(new IsolatedStudyLoaderOptions { FileTimeout = TimeSpan.FromSeconds(3) });

        AssertGoodSeriesLoaded(good, result);
        AssertSkipped(result, bad, "the DICOM decoder made no progress on this file for 3 s (hang); it was stopped");
    }

    [Fact]
    public async Task LoadAsync_WhenEveryKindOfBadFileIsInOneFolder_RecordsEachAndThisProcessSurvives()
    {
        var good = WriteGoodSeries();
        var ctSmall = await File.ReadAllBytesAsync(RealFiles.Pydicom("CT_small.dcm"));
        var aborting = s_abortingCuts.Select(cut => (Path: _folder.File($"cut-{cut}"), Bytes: ctSmall[..cut])).ToList();
        foreach (var (path, bytes) in aborting)
        {
            await File.WriteAllBytesAsync(path, bytes);
        }

        await File.WriteAllBytesAsync(_folder.File("empty"), []);
        File.Copy(RealFiles.Pydicom("MR_truncated.dcm"), _folder.File("mr-truncated"));
        File.Copy(RealFiles.Pydicom("rtplan_truncated.dcm"), _folder.File("rtplan-truncated"));
        File.Copy(RealFiles.Pydicom("rtdose_1frame.dcm"), _folder.File("rtdose-1frame"));
        var processId = Environment.ProcessId;

        var result = await LoadAsync();

        Assert.Equal(processId, Environment.ProcessId);
        AssertGoodSeriesLoaded(good, result);
        foreach (var (path, _) in aborting)
        {
            AssertSkipped(result, path, "SIGABRT");
        }

        AssertSkipped(result, _folder.File("empty"), "empty file");
        AssertSkipped(result, _folder.File("rtplan-truncated"), "cannot be parsed");

        // Readable headers of other modalities are not files to skip but series not chosen, each with its reason.
        Assert.Contains(result.Series, s => s.Modality == "MR" && s.Reason == "modality MR, not CT");
        Assert.Contains(result.Series, s => s.Modality == "RTDOSE" && s.Reason == "modality RTDOSE, not CT");
    }

    private IReadOnlyList<SyntheticSlice> WriteGoodSeries(int slices = 20, Func<int, string>? fileName = null) =>
        SyntheticCtSeries.Write(_folder.Path, new SyntheticSeriesSpec { SeriesInstanceUid = GoodSeries, Slices = slices, FileName = fileName });

    /// <summary>
    /// Loads the folder in a child process. The token is a guard, not a timing assertion: should the hang detection
    /// break, the test fails after a minute instead of waiting out GDCM.
    /// </summary>
    private async Task<StudyLoadResult> LoadAsync(IsolatedStudyLoaderOptions? options = null)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var loader = new IsolatedStudyLoader(options ?? new IsolatedStudyLoaderOptions { FileTimeout = TimeSpan.FromSeconds(20) });
        return await loader.LoadAsync(_folder.Path, guard.Token);
    }

    private static void Truncate(string path, int bytes)
    {
        using var stream = new FileStream(path, FileMode.Open);
        stream.SetLength(stream.Length - bytes);
    }

    private static void AssertGoodSeriesLoaded(IReadOnlyList<SyntheticSlice> good, StudyLoadResult result, int[]? interpolated = null)
    {
        Assert.True(result.Status == StudyLoadStatus.Loaded, $"rejected: {result.Reason}");
        Assert.Equal(GoodSeries, result.SeriesInstanceUid);
        Assert.Equal(interpolated ?? [], result.InterpolatedSlices);
        if (interpolated is { Length: > 0 })
        {
            Assert.Contains(result.Warnings, w => w.Contains("filled by linear interpolation", StringComparison.Ordinal));
        }

        AssertVolume(good, result);
    }

    private static void AssertVolume(IReadOnlyList<SyntheticSlice> slices, StudyLoadResult result)
    {
        Assert.NotNull(result.Volume);
        Assert.Equal(slices.Count, result.Geometry!.Slices);
        for (var k = 0; k < slices.Count; k++)
        {
            Assert.True(result.Volume.Slice(k).SequenceEqual(slices[k].Hu), $"slice {k} differs");
        }
    }

    private static string AssertSkipped(StudyLoadResult result, string path, string reason)
    {
        var issue = Assert.Single(result.SkippedFiles, s => s.FilePath == Path.GetFullPath(path));
        Assert.Contains(reason, issue.Reason, StringComparison.Ordinal);
        return issue.Reason;
    }
}
