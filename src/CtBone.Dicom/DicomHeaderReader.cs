using System.Globalization;
using CtBone.Core.Series;
using CtBone.Core.Volumes;

namespace CtBone.Dicom;

/// <summary>Reads the header of one file through GDCM, up to the pixel data, and says whether it is an image CtBone can use.</summary>
internal static class DicomHeaderReader
{
    /// <summary>The outcome for one file: a header, or the reason it was skipped.</summary>
    public readonly record struct Outcome(SliceHeader? Header, string? SkipReason);

    public static Outcome Read(string path)
    {
        long fileLength;
        try
        {
            fileLength = new FileInfo(path).Length;
        }
        catch (IOException e)
        {
            return Skip($"cannot read the file: {e.Message}");
        }
        catch (UnauthorizedAccessException)
        {
            return Skip("cannot read the file: access denied");
        }

        if (fileLength == 0)
        {
            return Skip("empty file (0 bytes)");
        }

        using var reader = new gdcm.Reader();
        using var pixelTag = new gdcm.Tag(DicomTag.PixelData.Group, DicomTag.PixelData.Element);
        if (!ReadUpToPixelData(reader, path))
        {
            return Skip("not a DICOM file, or its header cannot be parsed");
        }

        var stoppedAt = reader.GetStreamCurrentPosition();
        var file = reader.GetFile();
        using var filter = new gdcm.StringFilter();
        filter.SetFile(file);
        var dataSet = file.GetDataSet();
        string? Text((ushort Group, ushort Element) t) => ValueText(filter, dataSet, t) is { Length: > 0 } value ? value : null;

        string? transferSyntax;
        bool lossy;
        using (var ts = file.GetHeader().GetDataSetTransferSyntax())
        {
            transferSyntax = ts.IsValid() ? ts.GetString()?.Trim(' ', '\0') : null;
            lossy = ts.IsValid() && ts.IsLossy();
        }

        transferSyntax ??= TransferSyntaxUid.ImplicitVrLittleEndian;
        var sopClass = Text(DicomTag.SopClassUid);
        var rows = Integer(Text(DicomTag.Rows));
        var columns = Integer(Text(DicomTag.Columns));
        if (rows is null || columns is null)
        {
            return Skip($"not an image (SOP class {sopClass ?? "unknown"} has no Rows and Columns)");
        }

        var pixelData = (stoppedAt == uint.MaxValue ? null : PixelDataElement.Locate(path, transferSyntax, stoppedAt))
            ?? PixelDataByFullRead(path, pixelTag);
        if (pixelData is not var (pixelDataOffset, pixelDataLength))
        {
            return Skip($"not an image (SOP class {sopClass ?? "unknown"} has no pixel data)");
        }

        var study = Text(DicomTag.StudyInstanceUid);
        var series = Text(DicomTag.SeriesInstanceUid);
        var instance = Text(DicomTag.SopInstanceUid);
        if (study is null || series is null || instance is null)
        {
            return Skip("image without StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID");
        }

        var orientation = Numbers(Text(DicomTag.ImageOrientationPatient));
        var position = Numbers(Text(DicomTag.ImagePositionPatient));
        var spacing = Numbers(Text(DicomTag.PixelSpacing));
        var native = NativePixelData.IsNative(transferSyntax);
        var header = new SliceHeader
        {
            FilePath = path,
            SopInstanceUid = instance,
            SopClassUid = sopClass ?? string.Empty,
            StudyInstanceUid = study,
            SeriesInstanceUid = series,
            TransferSyntaxUid = transferSyntax,
            IsLossy = lossy,
            Modality = Text(DicomTag.Modality)?.ToUpperInvariant(),
            ImageType = Text(DicomTag.ImageType)?.ToUpperInvariant().Split('\\', StringSplitOptions.TrimEntries) ?? [],
            Rows = rows.Value,
            Columns = columns.Value,
            SamplesPerPixel = Integer(Text(DicomTag.SamplesPerPixel)) ?? 1,
            BitsAllocated = Integer(Text(DicomTag.BitsAllocated)) ?? 0,
            BitsStored = Integer(Text(DicomTag.BitsStored)) ?? 0,
            PixelRepresentation = Integer(Text(DicomTag.PixelRepresentation)) ?? 0,
            NumberOfFrames = Integer(Text(DicomTag.NumberOfFrames)) ?? 1,
            PixelSpacingMm = spacing is [var r, var c, ..] && r > 0 && c > 0 ? (r, c) : null,
            ImagePositionPatient = position is [var x, var y, var z, ..] ? new Vector3D(x, y, z) : null,
            RowDirection = orientation is [var a, var b, var d, _, _, _, ..] ? new Vector3D(a, b, d) : null,
            ColumnDirection = orientation is [_, _, _, var cx, var cy, var cz, ..] ? new Vector3D(cx, cy, cz) : null,
            SliceThicknessMm = Number(Text(DicomTag.SliceThickness)),
            InstanceNumber = Integer(Text(DicomTag.InstanceNumber)),
            RescaleSlope = Number(Text(DicomTag.RescaleSlope)) is { } slope && slope != 0 ? slope : 1,
            RescaleIntercept = Number(Text(DicomTag.RescaleIntercept)) ?? 0,
            GantryTiltDegrees = Number(Text(DicomTag.GantryDetectorTilt)),
            KvP = Number(Text(DicomTag.Kvp)),
            ConvolutionKernel = Text(DicomTag.ConvolutionKernel),
            ContrastBolusAgent = Text(DicomTag.ContrastBolusAgent),
            Manufacturer = Text(DicomTag.Manufacturer),
            ManufacturerModelName = Text(DicomTag.ManufacturerModelName),
            SeriesDescription = Text(DicomTag.SeriesDescription),
            SeriesNumber = Integer(Text(DicomTag.SeriesNumber)),
            BodyPartExamined = Text(DicomTag.BodyPartExamined),
            PatientAge = Text(DicomTag.PatientAge),
            PatientBirthDate = Date(Text(DicomTag.PatientBirthDate)),
            StudyDate = Date(Text(DicomTag.StudyDate)),
            PatientSex = Text(DicomTag.PatientSex)?.ToUpperInvariant(),
            PatientName = Text(DicomTag.PatientName),
            PatientId = Text(DicomTag.PatientId),
            AccessionNumber = Text(DicomTag.AccessionNumber),
            StudyDescription = Text(DicomTag.StudyDescription),
            PixelDataLength = native ? pixelDataLength : -1,
            PixelDataOffset = pixelDataOffset,
            FileLength = fileLength,
        };
        return new Outcome(header, null);
    }

    /// <summary>Parses every element before PixelData, and stops at the start of its value without reading it.</summary>
    internal static bool ReadUpToPixelData(gdcm.Reader reader, string path)
    {
        reader.SetFileName(path);
        using var pixelTag = new gdcm.Tag(DicomTag.PixelData.Group, DicomTag.PixelData.Element);
        using var stopAtPixelData = new gdcm.TagSetType();
        stopAtPixelData.Add(pixelTag);

        // With PixelData as a tag to skip, GDCM parses every element before it and stops at the start of its value
        // without reading it; ReadUpToTag alone would read (and allocate) the whole value, so every byte twice.
        return reader.ReadUpToTag(pixelTag, stopAtPixelData);
    }

    /// <summary>A data element's value as text trimmed of DICOM padding (spaces, NUL): empty when the value is, null when the element is absent.</summary>
    internal static string? ValueText(gdcm.StringFilter filter, gdcm.DataSet dataSet, (ushort Group, ushort Element) t)
    {
        using var tag = new gdcm.Tag(t.Group, t.Element);
        return dataSet.FindDataElement(tag) ? (filter.ToString(tag) ?? string.Empty).Trim(' ', '\0') : null;
    }

    /// <summary>
    /// Where the scan could not place the PixelData element (a deflated data set, or no element): GDCM reads it
    /// whole, as before the faster scan, to tell. The offset is then unknown (-1); so is a length of undefined (-1).
    /// </summary>
    private static (long Offset, long Length)? PixelDataByFullRead(string path, gdcm.Tag pixelTag)
    {
        using var reader = new gdcm.Reader();
        reader.SetFileName(path);
        if (!reader.ReadUpToTag(pixelTag))
        {
            return null;
        }

        var dataSet = reader.GetFile().GetDataSet();
        if (!dataSet.FindDataElement(pixelTag))
        {
            return null;
        }

        using var element = dataSet.GetDataElement(pixelTag);
        if (element.IsUndefinedLength())
        {
            return (-1, -1);
        }

        using var vl = element.GetVL();
        return (-1, (uint)vl);
    }

    private static Outcome Skip(string reason) => new(null, reason);

    internal static int? Integer(string? text) =>
        text is not null && int.TryParse(text.Split('\\')[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static double? Number(string? text) =>
        text is not null && double.TryParse(text.Split('\\')[0].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    internal static double[]? Numbers(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var parts = text.Split('\\', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
            {
                return null;
            }
        }

        return values;
    }

    private static DateOnly? Date(string? text) =>
        text is not null && DateOnly.TryParseExact(text.Trim(), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
}
