using System.Globalization;
using System.Text;

namespace CtBone.Dicom.Writing;

/// <summary>
/// A data set (or a sequence item) being built for writing: attributes with their VR and value bytes, or nested items.
/// Kept apart from GDCM so that what a writer produces can be built and checked in plain C#; <see cref="CopyTo"/>
/// hands it to GDCM at the end.
/// </summary>
internal sealed class DicomItem
{
    private readonly SortedDictionary<uint, DicomAttribute> _attributes = [];

    public IEnumerable<DicomAttribute> Attributes => _attributes.Values;

    /// <summary>
    /// Text of a string VR, padded to even length as PS3.5 6.2 asks (UI with NUL, the others with a space). CtBone's own
    /// text is written in the default repertoire (ASCII), which every Specific Character Set a copied patient name may
    /// come with contains; the few other characters its wording uses are spelled out (see <see cref="Ascii"/>).
    /// </summary>
    public DicomItem Text((ushort Group, ushort Element) tag, gdcm.VR.VRType vr, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Bytes(tag, vr, Encoding.ASCII.GetBytes(Ascii(value)));
    }

    /// <summary>The text in ASCII: ± as +/-, dashes and minus as '-', ≤ and ≥ as &lt;= and &gt;=, umlauts as their base letter and e, ³ and ² as digits; anything else '?'.</summary>
    public static string Ascii(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.All(char.IsAscii))
        {
            return text;
        }

        var folded = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            folded.Append(c switch
            {
                _ when char.IsAscii(c) => c.ToString(),
                '±' => "+/-",
                '–' or '—' or '−' => "-",
                '≤' => "<=",
                '≥' => ">=",
                '×' => "x",
                '°' => " deg",
                '³' => "3",
                '²' => "2",
                'µ' or 'μ' => "u",
                'ä' => "ae",
                'ö' => "oe",
                'ü' => "ue",
                'Ä' => "Ae",
                'Ö' => "Oe",
                'Ü' => "Ue",
                _ => "?",
            });
        }

        return folded.ToString();
    }

    /// <summary>Value bytes as they are (a copied element keeps the source's character set encoding); padded to even length.</summary>
    public DicomItem Bytes((ushort Group, ushort Element) tag, gdcm.VR.VRType vr, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length % 2 == 1)
        {
            value = [.. value, vr == gdcm.VR.VRType.UI ? (byte)0 : (byte)' '];
        }

        _attributes[Key(tag)] = new DicomAttribute(tag, vr, value, null);
        return this;
    }

    /// <summary>A decimal string (DS) of at most 16 characters.</summary>
    public DicomItem Decimal((ushort Group, ushort Element) tag, double value) =>
        Text(tag, gdcm.VR.VRType.DS, GdcmSliceWriter.DecimalString(value));

    public DicomItem Integer((ushort Group, ushort Element) tag, int value) =>
        Text(tag, gdcm.VR.VRType.IS, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Single-precision floats (FL), little endian.</summary>
    public DicomItem Floats((ushort Group, ushort Element) tag, IReadOnlyList<float> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bytes = new byte[values.Count * sizeof(float)];
        for (var i = 0; i < values.Count; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return Bytes(tag, gdcm.VR.VRType.FL, bytes);
    }

    /// <summary>An unsigned short (US), little endian.</summary>
    public DicomItem UnsignedShort((ushort Group, ushort Element) tag, ushort value) =>
        Bytes(tag, gdcm.VR.VRType.US, BitConverter.GetBytes(value));

    /// <summary>A sequence (SQ) of the items given; none makes an empty sequence (a type 2 sequence with no value).</summary>
    public DicomItem Sequence((ushort Group, ushort Element) tag, params IEnumerable<DicomItem> items)
    {
        _attributes[Key(tag)] = new DicomAttribute(tag, gdcm.VR.VRType.SQ, null, [.. items]);
        return this;
    }

    public bool Has((ushort Group, ushort Element) tag) => _attributes.ContainsKey(Key(tag));

    /// <summary>Inserts every attribute into a GDCM data set, replacing any of the same tag.</summary>
    public void CopyTo(gdcm.DataSet dataSet)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        foreach (var attribute in _attributes.Values)
        {
            using var element = attribute.ToGdcm();
            dataSet.Replace(element);
        }
    }

    private static uint Key((ushort Group, ushort Element) tag) => ((uint)tag.Group << 16) | tag.Element;
}

/// <summary>One attribute: bytes for a value, or items for a sequence.</summary>
internal sealed record DicomAttribute((ushort Group, ushort Element) Tag, gdcm.VR.VRType Vr, byte[]? Value, IReadOnlyList<DicomItem>? Items)
{
    /// <summary>The value as text without padding (for checks and tests); empty for a sequence.</summary>
    public string Text => Value is null ? string.Empty : Encoding.ASCII.GetString(Value).TrimEnd(' ', '\0');

    public gdcm.DataElement ToGdcm()
    {
        using var tag = new gdcm.Tag(Tag.Group, Tag.Element);
        var element = new gdcm.DataElement(tag);
        using (var vr = new gdcm.VR(Vr))
        {
            element.SetVR(vr);
        }

        if (Items is null)
        {
            using var length = new gdcm.VL((uint)Value!.Length);
            element.SetByteValue(Value, length);
            return element;
        }

        // GDCM reference-counts sequences: the element keeps the sequence alive once it holds it.
        using var sequence = gdcm.SequenceOfItems.New();
        sequence.SetLengthToUndefined();
        foreach (var item in Items)
        {
            using var gdcmItem = new gdcm.Item();
            gdcmItem.SetVLToUndefined();
            using (var nested = gdcmItem.GetNestedDataSet())
            {
                item.CopyTo(nested);
            }

            sequence.AddItem(gdcmItem);
        }

        element.SetValue(sequence.__ref__());
        element.SetVLToUndefined();
        return element;
    }
}
