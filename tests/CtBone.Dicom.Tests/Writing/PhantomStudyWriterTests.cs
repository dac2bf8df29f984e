using CtBone.Core.Phantoms;
using CtBone.Dicom.Tests.TestSupport;
using CtBone.Dicom.Writing;
using CtBone.TestSupport;

namespace CtBone.Dicom.Tests.Writing;

public sealed class PhantomStudyWriterTests
{
    [Fact]
    public void Write_WhenStudyHasExtraSeries_WritesEachSeriesFolderAndTheTruth()
    {
        var study = CtSeriesWriterTests.TinyStudy(new StorageEncoding(), o => o with { Extras = ExtraSeries.Localizer | ExtraSeries.ThickAxial | ExtraSeries.SagittalReformat });
        using var folder = new TempFolder("ctbone-study");

        var written = PhantomStudyWriter.Write(study, folder.Path, new PhantomWriteOptions(), CancellationToken.None);

        var read = PhantomTruth.FromJson(File.ReadAllText(Path.Combine(folder.Path, PhantomStudyWriter.TruthFileName)));
        Assert.Equal(4, read.Series.Count);
        foreach (var series in read.Series)
        {
            Assert.NotNull(series.Folder);
            Assert.Equal(series.ImageCount, Directory.GetFiles(Path.Combine(folder.Path, series.Folder!)).Length);
        }

        Assert.Equal(written.Truth.PrimarySeriesInstanceUid, read.PrimarySeriesInstanceUid);
        Assert.Single(read.Series, s => s.IsPrimary);
        Assert.All(study.Series, s => Assert.Equal(0, WrittenImageReader.CountDifferences(s.Volume, written.FilesBySeriesUid[s.Attributes.SeriesInstanceUid], CancellationToken.None)));
    }

    [Fact]
    public void Write_WhenFlatWithRandomNames_KeepsEveryFile()
    {
        var study = CtSeriesWriterTests.TinyStudy(new StorageEncoding(), o => o with { Extras = ExtraSeries.ThickAxial | ExtraSeries.ContrastAxial });
        using var folder = new TempFolder("ctbone-study");

        PhantomStudyWriter.Write(study, folder.Path, new PhantomWriteOptions { SeriesFolders = false, Naming = DicomFileNaming.Random }, CancellationToken.None);

        var dicomFiles = Directory.GetFiles(folder.Path).Where(f => Path.GetFileName(f) != PhantomStudyWriter.TruthFileName).ToList();
        Assert.Equal(study.Series.Sum(s => s.Volume.Geometry.Slices), dicomFiles.Count);
        Assert.All(dicomFiles, f => Assert.Equal("", Path.GetExtension(f)));
    }
}

/// <summary>Every lossless syntax, written once, checked by programs that are not GDCM: dcmtk's dcmdump and pydicom.</summary>
public sealed class ExternalReaderFixture : IDisposable
{
    private readonly TempFolder _folder = new("ctbone-external");

    public ExternalReaderFixture()
    {
        foreach (var syntax in Enum.GetValues<PixelTransferSyntax>())
        {
            var study = CtSeriesWriterTests.TinyStudy(new StorageEncoding { TransferSyntax = syntax, IsSigned = false, BitsStored = 12, RescaleIntercept = -1024 });
            var paths = CtSeriesWriter.Write(study.Primary.Volume, study.Primary.Attributes, Path.Combine(_folder.Path, syntax.ToString()), DicomFileNaming.Random, CancellationToken.None);
            Written[syntax] = (paths, study.Primary.Volume);
        }

        foreach (var (name, encoding) in SlopeEncodings)
        {
            var study = CtSeriesWriterTests.TinyStudy(encoding);
            var paths = CtSeriesWriter.Write(study.Primary.Volume, study.Primary.Attributes, Path.Combine(_folder.Path, name), DicomFileNaming.Plain, CancellationToken.None);
            WrittenWithSlope[name] = (paths, study.Primary.Volume);
        }

        Reference = new PydicomReference(Written.Values.Concat(WrittenWithSlope.Values).SelectMany(w => w.Paths));
    }

    /// <summary>Explicit VR little endian with a RescaleSlope other than 1, unsigned and signed.</summary>
    public static IReadOnlyDictionary<string, StorageEncoding> SlopeEncodings { get; } = new Dictionary<string, StorageEncoding>(StringComparer.Ordinal)
    {
        ["unsigned16-slope0.5"] = new() { IsSigned = false, RescaleSlope = 0.5, RescaleIntercept = -1024 },
        ["signed16-slope2"] = new() { IsSigned = true, RescaleSlope = 2, RescaleIntercept = -1000 },
    };

    public Dictionary<string, (IReadOnlyList<string> Paths, Core.Volumes.CtVolume Volume)> WrittenWithSlope { get; } = new(StringComparer.Ordinal);

    public Dictionary<PixelTransferSyntax, (IReadOnlyList<string> Paths, Core.Volumes.CtVolume Volume)> Written { get; } = [];

    public PydicomReference Reference { get; }

    public void Dispose()
    {
        Reference.Dispose();
        _folder.Dispose();
    }
}

public sealed class ExternalReaderTests(ExternalReaderFixture fixture) : IClassFixture<ExternalReaderFixture>
{
    [Theory]
    [InlineData(PixelTransferSyntax.ExplicitVrLittleEndian)]
    [InlineData(PixelTransferSyntax.ImplicitVrLittleEndian)]
    [InlineData(PixelTransferSyntax.ExplicitVrBigEndian)]
    [InlineData(PixelTransferSyntax.DeflatedExplicitVrLittleEndian)]
    [InlineData(PixelTransferSyntax.RleLossless)]
    [InlineData(PixelTransferSyntax.JpegLossless)]
    [InlineData(PixelTransferSyntax.JpegLsLossless)]
    public void Write_WhenReadByPydicom_HuEqualsTheVolume(PixelTransferSyntax syntax)
    {
        var (paths, volume) = fixture.Written[syntax];

        for (var k = 0; k < paths.Count; k++)
        {
            var entry = fixture.Reference[paths[k]];
            Assert.True(entry.Ok, $"pydicom could not read {syntax}: {entry.Error}");
            Assert.Equal(syntax.Uid(), entry.TransferSyntax);
            Assert.True(fixture.Reference.Hu(paths[k]).AsSpan().SequenceEqual(volume.Slice(k)), $"{syntax} slice {k}: pydicom reads other HU");
        }
    }

    [Theory]
    [InlineData("unsigned16-slope0.5")]
    [InlineData("signed16-slope2")]
    public void Write_WhenSlopeIsNotOne_PydicomHuEqualsTheVolume(string encoding)
    {
        var (paths, volume) = fixture.WrittenWithSlope[encoding];

        for (var k = 0; k < paths.Count; k++)
        {
            var entry = fixture.Reference[paths[k]];
            Assert.True(entry.Ok, $"pydicom could not read {encoding}: {entry.Error}");
            Assert.Equal(ExternalReaderFixture.SlopeEncodings[encoding].RescaleSlope, entry.RescaleSlope);
            Assert.True(fixture.Reference.Hu(paths[k]).AsSpan().SequenceEqual(volume.Slice(k)), $"{encoding} slice {k}: pydicom reads other HU");
        }
    }

    [Fact]
    public void Write_WhenJpeg2000_PydicomParsesTheHeader()
    {
        foreach (var syntax in (PixelTransferSyntax[])[PixelTransferSyntax.Jpeg2000Lossless, PixelTransferSyntax.Jpeg2000Lossy])
        {
            var entry = fixture.Reference[fixture.Written[syntax].Paths[0]];

            // Debian's pydicom has no JPEG 2000 decoder, so only the header is checked here; GDCM checks the pixels.
            Assert.Equal(syntax.Uid(), entry.TransferSyntax);
            Assert.Equal(64, entry.Rows);
            Assert.Equal(-1024, entry.RescaleIntercept);
        }
    }

    [Fact]
    public void Write_WhenDumpedByDcmtk_EveryFileParses()
    {
        var all = fixture.Written.Values.Concat(fixture.WrittenWithSlope.Values).SelectMany(w => w.Paths).ToList();

        var output = ExternalProgram.Run("dcmdump", ["-q", .. all], TimeSpan.FromMinutes(1));

        Assert.DoesNotContain("E:", output, StringComparison.Ordinal);
    }
}
