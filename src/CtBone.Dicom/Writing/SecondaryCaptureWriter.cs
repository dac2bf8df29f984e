using static gdcm.VR.VRType;

namespace CtBone.Dicom.Writing;

/// <summary>An 8-bit RGB picture, row by row, three bytes a pixel (R, G, B).</summary>
public sealed record RgbPicture(int Columns, int Rows, byte[] Rgb)
{
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Columns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Rows);
        if (Rgb is null || Rgb.LongLength != 3L * Columns * Rows)
        {
            throw new ArgumentException($"an RGB picture of {Columns}x{Rows} needs {3L * Columns * Rows} bytes", nameof(Rgb));
        }
    }
}

/// <summary>
/// Writes the sagittal overview as a Secondary Capture Image (SOP class 1.2.840.10008.5.1.4.1.1.7): RGB, burned-in
/// labels (BurnedInAnnotation YES), derived from the source series by multiplanar reformatting with every analysed slice
/// in the Source Image Sequence; same patient and study as the source, a series of its own.
/// </summary>
public static class SecondaryCaptureWriter
{
    public const string SecondaryCaptureImageStorage = "1.2.840.10008.5.1.4.1.1.7";
    public const int SeriesNumber = 9902;

    /// <summary>Writes the overview to <paramref name="path"/>; returns its SOP Instance UID.</summary>
    /// <exception cref="DicomWriteException">GDCM could not write the file.</exception>
    public static string Write(PacsResultInput input, RgbPicture overview, string path)
    {
        ArgumentNullException.ThrowIfNull(overview);
        overview.Validate();
        var attributes = Build(input);
        GdcmSliceWriter.Write(path, image => Describe(image, overview), attributes);
        return attributes.Attributes.Single(a => a.Tag == DicomTag.SopInstanceUid).Text;
    }

    internal static DicomItem Build(PacsResultInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var uids = new MeasurementReportWriter.ReportUids(input.Revision?.OriginalFindings ?? input.Findings, input.Revision?.Number ?? 0);
        var source = input.PatientSource;
        var item = new DicomItem();
        MeasurementReportWriter.CopyPatientAndStudy(item, source);
        var instances = input.SeriesInstances.Count > 0 ? input.SeriesInstances : [source.SopInstanceUid];
        return MeasurementReportWriter.Common(item, SecondaryCaptureImageStorage, uids.ScInstance, input.CreatedAt)
            .Text((0x0008, 0x0060), CS, "OT")
            .Text(DicomTag.SeriesInstanceUid, UI, uids.ScSeries)
            .Integer((0x0020, 0x0011), SeriesNumber)
            .Text((0x0008, 0x103E), LO, input.Revision is { } revision
                ? FormattableString.Invariant($"CtBone sagittal overview (reviewed, revision {revision.Number})")
                : "CtBone sagittal overview (algorithm output, unverified)")
            .Text((0x0008, 0x1090), LO, MeasurementReportWriter.SplitAlgorithm(input.Findings.AlgorithmVersion).Name)
            .Text((0x0018, 0x1020), LO, input.Findings.AlgorithmVersion)
            .Text((0x0008, 0x0064), CS, "WSD")
            .Text((0x0008, 0x0008), CS, "DERIVED\\SECONDARY")
            // Head up and anterior left: rows run towards posterior, columns towards the feet (PS3.3 C.7.6.1.1.1).
            .Text((0x0020, 0x0020), CS, "P\\F")
            // The spine is not a paired structure: Image Laterality U (unpaired) answers General Series' Laterality condition.
            .Text((0x0020, 0x0062), CS, "U")
            .Text((0x0028, 0x0301), CS, "YES")
            .Text((0x0028, 0x2110), CS, "00")
            .Text((0x0008, 0x2111), ST, "Sagittal reformat curved through the vertebral level centres, with levels, HU and screening burned in")
            .Sequence((0x0008, 0x9215), SrCodes.MultiplanarReformatting.ToItem())
            .Sequence((0x0008, 0x2112), instances.Select(uid => SrItem.ReferencedSop(source.SopClassUid, uid)
                .Sequence((0x0040, 0xA170), SrCodes.SourceImageForProcessing.ToItem())));
    }

    private static void Describe(gdcm.Image image, RgbPicture picture)
    {
        image.SetNumberOfDimensions(2);
        image.SetDimension(0, (uint)picture.Columns);
        image.SetDimension(1, (uint)picture.Rows);
        using (var format = new gdcm.PixelFormat(3, 8, 8, 7, 0))
        {
            image.SetPixelFormat(format);
        }

        using (var photometric = new gdcm.PhotometricInterpretation(gdcm.PhotometricInterpretation.PIType.RGB))
        {
            image.SetPhotometricInterpretation(photometric);
        }

        image.SetPlanarConfiguration(0);
        GdcmSliceWriter.SetNativePixels(image, picture.Rgb);
    }
}

/// <summary>The two objects CtBone sends back to PACS, and their names beside the key images.</summary>
public static class PacsResultFiles
{
    public const string ReportFileName = "report-sr.dcm";
    public const string OverviewFileName = "overview-sc.dcm";

    /// <summary>The revised SR's file name: <c>report-sr-r1.dcm</c> for revision 1; <see cref="ReportFileName"/> for 0, the analysis' own.</summary>
    public static string ReportName(int revision) => Revised(ReportFileName, revision);

    public static string OverviewName(int revision) => Revised(OverviewFileName, revision);

    /// <summary>
    /// Writes the SR and the overview into <paramref name="directory"/> (<see cref="ReportFileName"/> and
    /// <see cref="OverviewFileName"/>, or a revision's <see cref="ReportName"/> and <see cref="OverviewName"/>); returns their paths.
    /// </summary>
    /// <exception cref="DicomWriteException">GDCM could not write a file.</exception>
    public static IReadOnlyList<string> Write(PacsResultInput input, RgbPicture overview, string directory)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var report = Path.Combine(directory, ReportName(input.Revision?.Number ?? 0));
        var capture = Path.Combine(directory, OverviewName(input.Revision?.Number ?? 0));
        MeasurementReportWriter.Write(input, report);
        SecondaryCaptureWriter.Write(input, overview, capture);
        return [report, capture];
    }

    private static string Revised(string name, int revision) =>
        revision <= 0 ? name : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Path.GetFileNameWithoutExtension(name)}-r{revision}{Path.GetExtension(name)}");

    /// <summary>
    /// The input for <paramref name="findings"/>: reads each level's ROI mid-slice from the file ingest loaded it from.
    /// <paramref name="sliceFiles"/> and <paramref name="sliceSopInstanceUids"/> are per volume slice (empty for an
    /// interpolated one), as <c>StudyLoadResult</c> lists them.
    /// </summary>
    /// <exception cref="DicomWriteException">A mid-slice file cannot be read.</exception>
    public static PacsResultInput Input(
        Core.Analysis.Findings findings, IReadOnlyList<string> sliceFiles, IReadOnlyList<string> sliceSopInstanceUids, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(sliceFiles);
        ArgumentNullException.ThrowIfNull(sliceSopInstanceUids);
        var fileByUid = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var k = 0; k < Math.Min(sliceFiles.Count, sliceSopInstanceUids.Count); k++)
        {
            if (sliceSopInstanceUids[k].Length > 0 && sliceFiles[k].Length > 0)
            {
                fileByUid[sliceSopInstanceUids[k]] = sliceFiles[k];
            }
        }

        var midSlices = new Dictionary<string, SourceImage>(StringComparer.Ordinal);
        foreach (var uid in findings.Vertebrae.Select(v => v.Roi?.MidSliceSopInstanceUid).OfType<string>().Distinct())
        {
            if (fileByUid.TryGetValue(uid, out var file))
            {
                midSlices[uid] = SourceImageReader.Read(file);
            }
        }

        var patientSource = midSlices.Values.FirstOrDefault()
            ?? (fileByUid.Values.FirstOrDefault() is { } any ? SourceImageReader.Read(any) : throw new DicomWriteException("no source image file is known for the analysed series"));
        return new PacsResultInput
        {
            Findings = findings,
            MidSlices = midSlices,
            PatientSource = patientSource,
            SeriesInstances = [.. sliceSopInstanceUids.Where(uid => uid.Length > 0)],
            CreatedAt = createdAt,
        };
    }
}
