using System.Buffers.Binary;
using System.Text;

namespace CtBone.Pacs;

/// <summary>Reads the SOP Instance UID from a Part 10 file's meta header (group 0002, always explicit VR little endian).</summary>
internal static class DicomPart10
{
    private const int PreambleAndPrefix = 132;

    /// <summary>MediaStorageSOPInstanceUID (0002,0003), or null when the file has no meta header or no usable UID.</summary>
    public static string? ReadSopInstanceUid(string path)
    {
        Span<byte> head = stackalloc byte[4096];
        int length;
        using (var file = File.OpenRead(path))
        {
            length = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        return ReadSopInstanceUid(head[..length]);
    }

    public static string? ReadSopInstanceUid(ReadOnlySpan<byte> head)
    {
        if (head.Length < PreambleAndPrefix || !head.Slice(128, 4).SequenceEqual("DICM"u8))
        {
            return null;
        }

        var position = PreambleAndPrefix;
        while (position + 8 <= head.Length)
        {
            var group = BinaryPrimitives.ReadUInt16LittleEndian(head[position..]);
            var element = BinaryPrimitives.ReadUInt16LittleEndian(head[(position + 2)..]);
            if (group != 0x0002)
            {
                return null;
            }

            var vr = head.Slice(position + 4, 2);
            int valueLength;
            if (vr.SequenceEqual("OB"u8) || vr.SequenceEqual("UN"u8) || vr.SequenceEqual("UT"u8) || vr.SequenceEqual("SQ"u8))
            {
                if (position + 12 > head.Length)
                {
                    return null;
                }

                valueLength = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(head[(position + 8)..]), int.MaxValue);
                position += 12;
            }
            else
            {
                valueLength = BinaryPrimitives.ReadUInt16LittleEndian(head[(position + 6)..]);
                position += 8;
            }

            if (valueLength > head.Length - position)
            {
                return null;
            }

            if (element == 0x0003)
            {
                var uid = Encoding.ASCII.GetString(head.Slice(position, valueLength)).TrimEnd('\0', ' ');
                return IsUid(uid) ? uid : null;
            }

            position += valueLength;
        }

        return null;
    }

    /// <summary>A UID as PS3.5 section 9.1 allows it: digits and dots, at most 64 characters; safe as a file name.</summary>
    private static bool IsUid(string value) =>
        value.Length is > 0 and <= 64 && value[0] != '.' && value.All(c => char.IsAsciiDigit(c) || c == '.');
}
