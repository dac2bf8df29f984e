using System.Buffers.Binary;
using CtBone.Core.Phantoms;
using CtBone.Core.Series;
using CtBone.Dicom.Tests.TestSupport;
using CtBone.Dicom.Tests.Writing;
using CtBone.Dicom.Writing;
using CtBone.TestSupport;

namespace CtBone.Dicom.Tests.Reading;

/// <summary>
/// The direct reader of uncompressed slices (<see cref="NativePixelData"/>) against GDCM's decode of the same file,
/// voxel for voxel: every native syntax and storage encoding, files from other writers, junk above BitsStored,
/// and a file that shrinks between the header scan and the decode.
/// </summary>
public sealed class NativePixelDataTests : IDisposable
{
    private readonly TempFolder _folder = new("ctbone-native");

    public void Dispose() => _folder.Dispose();

    public static TheoryData<PixelTransferSyntax, string> NativeCases()
    {
        var data = new TheoryData<PixelTransferSyntax, string>();
        foreach (var syntax in (PixelTransferSyntax[])[PixelTransferSyntax.ExplicitVrLittleEndian, PixelTransferSyntax.ImplicitVrLittleEndian, PixelTransferSyntax.ExplicitVrBigEndian])
        {
            foreach (var encoding in (string[])["signed16", "unsigned12", "signed12", "unsigned16-slope0.5", "signed16-slope2"])
            {
                data.Add(syntax, encoding);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NativeCases))]
    public void DecodeHu_WhenPhantomIsWrittenInANativeSyntax_ReadsItDirectlyAndMatchesGdcmAndTheWrittenHu(PixelTransferSyntax syntax, string encoding)
    {
        var series = CtSeriesWriterTests.TinyStudy(CtSeriesWriterTests.Encoding(encoding) with { TransferSyntax = syntax }).Primary;
        var paths = CtSeriesWriter.Write(series.Volume, series.Attributes, _folder.Path, DicomFileNaming.Plain, CancellationToken.None);

        for (var k = 0; k < paths.Count; k++)
        {
            var (direct, gdcm) = DecodeBothWays(paths[k]);

            Assert.Equal(gdcm, direct);
            Assert.True(direct.AsSpan().SequenceEqual(series.Volume.Slice(k)), $"slice {k} differs from the HU written");
        }
    }

    /// <summary>Every uncompressed 16-bit file among the real ones: two byte orders, implicit VR, a spare row of padding, a 512² CT.</summary>
    public static TheoryData<string> RealNativeFiles => new(
        "CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_padded.dcm", RealFileTests.Ankle);

    [Theory]
    [MemberData(nameof(RealNativeFiles))]
    public void DecodeHu_WhenUncompressedFileFromAnotherWriter_ReadsItDirectlyAndMatchesGdcm(string name)
    {
        var (direct, gdcm) = DecodeBothWays(RealFileTests.PathOf(name));

        Assert.Equal(gdcm, direct);
    }

    [Theory]
    [InlineData(0, 12)]
    [InlineData(1, 12)]
    [InlineData(1, 10)]
    public void DecodeHu_WhenBitsAboveBitsStoredAreSet_DropsThemAsGdcmDoes(int pixelRepresentation, int bitsStored)
    {
        // Words with junk (or an overlay) above BitsStored: only the low BitsStored bits are the value, two's complement when signed.
        ushort[] words = [0x0000, 0x0FFF, 0x0800, 0x07FF, 0xF123, 0x8FFF, 0x1001, 0xFFFF, 0x03FF, 0xFC00];
        var path = WriteSlice(words, pixelRepresentation, bitsStored);
        var expected = words.Select(w => Stored(w, pixelRepresentation, bitsStored) - 1024).ToArray();

        var (direct, gdcm) = DecodeBothWays(path);

        Assert.Equal(gdcm, direct);
        Assert.Equal(expected, direct.Select(h => (int)h).ToArray());
    }

    [Fact]
    public void DecodeHu_WhenTheFileShrinksAfterItsHeaderWasRead_ReportsTruncationInsteadOfStaleVoxels()
    {
        var slice = SyntheticCtSeries.Write(_folder.Path, new SyntheticSeriesSpec { Slices = 1 })[0];
        var header = DicomHeaderReader.Read(slice.FilePath).Header!;
        using (var stream = new FileStream(slice.FilePath, FileMode.Open))
        {
            stream.SetLength(stream.Length - 700);
        }

        var hu = new short[header.Rows * header.Columns];
        var scratch = Array.Empty<byte>();

        var error = DicomPixelDecoder.DecodeHu(header, hu, ref scratch, out _);

        Assert.Equal("truncated: the file ends 700 bytes before its pixel data does", error);
    }

    [Fact]
    public void CanDecode_WhenNotPlainSixteenBitGrayscale_LeavesTheSliceToGdcm()
    {
        var plain = DicomHeaderReader.Read(RealFiles.Pydicom("CT_small.dcm")).Header!;
        var colour = DicomHeaderReader.Read(RealFiles.Pydicom("ExplVR_BigEnd.dcm")).Header!;
        var rle = DicomHeaderReader.Read(RealFiles.Pydicom("MR_small_RLE.dcm")).Header!;

        Assert.True(NativePixelData.CanDecode(plain));
        Assert.False(NativePixelData.CanDecode(plain with { BitsAllocated = 8 }));
        Assert.False(NativePixelData.CanDecode(plain with { NumberOfFrames = 2 }));
        Assert.False(NativePixelData.CanDecode(plain with { PixelDataLength = plain.ExpectedPixelBytes - 2 }));
        Assert.Equal(3, colour.SamplesPerPixel);
        Assert.False(NativePixelData.CanDecode(colour));
        Assert.False(NativePixelData.CanDecode(rle));
    }

    private static (short[] Direct, short[] Gdcm) DecodeBothWays(string path)
    {
        var header = DicomHeaderReader.Read(path).Header;
        Assert.NotNull(header);
        Assert.True(NativePixelData.CanDecode(header), $"{Path.GetFileName(path)} would not be read directly");
        var direct = new short[header.Rows * header.Columns];
        var gdcm = new short[direct.Length];
        var scratch = Array.Empty<byte>();

        Assert.Null(DicomPixelDecoder.DecodeHu(header, direct, ref scratch, out var clampedDirect));
        Assert.Null(DicomPixelDecoder.DecodeWithGdcm(header, gdcm, ref scratch, out var clampedGdcm));
        Assert.Equal(clampedGdcm, clampedDirect);
        return (direct, gdcm);
    }

    private static int Stored(ushort word, int pixelRepresentation, int bitsStored)
    {
        var value = word & ((1 << bitsStored) - 1);
        return pixelRepresentation == 1 && value >= 1 << (bitsStored - 1) ? value - (1 << bitsStored) : value;
    }

    private string WriteSlice(ushort[] words, int pixelRepresentation, int bitsStored)
    {
        var path = SyntheticCtSeries.Write(_folder.Path, new SyntheticSeriesSpec { Slices = 1, Rows = 2, Columns = words.Length / 2 })[0].FilePath;
        var file = ExplicitLittleEndianFile.Load(path);
        file.SetUInt16(0x0028, 0x0101, bitsStored);
        file.SetUInt16(0x0028, 0x0102, bitsStored - 1);
        file.SetUInt16(0x0028, 0x0103, pixelRepresentation);
        var pixels = new byte[words.Length * 2];
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(2 * i), words[i]);
        }

        file.SetBytes(0x7FE0, 0x0010, "OW", pixels);
        file.Save(path);
        return path;
    }
}
