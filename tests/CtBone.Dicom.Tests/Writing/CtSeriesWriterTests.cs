using System.Globalization;
using CtBone.Core.Phantoms;
using CtBone.Core.Volumes;
using CtBone.Dicom.Tests.TestSupport;
using CtBone.Dicom.Writing;
using CtBone.Core.Series;
using CtBone.TestSupport;

namespace CtBone.Dicom.Tests.Writing;

/// <summary>Tiny phantoms (64² at 5.6 mm, 5 mm slices, L1–L2, with screws for metal) written in every syntax and read back with GDCM.</summary>
public sealed class CtSeriesWriterTests
{
    public static readonly TheoryData<PixelTransferSyntax, string> LosslessCases = Cases();

    private static readonly (ushort, ushort)[] s_attributes =
    [
        (0x0008, 0x0008), (0x0008, 0x0016), (0x0008, 0x0018), (0x0008, 0x0020), (0x0008, 0x0060),
        (0x0010, 0x0030), (0x0010, 0x0040), (0x0010, 0x1010), (0x0018, 0x0010), (0x0018, 0x0050), (0x0018, 0x0060), (0x0018, 0x1210), (0x0018, 0x5100),
        (0x0020, 0x000D), (0x0020, 0x000E), (0x0020, 0x0013), (0x0020, 0x0032), (0x0020, 0x0037), (0x0020, 0x0052), (0x0020, 0x1041),
        (0x0028, 0x0030), (0x0028, 0x1054), (0x0028, 0x2110),
    ];

    [Theory]
    [MemberData(nameof(LosslessCases))]
    public void Write_WhenLosslessSyntax_ReadsBackTheSameHu(PixelTransferSyntax syntax, string encodingName)
    {
        var study = TinyStudy(Encoding(encodingName) with { TransferSyntax = syntax });
        var series = study.Primary;
        using var folder = new TempFolder("ctbone-writer");

        var paths = CtSeriesWriter.Write(series.Volume, series.Attributes, folder.Path, DicomFileNaming.Plain, CancellationToken.None);

        Assert.Equal(series.Volume.Geometry.Slices, paths.Count);
        for (var k = 0; k < paths.Count; k++)
        {
            var file = Read(paths[k]);
            Assert.Equal(syntax.Uid(), file.TransferSyntaxUid);
            Assert.True(file.Hu.AsSpan().SequenceEqual(series.Volume.Slice(k)), $"slice {k} differs after {syntax} with {encodingName}");
        }
    }

    [Fact]
    public void Write_WhenJpeg2000Lossy_DiffersButStaysClose()
    {
        var study = TinyStudy(new StorageEncoding { TransferSyntax = PixelTransferSyntax.Jpeg2000Lossy });
        var series = study.Primary;
        using var folder = new TempFolder("ctbone-writer");

        var paths = CtSeriesWriter.Write(series.Volume, series.Attributes, folder.Path, DicomFileNaming.Plain, CancellationToken.None);

        long differing = 0;
        double absolute = 0;
        long voxels = 0;
        for (var k = 0; k < paths.Count; k++)
        {
            var file = Read(paths[k]);
            Assert.Equal("1.2.840.10008.1.2.4.91", file.TransferSyntaxUid);
            Assert.Equal("01", file[0x0028, 0x2110]);
            var expected = series.Volume.Slice(k);
            for (var i = 0; i < expected.Length; i++)
            {
                var d = Math.Abs(file.Hu[i] - expected[i]);
                differing += d > 0 ? 1 : 0;
                absolute += d;
                voxels++;
            }
        }

        Assert.True(differing > voxels / 10, $"only {differing} of {voxels} voxels changed: not lossy");
        Assert.InRange(absolute / voxels, 0.5, 40);
    }

    [Fact]
    public void Write_WhenAxialSeries_WritesTheCtImageAttributes()
    {
        var study = TinyStudy(new StorageEncoding(), o => o with { Contrast = ContrastPhase.PortalVenous, PatientPosition = PatientPosition.Ffs });
        var series = study.Primary;
        var a = series.Attributes;
        var g = series.Volume.Geometry;
        using var folder = new TempFolder("ctbone-writer");

        var paths = CtSeriesWriter.Write(series.Volume, a, folder.Path, DicomFileNaming.DcmExtension, CancellationToken.None);

        for (var k = 0; k < paths.Count; k++)
        {
            var f = Read(paths[k]);
            Assert.Equal(CtSeriesWriter.CtImageStorage, f[0x0008, 0x0016]);
            Assert.Equal(a.SopInstanceUids[k], f[0x0008, 0x0018]);
            Assert.Equal((k + 1).ToString(CultureInfo.InvariantCulture), f[0x0020, 0x0013]);
            Assert.Equal(g.ToPatient(0, 0, k).Z, Numbers(f[0x0020, 0x0032])[2], 3);
            Assert.Equal(g.ToPatient(0, 0, k).Z, Numbers(f[0x0020, 0x1041])[0], 3);
        }

        var first = Read(paths[0]);
        Assert.Equal(@"ORIGINAL\PRIMARY\AXIAL", first[0x0008, 0x0008]);
        Assert.Equal("CT", first[0x0008, 0x0060]);
        Assert.Equal("FFS", first[0x0018, 0x5100]);
        Assert.Equal([1, 0, 0, 0, 1, 0], Numbers(first[0x0020, 0x0037]));
        Assert.Equal([g.RowSpacingMm, g.ColumnSpacingMm], Numbers(first[0x0028, 0x0030]));
        Assert.Equal(-((g.Columns - 1) / 2.0) * g.ColumnSpacingMm, Numbers(first[0x0020, 0x0032])[0], 3);
        Assert.Equal(-((g.Rows - 1) / 2.0) * g.RowSpacingMm, Numbers(first[0x0020, 0x0032])[1], 3);
        Assert.Equal(a.SliceThicknessMm, Numbers(first[0x0018, 0x0050])[0]);
        Assert.Equal("HU", first[0x0028, 0x1054]);
        Assert.Equal("120", first[0x0018, 0x0060]);
        Assert.Equal("STANDARD", first[0x0018, 0x1210]);
        Assert.False(string.IsNullOrEmpty(first[0x0018, 0x0010]), "an enhanced series needs ContrastBolusAgent");
        Assert.Equal("056Y", first[0x0010, 0x1010]);
        Assert.Equal("F", first[0x0010, 0x0040]);
        Assert.Equal("19671206", first[0x0010, 0x0030]);
        Assert.Equal("20240315", first[0x0008, 0x0020]);
        Assert.Equal(a.StudyInstanceUid, first[0x0020, 0x000D]);
        Assert.Equal(a.SeriesInstanceUid, first[0x0020, 0x000E]);
        Assert.Equal(a.FrameOfReferenceUid, first[0x0020, 0x0052]);
        Assert.Equal("00", first[0x0028, 0x2110]);
        Assert.All(paths, p => Assert.EndsWith(".dcm", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Write_WhenUnenhancedWithoutAge_LeavesContrastAndAgeOut()
    {
        var study = TinyStudy(new StorageEncoding(), o => o with { PatientAgeYears = null });
        using var folder = new TempFolder("ctbone-writer");

        var paths = CtSeriesWriter.Write(study.Primary.Volume, study.Primary.Attributes, folder.Path, DicomFileNaming.Plain, CancellationToken.None);

        var first = Read(paths[0]);
        Assert.False(first.Has(0x0018, 0x0010));
        Assert.False(first.Has(0x0010, 0x1010));
        Assert.Equal("", first[0x0010, 0x0030]);
    }

    [Fact]
    public void Write_WhenLocalizerAndReformat_WritesTheirOrientationAndImageType()
    {
        var study = TinyStudy(new StorageEncoding(), o => o with { Extras = ExtraSeries.Localizer | ExtraSeries.SagittalReformat });
        using var folder = new TempFolder("ctbone-writer");
        var localizer = study.Series.Single(s => s.Attributes.Kind == SeriesKind.Localizer);
        var sagittal = study.Series.Single(s => s.Attributes.Kind == SeriesKind.SagittalReformat);

        var localizerPath = CtSeriesWriter.Write(localizer.Volume, localizer.Attributes, Path.Combine(folder.Path, "loc"), DicomFileNaming.Plain, CancellationToken.None).Single();
        var sagittalPaths = CtSeriesWriter.Write(sagittal.Volume, sagittal.Attributes, Path.Combine(folder.Path, "sag"), DicomFileNaming.Plain, CancellationToken.None);

        var loc = Read(localizerPath);
        Assert.Equal(@"ORIGINAL\PRIMARY\LOCALIZER", loc[0x0008, 0x0008]);
        Assert.Equal([1, 0, 0, 0, 0, -1], Numbers(loc[0x0020, 0x0037]));
        Assert.Equal("US", loc[0x0028, 0x1054]);
        Assert.Equal(localizer.Volume.Hu, loc.Hu);
        var sag = Read(sagittalPaths[^1]);
        Assert.Equal(@"DERIVED\SECONDARY\REFORMATTED", sag[0x0008, 0x0008]);
        Assert.Equal([0, 1, 0, 0, 0, -1], Numbers(sag[0x0020, 0x0037]));
        Assert.Equal(sagittal.Volume.Geometry.ToPatient(0, 0, sagittalPaths.Count - 1).X, Numbers(sag[0x0020, 0x0032])[0], 3);
        Assert.True(sag.Hu.AsSpan().SequenceEqual(sagittal.Volume.Slice(sagittalPaths.Count - 1)));
    }

    [Fact]
    public void FileName_WhenRandom_CarriesNoOrderAndIsStable()
    {
        var attributes = TinyStudy(new StorageEncoding()).Primary.Attributes;
        var count = attributes.SopInstanceUids.Count;

        var names = Enumerable.Range(0, count).Select(k => CtSeriesWriter.FileName(attributes, k, DicomFileNaming.Random)).ToList();

        Assert.Equal(count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.NotEqual(names, names.Order(StringComparer.Ordinal).ToList());
        Assert.All(names, n => Assert.Matches("^[0-9A-F]{10}$", n));
        Assert.Equal(names[3], CtSeriesWriter.FileName(attributes, 3, DicomFileNaming.Random));
        Assert.Equal("IM020004", CtSeriesWriter.FileName(attributes, 3, DicomFileNaming.Plain));
        Assert.Equal("IM020004.dcm", CtSeriesWriter.FileName(attributes, 3, DicomFileNaming.DcmExtension));
    }

    [Fact]
    public void Write_WhenSliceCountAndUidsDisagree_Throws()
    {
        var series = TinyStudy(new StorageEncoding()).Primary;
        var attributes = series.Attributes with { SopInstanceUids = series.Attributes.SopInstanceUids.Skip(1).ToList() };
        using var folder = new TempFolder("ctbone-writer");

        Assert.Throws<ArgumentException>(() => CtSeriesWriter.Write(series.Volume, attributes, folder.Path, DicomFileNaming.Plain, CancellationToken.None));
    }

    internal static PhantomStudy TinyStudy(StorageEncoding encoding, Func<PhantomOptions, PhantomOptions>? change = null)
    {
        var options = new PhantomOptions
        {
            MatrixSize = 64,
            PixelSpacingMm = 5.6,
            SliceThicknessMm = 5,
            SliceSpacingMm = 5,
            NoiseSdHu = 10,
            CoverageFromLevel = "L1",
            CoverageToLevel = "L2",
            ScrewLevels = ["L2"],
            Encoding = encoding,
        };
        return LumbarPhantom.Generate(change is null ? options : change(options));
    }

    internal static StorageEncoding Encoding(string name) => name switch
    {
        "signed16" => new StorageEncoding(),
        "unsigned12" => new StorageEncoding { IsSigned = false, BitsStored = 12, RescaleIntercept = -1024 },
        "signed12" => new StorageEncoding { IsSigned = true, BitsStored = 12, RescaleIntercept = 0 },
        "unsigned16-slope0.5" => new StorageEncoding { IsSigned = false, BitsStored = 16, RescaleSlope = 0.5, RescaleIntercept = -1024 },
        "signed16-slope2" => new StorageEncoding { IsSigned = true, BitsStored = 16, RescaleSlope = 2, RescaleIntercept = -1000 },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static TheoryData<PixelTransferSyntax, string> Cases()
    {
        var data = new TheoryData<PixelTransferSyntax, string>();
        foreach (var syntax in Enum.GetValues<PixelTransferSyntax>().Where(s => !s.IsLossy()))
        {
            foreach (var encoding in (string[])["signed16", "unsigned12", "signed12", "unsigned16-slope0.5", "signed16-slope2"])
            {
                data.Add(syntax, encoding);
            }
        }

        return data;
    }

    private static WrittenImage Read(string path) => WrittenImageReader.Read(path, s_attributes);

    private static double[] Numbers(string text) =>
        [.. text.Split('\\').Select(t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture))];
}
