using System.Buffers.Binary;

namespace CtBone.Dicom;

/// <summary>
/// The PixelData (7FE0,0010) element header that GDCM's header scan stops at: where the element starts and its
/// value length, read from the bytes just before the value (PS3.5 7.1.2 explicit VR, 7.1.3 implicit VR).
/// </summary>
internal static class PixelDataElement
{
    /// <summary>
    /// The element whose value starts at <paramref name="valueOffset"/>, or null when the bytes before it are not a
    /// PixelData element header in the data set's encoding (no pixel data, or a deflated data set, whose offsets
    /// refer to the inflated stream). An undefined length (encapsulated pixel data) is -1.
    /// </summary>
    public static (long Offset, long ValueLength)? Locate(string path, string transferSyntax, long valueOffset)
    {
        if (transferSyntax == TransferSyntaxUid.DeflatedExplicitVrLittleEndian)
        {
            return null;
        }

        var implicitVr = transferSyntax == TransferSyntaxUid.ImplicitVrLittleEndian;
        var big = transferSyntax == TransferSyntaxUid.ExplicitVrBigEndian;
        var headerLength = NativePixelData.HeaderLength(transferSyntax);
        var start = valueOffset - headerLength;
        if (start < 0)
        {
            return null;
        }

        Span<byte> header = stackalloc byte[12];
        header = header[..headerLength];
        using (var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (FileBytes.ReadAt(file, header, start) != headerLength)
            {
                return null;
            }
        }

        var group = big ? BinaryPrimitives.ReadUInt16BigEndian(header) : BinaryPrimitives.ReadUInt16LittleEndian(header);
        var element = big ? BinaryPrimitives.ReadUInt16BigEndian(header[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(header[2..]);
        if (group != 0x7FE0 || element != 0x0010)
        {
            return null;
        }

        uint length;
        if (implicitVr)
        {
            length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        }
        else if (header[4] == 'O' && header[5] is (byte)'B' or (byte)'W')
        {
            // Explicit VR: OB or OW, two reserved bytes, a 32-bit length.
            length = big ? BinaryPrimitives.ReadUInt32BigEndian(header[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        }
        else
        {
            return null;
        }

        return (start, length == uint.MaxValue ? -1 : length);
    }
}
