using System.Buffers.Binary;
using CtBone.Dicom.Tests.TestSupport;
using CtBone.TestSupport;

namespace CtBone.Dicom.Tests.Reading;

/// <summary>The header scan stops at the PixelData element: where it says the element is, and what it says when there is none.</summary>
public sealed class DicomHeaderReaderTests : IDisposable
{
    private readonly TempFolder _folder = new("ctbone-header");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("CT_small.dcm", false, false)]
    [InlineData("MR_small_implicit.dcm", false, false)]
    [InlineData("MR_small_bigendian.dcm", true, false)]
    [InlineData("MR_small_padded.dcm", false, false)]
    [InlineData("MR_small_RLE.dcm", false, true)]
    [InlineData("JPEG2000.dcm", false, true)]
    public void Read_WhenFileHasPixelData_PointsAtItsElement(string name, bool bigEndian, bool encapsulated)
    {
        var path = RealFiles.Pydicom(name);
        var bytes = File.ReadAllBytes(path);

        var header = DicomHeaderReader.Read(path).Header;

        Assert.NotNull(header);
        var at = bytes.AsSpan(checked((int)header.PixelDataOffset));
        var group = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(at) : BinaryPrimitives.ReadUInt16LittleEndian(at);
        var element = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(at[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(at[2..]);
        Assert.Equal((0x7FE0, 0x0010), (group, element));
        if (encapsulated)
        {
            Assert.Equal(-1, header.PixelDataLength);
            Assert.Equal(0xFFFFFFFF, BinaryPrimitives.ReadUInt32LittleEndian(at[8..]));
        }
        else
        {
            // MR_small_padded holds one spare row: the value is longer than Rows x Columns need.
            Assert.True(header.PixelDataLength >= header.ExpectedPixelBytes);
            Assert.True(header.PixelDataOffset + NativePixelData.HeaderLength(header.TransferSyntaxUid) + header.PixelDataLength <= bytes.Length);
        }
    }

    [Fact]
    public void Read_WhenDataSetIsDeflated_FindsThePixelDataWithoutAnOffset()
    {
        var header = DicomHeaderReader.Read(RealFiles.Pydicom("image_dfl.dcm")).Header;

        Assert.NotNull(header);
        Assert.Equal("1.2.840.10008.1.2.1.99", header.TransferSyntaxUid);
        Assert.Equal(-1, header.PixelDataOffset);
    }

    [Fact]
    public void Read_WhenAnImageHasNoPixelData_SkipsItWithThatReason()
    {
        var path = SyntheticCtSeries.Write(_folder.Path, new SyntheticSeriesSpec { Slices = 1 })[0].FilePath;
        var file = ExplicitLittleEndianFile.Load(path);
        file.Remove(0x7FE0, 0x0010);
        file.Save(path);

        var outcome = DicomHeaderReader.Read(path);

        Assert.Null(outcome.Header);
        Assert.Equal("not an image (SOP class 1.2.840.10008.5.1.4.1.1.2 has no pixel data)", outcome.SkipReason);
    }
}
