using System.Buffers.Binary;

namespace CtBone.Dicom;

/// <summary>
/// Where an uncompressed PixelData element starts in its file. GDCM reads a short or truncated PixelData value
/// as if it were whole, padding it (shared/STACK.md), so the decoder compares the element's end with the file's.
/// </summary>
internal static class NativePixelData
{
    private const string ImplicitLittle = "1.2.840.10008.1.2";
    private const string ExplicitLittle = "1.2.840.10008.1.2.1";
    private const string ExplicitBig = "1.2.840.10008.1.2.2";

    /// <summary>Headers of real CT files end well inside the first window; the second covers large private headers.</summary>
    private static readonly int[] s_searchWindows = [64 * 1024, 4 * 1024 * 1024];

    public static bool IsNative(string transferSyntax) => transferSyntax is ImplicitLittle or ExplicitLittle or ExplicitBig;

    /// <summary>Bytes of the element header before the value: tag and length, plus VR and reserved bytes when explicit.</summary>
    public static int HeaderLength(string transferSyntax) => transferSyntax == ImplicitLittle ? 8 : 12;

    /// <summary>Offset of the PixelData element whose value length is <paramref name="valueLength"/>, or -1 when not found.</summary>
    public static long FindElement(string path, string transferSyntax, uint valueLength)
    {
        Span<byte> pattern = stackalloc byte[12];
        var big = transferSyntax == ExplicitBig;
        WriteUInt16(pattern, 0x7FE0, big);
        WriteUInt16(pattern[2..], 0x0010, big);
        int patternLength;
        if (transferSyntax == ImplicitLittle)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(pattern[4..], valueLength);
            patternLength = 8;
        }
        else
        {
            pattern[4] = (byte)'O';
            pattern[5] = (byte)'W';
            pattern[6] = 0;
            pattern[7] = 0;
            if (big)
            {
                BinaryPrimitives.WriteUInt32BigEndian(pattern[8..], valueLength);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(pattern[8..], valueLength);
            }

            patternLength = 12;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        foreach (var window in s_searchWindows)
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(window);
            try
            {
                stream.Position = 0;
                var haystack = buffer.AsSpan(0, stream.ReadAtLeast(buffer.AsSpan(0, window), window, throwOnEndOfStream: false));
                var at = Find(haystack, pattern[..patternLength]);
                if (at >= 0 || haystack.Length < window)
                {
                    return at;
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        return -1;
    }

    private static int Find(ReadOnlySpan<byte> haystack, Span<byte> pattern)
    {
        var at = haystack.IndexOf(pattern);
        if (at < 0 && pattern.Length == 12)
        {
            // Explicit VR: PixelData is OW for 16-bit and OB for 8-bit data.
            pattern[5] = (byte)'B';
            at = haystack.IndexOf(pattern);
            pattern[5] = (byte)'W';
        }

        return at;
    }

    private static void WriteUInt16(Span<byte> target, ushort value, bool big)
    {
        if (big)
        {
            BinaryPrimitives.WriteUInt16BigEndian(target, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(target, value);
        }
    }
}
