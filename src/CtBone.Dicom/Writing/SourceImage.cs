using System.Globalization;
using CtBone.Core.Volumes;

namespace CtBone.Dicom.Writing;

/// <summary>
/// What a result object needs from one source image: its identity (SOP class and instance, series, study), its pixel
/// grid in patient space, and the patient and study attributes to copy. The patient and study values are kept as the
/// file's bytes with its Specific Character Set, so a name in GB18030 or UTF-8 reaches the PACS exactly as it came.
/// PHI: never logged.
/// </summary>
public sealed record SourceImage
{
    public required string SopClassUid { get; init; }

    public required string SopInstanceUid { get; init; }

    public required string SeriesInstanceUid { get; init; }

    public required string StudyInstanceUid { get; init; }

    public string? FrameOfReferenceUid { get; init; }

    public required int Rows { get; init; }

    public required int Columns { get; init; }

    /// <summary>The plane of the pixel grid; null when the image has no ImagePositionPatient, ImageOrientationPatient or PixelSpacing.</summary>
    public ImagePlane? Plane { get; init; }

    /// <summary>Patient and General Study module attributes as stored in the file (tag, VR, raw value), for copying.</summary>
    internal IReadOnlyList<DicomAttribute> PatientAndStudy { get; init; } = [];
}

/// <summary>
/// An image's pixel grid in DICOM patient LPS millimetres: pixel (column i, row j) has its centre at
/// <c>ImagePositionPatient + i·ColumnSpacingMm·RowDirection + j·RowSpacingMm·ColumnDirection</c> (PS3.3 C.7.6.2.1.1).
/// </summary>
/// <param name="PositionMm">ImagePositionPatient (0020,0032): centre of the first transmitted pixel.</param>
/// <param name="RowDirection">First three values of ImageOrientationPatient (0020,0037): the direction in which the column index grows.</param>
/// <param name="ColumnDirection">Last three values: the direction in which the row index grows.</param>
/// <param name="RowSpacingMm">First value of PixelSpacing (0028,0030): between the centres of adjacent rows.</param>
/// <param name="ColumnSpacingMm">Second value: between the centres of adjacent columns.</param>
public sealed record ImagePlane(Vector3D PositionMm, Vector3D RowDirection, Vector3D ColumnDirection, double RowSpacingMm, double ColumnSpacingMm)
{
    public Vector3D Normal => RowDirection.Cross(ColumnDirection).Normalized();

    /// <summary>
    /// The point as SCOORD image coordinates (PS3.3 C.18.6.1.1): column and row with (0, 0) at the top left corner of the
    /// top left pixel, so the centre of pixel (i, j) is (i + 0.5, j + 0.5). The point is projected onto the plane.
    /// </summary>
    public (double Column, double Row) ToImage(Vector3D patientMm)
    {
        var d = patientMm - PositionMm;
        return ((d.Dot(RowDirection) / ColumnSpacingMm) + 0.5, (d.Dot(ColumnDirection) / RowSpacingMm) + 0.5);
    }

    /// <summary>The inverse of <see cref="ToImage"/>: the patient position of SCOORD image coordinates.</summary>
    public Vector3D ToPatient(double column, double row) =>
        PositionMm + (RowDirection * ((column - 0.5) * ColumnSpacingMm)) + (ColumnDirection * ((row - 0.5) * RowSpacingMm));
}

/// <summary>Reads <see cref="SourceImage"/>s through GDCM, up to the pixel data. For files ingest has already read whole.</summary>
public static class SourceImageReader
{
    /// <summary>Patient module (PS3.3 C.7.1.1), General Study (C.7.2.1) and Patient Study (C.7.2.2) attributes copied to results, with their VRs.</summary>
    private static readonly ((ushort Group, ushort Element) Tag, gdcm.VR.VRType Vr)[] s_copied =
    [
        ((0x0008, 0x0005), gdcm.VR.VRType.CS), // Specific Character Set: how the copied text is encoded
        ((0x0008, 0x0020), gdcm.VR.VRType.DA), // Study Date
        ((0x0008, 0x0030), gdcm.VR.VRType.TM), // Study Time
        ((0x0008, 0x0050), gdcm.VR.VRType.SH), // Accession Number
        ((0x0008, 0x0090), gdcm.VR.VRType.PN), // Referring Physician's Name
        ((0x0008, 0x1030), gdcm.VR.VRType.LO), // Study Description
        ((0x0010, 0x0010), gdcm.VR.VRType.PN), // Patient's Name
        ((0x0010, 0x0020), gdcm.VR.VRType.LO), // Patient ID
        ((0x0010, 0x0021), gdcm.VR.VRType.LO), // Issuer of Patient ID
        ((0x0010, 0x0030), gdcm.VR.VRType.DA), // Patient's Birth Date
        ((0x0010, 0x0040), gdcm.VR.VRType.CS), // Patient's Sex
        ((0x0010, 0x1010), gdcm.VR.VRType.AS), // Patient's Age
        ((0x0010, 0x1020), gdcm.VR.VRType.DS), // Patient's Size
        ((0x0010, 0x1030), gdcm.VR.VRType.DS), // Patient's Weight
        ((0x0020, 0x000D), gdcm.VR.VRType.UI), // Study Instance UID
        ((0x0020, 0x0010), gdcm.VR.VRType.SH), // Study ID
    ];

    /// <exception cref="DicomWriteException">GDCM cannot read the file, or it lacks the UIDs or the image size.</exception>
    public static SourceImage Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new gdcm.Reader();
        if (!DicomHeaderReader.ReadUpToPixelData(reader, path))
        {
            throw new DicomWriteException($"GDCM cannot read the header of source image {Path.GetFileName(path)}");
        }

        var file = reader.GetFile();
        using var filter = new gdcm.StringFilter();
        filter.SetFile(file);
        var dataSet = file.GetDataSet();
        string? Text((ushort Group, ushort Element) t) => DicomHeaderReader.ValueText(filter, dataSet, t) is { Length: > 0 } v ? v : null;
        string Required((ushort Group, ushort Element) t, string name) =>
            Text(t) ?? throw new DicomWriteException($"source image {Path.GetFileName(path)} has no {name}");

        var copied = new List<DicomAttribute>();
        foreach (var (tag, vr) in s_copied)
        {
            if (RawValue(dataSet, tag) is { } value)
            {
                copied.Add(new DicomAttribute(tag, vr, value, null));
            }
        }

        return new SourceImage
        {
            SopClassUid = Required(DicomTag.SopClassUid, "SOPClassUID"),
            SopInstanceUid = Required(DicomTag.SopInstanceUid, "SOPInstanceUID"),
            SeriesInstanceUid = Required(DicomTag.SeriesInstanceUid, "SeriesInstanceUID"),
            StudyInstanceUid = Required(DicomTag.StudyInstanceUid, "StudyInstanceUID"),
            FrameOfReferenceUid = Text((0x0020, 0x0052)),
            Rows = Integer(Required(DicomTag.Rows, "Rows")),
            Columns = Integer(Required(DicomTag.Columns, "Columns")),
            Plane = Plane(Numbers(Text(DicomTag.ImagePositionPatient)), Numbers(Text(DicomTag.ImageOrientationPatient)), Numbers(Text(DicomTag.PixelSpacing))),
            PatientAndStudy = copied,
        };
    }

    private static ImagePlane? Plane(double[]? position, double[]? orientation, double[]? spacing) =>
        position is [var x, var y, var z, ..] && orientation is [var a, var b, var c, var d, var e, var f, ..] && spacing is [var rows, var columns, ..] && rows > 0 && columns > 0
            ? new ImagePlane(new Vector3D(x, y, z), new Vector3D(a, b, c).Normalized(), new Vector3D(d, e, f).Normalized(), rows, columns)
            : null;

    /// <summary>The element's value bytes, empty when it is present without a value, null when it is absent.</summary>
    private static byte[]? RawValue(gdcm.DataSet dataSet, (ushort Group, ushort Element) t)
    {
        using var tag = new gdcm.Tag(t.Group, t.Element);
        if (!dataSet.FindDataElement(tag))
        {
            return null;
        }

        using var element = dataSet.GetDataElement(tag);
        using var value = element.GetByteValue();
        if (value is null)
        {
            return [];
        }

        using var length = value.GetLength();
        var bytes = new byte[(uint)length];
        return bytes.Length == 0 || value.GetBuffer(bytes, (uint)bytes.Length) ? bytes : [];
    }

    private static int Integer(string text) =>
        DicomHeaderReader.Integer(text) ?? throw new DicomWriteException($"'{text}' is not a whole number");

    private static double[]? Numbers(string? text) => DicomHeaderReader.Numbers(text);
}
