using System.Buffers.Binary;
using System.Text;

namespace CtBone.Dicom.Tests.TestSupport;

/// <summary>
/// A DICOM Part 10 file in explicit VR little endian, held as its top-level elements so that tests can patch values
/// and write copies byte by byte. Written without GDCM on purpose: the files the reader is tested on do not come from
/// the library that reads them. Nested sequences are kept as opaque bytes.
/// </summary>
internal sealed class ExplicitLittleEndianFile
{
    public const string ExplicitLittleTransferSyntax = "1.2.840.10008.1.2.1";

    private static readonly HashSet<string> s_longLengthVrs = new(StringComparer.Ordinal) { "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV" };

    private readonly SortedDictionary<uint, byte[]> _elements = [];

    private ExplicitLittleEndianFile()
    {
    }

    public static ExplicitLittleEndianFile Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 132 || Encoding.ASCII.GetString(bytes, 128, 4) != "DICM")
        {
            throw new InvalidDataException($"{path}: no DICM prefix");
        }

        var file = new ExplicitLittleEndianFile();
        var position = 132;
        while (position < bytes.Length)
        {
            var start = position;
            var tag = ReadTag(bytes, position);
            position = SkipElement(bytes, position);
            file._elements[tag] = bytes[start..position];
        }

        if (file.Text(0x0002, 0x0010) != ExplicitLittleTransferSyntax)
        {
            throw new InvalidDataException($"{path}: not explicit VR little endian");
        }

        return file;
    }

    public ExplicitLittleEndianFile Clone()
    {
        var copy = new ExplicitLittleEndianFile();
        foreach (var (tag, bytes) in _elements)
        {
            copy._elements[tag] = bytes;
        }

        return copy;
    }

    public bool Contains(ushort group, ushort element) => _elements.ContainsKey(Key(group, element));

    /// <summary>The value of a text element, trimmed of padding; null when absent.</summary>
    public string? Text(ushort group, ushort element)
    {
        if (!_elements.TryGetValue(Key(group, element), out var bytes))
        {
            return null;
        }

        var headerLength = s_longLengthVrs.Contains(Encoding.ASCII.GetString(bytes, 4, 2)) ? 12 : 8;
        return Encoding.ASCII.GetString(bytes, headerLength, bytes.Length - headerLength).TrimEnd(' ', '\0');
    }

    public void Remove(ushort group, ushort element) => _elements.Remove(Key(group, element));

    /// <summary>Sets a text value (UI padded with NUL, others with a space, to an even length).</summary>
    public void SetText(ushort group, ushort element, string vr, string value)
    {
        var bytes = Encoding.ASCII.GetBytes(value);
        if (bytes.Length % 2 == 1)
        {
            bytes = [.. bytes, vr == "UI" ? (byte)0 : (byte)' '];
        }

        SetBytes(group, element, vr, bytes);
    }

    public void SetUInt16(ushort group, ushort element, int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, checked((ushort)value));
        SetBytes(group, element, "US", bytes);
    }

    public void SetBytes(ushort group, ushort element, string vr, ReadOnlySpan<byte> value)
    {
        var longLength = s_longLengthVrs.Contains(vr);
        var headerLength = longLength ? 12 : 8;
        var bytes = new byte[headerLength + value.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, group);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), element);
        bytes[4] = (byte)vr[0];
        bytes[5] = (byte)vr[1];
        if (longLength)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)value.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), checked((ushort)value.Length));
        }

        value.CopyTo(bytes.AsSpan(headerLength));
        _elements[Key(group, element)] = bytes;
    }

    /// <summary>The file's bytes: preamble, DICM, the meta group with its length recomputed, then the data set in tag order.</summary>
    public byte[] ToBytes()
    {
        var metaLength = _elements.Where(e => e.Key >> 16 == 0x0002 && e.Key != Key(0x0002, 0x0000)).Sum(e => e.Value.Length);
        var groupLength = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(groupLength, (uint)metaLength);
        SetBytes(0x0002, 0x0000, "UL", groupLength);

        using var stream = new MemoryStream();
        stream.Write(new byte[128]);
        stream.Write("DICM"u8);
        foreach (var bytes in _elements.Values)
        {
            stream.Write(bytes);
        }

        return stream.ToArray();
    }

    public void Save(string path) => File.WriteAllBytes(path, ToBytes());

    private static uint Key(ushort group, ushort element) => ((uint)group << 16) | element;

    private static uint ReadTag(byte[] bytes, int position) =>
        Key(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(position)), BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(position + 2)));

    /// <summary>Position after the element at <paramref name="position"/>, sequences and undefined lengths included.</summary>
    private static int SkipElement(byte[] bytes, int position)
    {
        var vr = Encoding.ASCII.GetString(bytes, position + 4, 2);
        if (!s_longLengthVrs.Contains(vr))
        {
            return position + 8 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(position + 6));
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 8));
        position += 12;
        return length == uint.MaxValue ? SkipUndefined(bytes, position) : checked(position + (int)length);
    }

    /// <summary>Skips items (and, inside items of undefined length, whole elements) up to the sequence delimiter.</summary>
    private static int SkipUndefined(byte[] bytes, int position)
    {
        while (true)
        {
            var tag = ReadTag(bytes, position);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 4));
            position += 8;
            if (tag == 0xFFFEE0DD)
            {
                return position;
            }

            if (tag != 0xFFFEE000)
            {
                throw new InvalidDataException($"unexpected tag {tag:X8} inside a sequence");
            }

            if (length != uint.MaxValue)
            {
                position = checked(position + (int)length);
                continue;
            }

            while (ReadTag(bytes, position) != 0xFFFEE00D)
            {
                position = SkipElement(bytes, position);
            }

            position += 8;
        }
    }
}
