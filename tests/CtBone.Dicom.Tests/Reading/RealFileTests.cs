using CtBone.Dicom.Tests.TestSupport;

namespace CtBone.Dicom.Tests.Reading;

/// <summary>Runs pydicom once over every real file the tests compare with (tests/tools/pydicom_hu.py).</summary>
public sealed class RealFileFixture : IDisposable
{
    public RealFileFixture() => Reference = new PydicomReference(RealFileTests.Compared.Select(RealFileTests.PathOf));

    public PydicomReference Reference { get; }

    public void Dispose() => Reference.Dispose();
}

/// <summary>
/// Files written by other software (Debian's python3-pydicom and octave-dicom test files), read one at a time with
/// <see cref="DicomImageFile.ReadHu"/> and compared with pydicom 2.3 (pixel_array × RescaleSlope + RescaleIntercept).
/// </summary>
public sealed class RealFileTests(RealFileFixture fixture) : IClassFixture<RealFileFixture>
{
    public const string Ankle = "octave:CT-MONO2-16-ankle.dcm";

    /// <summary>
    /// Lossless files: CT 128² signed 16-bit with intercept -1024 (explicit LE), the MR_small 64² signed image in
    /// explicit LE, implicit LE, big endian (two writers), RLE, JPEG-LS and with one spare row of padding, an 8-bit
    /// unsigned 512² image in deflated explicit LE, and a 512² CT in implicit LE.
    /// JPEG-LS goes through dcmtk's dcmdjpls before pydicom, which has no JPEG-LS handler on Debian.
    /// </summary>
    public static readonly string[] Lossless =
    [
        "CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_RLE.dcm",
        "MR_small_jpeg_ls_lossless.dcm", "MR_small_padded.dcm", "image_dfl.dcm", Ankle,
    ];

    /// <summary>JPEG-lossy.dcm: 12-bit JPEG extended in a 1024×256 NM image with NumberOfFrames 1; JPEG2000.dcm: irreversible (9/7) JPEG 2000, 2097:1.</summary>
    public static readonly string[] Lossy = ["JPEG-lossy.dcm", "JPEG2000.dcm"];

    public const string Jpeg2000Lossless = "MR_small_jp2klossless.dcm";

    public static IEnumerable<string> Compared => [.. Lossless, .. Lossy, Jpeg2000Lossless];

    public static TheoryData<string> LosslessFiles => new(Lossless);

    public static TheoryData<string> AllReadableFiles => new(Compared);

    public static string PathOf(string name) => name == Ankle ? RealFiles.OctaveAnkle() : RealFiles.Pydicom(name);

    [Theory]
    [MemberData(nameof(LosslessFiles))]
    public void ReadHu_WhenLosslessFileFromAnotherWriter_EqualsPydicomVoxelForVoxel(string name)
    {
        var path = PathOf(name);
        var reference = fixture.Reference[path];
        Assert.True(reference.Ok, $"pydicom could not give a reference for {name}: {reference.Error}");

        var (header, hu, error) = DicomImageFile.ReadHu(path);

        Assert.Null(error);
        Assert.False(header!.IsLossy);
        AssertSameVoxels(fixture.Reference.Hu(path), hu!, name);
    }

    [Fact]
    public void ReadHu_WhenJpeg2000Lossless_EqualsPydicomReadingTheSameImageUncompressed()
    {
        // pydicom 2.3 on Debian has no JPEG 2000 handler (and dcmtk no JPEG 2000 codec), so the reference is the same
        // image stored uncompressed: MR_small.dcm. Its RLE and JPEG-LS copies decode to it exactly, which shows the
        // MR_small files are one image in several encodings.
        var j2k = PathOf(Jpeg2000Lossless);
        var uncompressed = fixture.Reference.Hu(PathOf("MR_small.dcm"));
        Assert.Equal(uncompressed, fixture.Reference.Hu(PathOf("MR_small_RLE.dcm")));
        Assert.Equal(uncompressed, fixture.Reference.Hu(PathOf("MR_small_jpeg_ls_lossless.dcm")));
        var expected = fixture.Reference[j2k].Ok ? fixture.Reference.Hu(j2k) : uncompressed;

        var (header, hu, error) = DicomImageFile.ReadHu(j2k);

        Assert.Null(error);
        Assert.Equal("1.2.840.10008.1.2.4.90", header!.TransferSyntaxUid);
        Assert.False(header.IsLossy);
        AssertSameVoxels(expected, hu!, Jpeg2000Lossless);
    }

    [Fact]
    public void ReadHu_WhenLossyJpeg_IsFlaggedLossyAndWithinOneHuOfDcmtkDecode()
    {
        var path = PathOf("JPEG-lossy.dcm");
        var reference = fixture.Reference[path];
        Assert.True(reference.Ok, reference.Error);
        Assert.Equal("dcmdjpeg then pydicom", reference.Via);
        var expected = fixture.Reference.Hu(path);

        var (header, hu, error) = DicomImageFile.ReadHu(path);

        Assert.Null(error);
        Assert.True(header!.IsLossy);
        Assert.Equal(expected.Length, hu!.Length);

        // Two JPEG decoders may round the inverse DCT differently; one HU is the most either may differ by.
        var worst = expected.Zip(hu, (a, b) => Math.Abs(a - b)).Max();
        Assert.InRange(worst, 0, 1);
    }

    [Fact]
    public void ReadHu_WhenLossyJpeg2000_IsFlaggedLossyAndDecodesEveryPixel()
    {
        var path = PathOf("JPEG2000.dcm");

        var (header, hu, error) = DicomImageFile.ReadHu(path);

        Assert.Null(error);
        Assert.True(header!.IsLossy);
        Assert.Equal(1024 * 256, hu!.Length);

        // No decoder here other than GDCM's OpenJPEG reads this file; a blank result would still be a failure.
        Assert.True(hu.Distinct().Count() > 100, "the decoded image is nearly uniform");
        var reference = fixture.Reference[path];
        if (reference.Ok)
        {
            var worst = fixture.Reference.Hu(path).Zip(hu, (a, b) => Math.Abs(a - b)).Max();
            Assert.InRange(worst, 0, 1);
        }
    }

    [Theory]
    [MemberData(nameof(AllReadableFiles))]
    public void ReadHu_WhenRealFile_HeaderValuesEqualPydicoms(string name)
    {
        var path = PathOf(name);
        var reference = fixture.Reference[path];

        var (header, _, _) = DicomImageFile.ReadHu(path);

        Assert.NotNull(header);
        Assert.Equal(reference.TransferSyntax, header.TransferSyntaxUid);
        Assert.Equal(reference.Rows, header.Rows);
        Assert.Equal(reference.Columns, header.Columns);
        Assert.Equal(reference.BitsAllocated, header.BitsAllocated);
        Assert.Equal(reference.BitsStored, header.BitsStored);
        Assert.Equal(reference.PixelRepresentation, header.PixelRepresentation);
        Assert.Equal(reference.NumberOfFrames ?? 1, header.NumberOfFrames);
        Assert.Equal(reference.RescaleSlope ?? 1, header.RescaleSlope);
        Assert.Equal(reference.RescaleIntercept ?? 0, header.RescaleIntercept);
        Assert.Equal(reference.Modality, header.Modality);
        if (reference.PixelSpacing is { } spacing)
        {
            Assert.Equal((spacing[0], spacing[1]), header.PixelSpacingMm);
        }
        else
        {
            Assert.Null(header.PixelSpacingMm);
        }
    }

    /// <summary>Malformed or unsupported files from other writers; every one must give our reason, never an exception or an abort.</summary>
    public static TheoryData<string, string> MalformedFiles => new()
    {
        // PixelData declares 8192 bytes; the file ends 62 bytes short (pydicom: "8130 bytes ... expected 8192").
        { "MR_truncated.dcm", "truncated: the file ends 62 bytes before its pixel data does" },
        { "rtplan_truncated.dcm", "not a DICOM file, or its header cannot be parsed" },
        { "meta_missing_tsyntax.dcm", "not a DICOM file, or its header cannot be parsed" },

        // CT_small without preamble and meta header: pydicom refuses it too unless forced.
        { "no_meta.dcm", "not a DICOM file, or its header cannot be parsed" },
        { "JPEG2000-embedded-sequence-delimiter.dcm", "GDCM" },
        { "badVR.dcm", "32-bit pixels are not supported" },
        { "rtdose_1frame.dcm", "32-bit pixels are not supported" },
        { "rtdose.dcm", "multi-frame images are not supported" },
        { "liver_1frame.dcm", "1-bit pixels are not supported" },
        { "SC_rgb_rle.dcm", "not a grayscale image" },
        { "waveform_ecg.dcm", "not an image" },
        { "test-SR.dcm", "not an image" },
        { "README.txt", "not a DICOM file" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void ReadHu_WhenMalformedOrUnsupportedFile_ReturnsTheReasonInsteadOfThrowing(string name, string reason)
    {
        var (_, hu, error) = DicomImageFile.ReadHu(RealFiles.Pydicom(name));

        Assert.Null(hu);
        Assert.NotNull(error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    private static void AssertSameVoxels(short[] expected, short[] actual, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        var differing = Enumerable.Range(0, expected.Length).Where(i => expected[i] != actual[i]).ToList();
        Assert.True(
            differing.Count == 0,
            differing.Count == 0 ? string.Empty : $"{name}: {differing.Count} voxels differ; first at {differing[0]}: pydicom {expected[differing[0]]}, CtBone {actual[differing[0]]}");
    }
}
