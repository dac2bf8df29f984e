using System.Buffers.Binary;

namespace CtBone.Dicom;

/// <summary>
/// Checks that the fragments of an encapsulated (compressed) PixelData element lie inside the file. GDCM decodes
/// some fragments that were cut short (JPEG lossless, JPEG extended, RLE) without an error, padding the image.
/// Encapsulated pixel data is always explicit VR little endian, with items (FFFE,E000) ended by (FFFE,E0DD) (PS3.5 A.4).
/// </summary>
internal static class EncapsulatedPixelData
{
    private const int ChunkLength = 64 * 1024;

    public static bool IsEncapsulated(string transferSyntax) =>
        transferSyntax.StartsWith(TransferSyntaxUid.JpegFamilyPrefix, StringComparison.Ordinal) || transferSyntax == TransferSyntaxUid.RleLossless;

    /// <summary>
    /// How many bytes the fragments run past the end of the file: 0 when they fit (or the element is not found).
    /// <paramref name="elementOffset"/> is where the header scan found the element; when it is unknown (-1), the file is searched.
    /// </summary>
    public static long MissingBytes(string path, long elementOffset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        var start = elementOffset >= 0 ? elementOffset : FindLastElement(stream);
        if (start < 0)
        {
            return 0;
        }

        Span<byte> item = stackalloc byte[8];
        var position = start + 12;
        var length = stream.Length;
        while (position + 8 <= length)
        {
            stream.Position = position;
            stream.ReadExactly(item);
            var group = BinaryPrimitives.ReadUInt16LittleEndian(item);
            var element = BinaryPrimitives.ReadUInt16LittleEndian(item[2..]);
            var valueLength = BinaryPrimitives.ReadUInt32LittleEndian(item[4..]);
            if (group != 0xFFFE || element != 0xE000 || valueLength == uint.MaxValue)
            {
                // The sequence delimiter (FFFE,E0DD), or something GDCM itself will refuse.
                return 0;
            }

            var end = position + 8 + valueLength;
            if (end > length)
            {
                return end - length;
            }

            position = end;
        }

        // The file ends at a fragment boundary: only the sequence delimiter is missing, and every byte of the image is there.
        return 0;
    }

    /// <summary>Offset of the last (7FE0,0010) OB or OW element of undefined length: the image's, after any in an icon sequence.</summary>
    private static long FindLastElement(FileStream stream)
    {
        ReadOnlySpan<byte> ob = [0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        ReadOnlySpan<byte> ow = [0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'W', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(ChunkLength + ob.Length);
        try
        {
            long last = -1;
            long chunkStart = 0;
            var carried = 0;
            while (true)
            {
                var read = stream.ReadAtLeast(buffer.AsSpan(carried, ChunkLength), ChunkLength, throwOnEndOfStream: false);
                var window = buffer.AsSpan(0, carried + read);
                for (var from = 0; ;)
                {
                    var rest = window[from..];
                    var a = rest.IndexOf(ob);
                    var b = rest.IndexOf(ow);
                    var at = a < 0 ? b : b < 0 ? a : Math.Min(a, b);
                    if (at < 0)
                    {
                        break;
                    }

                    last = chunkStart + from + at;
                    from += at + 1;
                }

                if (read < ChunkLength)
                {
                    return last;
                }

                // Keep the tail, so that an element header split between two chunks is still found.
                carried = ob.Length - 1;
                window[^carried..].CopyTo(buffer);
                chunkStart += window.Length - carried;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
