using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CtBone.Core.Phantoms;
using CtBone.Core.Volumes;
using static gdcm.VR.VRType;

namespace CtBone.Dicom.Writing;

/// <summary>How image files are named.</summary>
public enum DicomFileNaming
{
    /// <summary>IM020123: "IM", the series number (2 digits) and the InstanceNumber (4 digits), no extension, as many PACS exports do.</summary>
    Plain,

    /// <summary>The plain name with ".dcm".</summary>
    DcmExtension,

    /// <summary>Ten hex digits derived from the SOPInstanceUID: names carry no order, and the same study gets the same names.</summary>
    Random,
}

/// <summary>Writes a volume as a series of CT Image Storage files (SOP class 1.2.840.10008.5.1.4.1.1.2), one file per slice.</summary>
public static class CtSeriesWriter
{
    public const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";

    private const string SoftwareVersions = "CtBone phantom 1";

    /// <summary>
    /// Writes slice k of <paramref name="volume"/> as InstanceNumber k + 1 with the SOPInstanceUID of <paramref name="attributes"/>.
    /// Stored values are round((HU − intercept) / slope) clamped to the encoding's range. Returns the file paths in slice order.
    /// </summary>
    /// <exception cref="DicomWriteException">GDCM could not encode or write a file.</exception>
    public static IReadOnlyList<string> Write(CtVolume volume, SeriesAttributes attributes, string directory, DicomFileNaming naming, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var g = volume.Geometry;
        if (attributes.SopInstanceUids.Count != g.Slices)
        {
            throw new ArgumentException($"The attributes carry {attributes.SopInstanceUids.Count} SOPInstanceUIDs for {g.Slices} slices.", nameof(attributes));
        }

        attributes.Encoding.Validate();
        Directory.CreateDirectory(directory);
        var paths = new string[g.Slices];
        var common = SeriesAttributesToDicom(attributes);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
        Parallel.For(0, g.Slices, parallel, k =>
        {
            var path = Path.Combine(directory, FileName(attributes, k, naming));
            var position = g.ToPatient(0, 0, k);
            var content = new SliceContent(StoredBytes(volume.Slice(k), attributes.Encoding), g, position, attributes.Encoding);
            var sliceLocation = position.Dot(g.SliceNormal);
            var list = new List<(ushort, ushort, gdcm.VR.VRType, string)>(common)
            {
                (0x0008, 0x0018, UI, attributes.SopInstanceUids[k]),
                (0x0020, 0x0013, IS, (k + 1).ToString(CultureInfo.InvariantCulture)),
                (0x0020, 0x1041, DS, GdcmSliceWriter.DecimalString(sliceLocation)),
            };
            GdcmSliceWriter.Write(path, content, list);
            paths[k] = path;
        });

        return paths;
    }

    /// <summary>The file name of slice k.</summary>
    public static string FileName(SeriesAttributes attributes, int k, DicomFileNaming naming)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var plain = string.Create(CultureInfo.InvariantCulture, $"IM{attributes.SeriesNumber % 100:00}{(k + 1) % 10000:0000}");
        return naming switch
        {
            DicomFileNaming.Plain => plain,
            DicomFileNaming.DcmExtension => plain + ".dcm",
            DicomFileNaming.Random => Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(attributes.SopInstanceUids[k])))[..10],
            _ => throw new ArgumentOutOfRangeException(nameof(naming), naming, null),
        };
    }

    /// <summary>Stored 16-bit values in little-endian bytes: round((HU − intercept) / slope), clamped to the stored range.</summary>
    internal static byte[] StoredBytes(ReadOnlySpan<short> hu, StorageEncoding encoding)
    {
        var bytes = new byte[hu.Length * 2];
        for (var i = 0; i < hu.Length; i++)
        {
            var stored = encoding.ToStored(hu[i]);
            var bits = (ushort)(encoding.IsSigned ? (short)stored : stored);
            bytes[2 * i] = (byte)bits;
            bytes[(2 * i) + 1] = (byte)(bits >> 8);
        }

        return bytes;
    }

    private static List<(ushort, ushort, gdcm.VR.VRType, string)> SeriesAttributesToDicom(SeriesAttributes a)
    {
        var date = Date(a.StudyDate);
        var list = new List<(ushort, ushort, gdcm.VR.VRType, string)>
        {
            (0x0008, 0x0008, CS, string.Join('\\', a.ImageType)),
            (0x0008, 0x0016, UI, CtImageStorage),
            (0x0008, 0x0020, DA, date),
            (0x0008, 0x0021, DA, date),
            (0x0008, 0x0022, DA, date),
            (0x0008, 0x0023, DA, date),
            (0x0008, 0x0030, TM, Time(a.StudyTime)),
            (0x0008, 0x0031, TM, Time(a.SeriesTime)),
            (0x0008, 0x0032, TM, Time(a.SeriesTime)),
            (0x0008, 0x0033, TM, Time(a.SeriesTime)),
            (0x0008, 0x0050, SH, a.AccessionNumber),
            (0x0008, 0x0060, CS, a.Modality),
            (0x0008, 0x0070, LO, a.Manufacturer),
            (0x0008, 0x0090, PN, ""),
            (0x0008, 0x1030, LO, a.StudyDescription),
            (0x0008, 0x103E, LO, a.SeriesDescription),
            (0x0008, 0x1090, LO, a.ManufacturerModelName),
            (0x0010, 0x0010, PN, a.PatientName),
            (0x0010, 0x0020, LO, a.PatientId),
            (0x0010, 0x0030, DA, a.PatientBirthDate is { } born ? Date(born) : ""),
            (0x0010, 0x0040, CS, a.PatientSex ?? ""),
            (0x0018, 0x0015, CS, a.BodyPartExamined),
            (0x0018, 0x0050, DS, a.SliceThicknessMm is { } thickness ? GdcmSliceWriter.DecimalString(thickness) : ""),
            (0x0018, 0x0060, DS, a.KvP is { } kvp ? GdcmSliceWriter.DecimalString(kvp) : ""),
            (0x0018, 0x1020, LO, SoftwareVersions),
            (0x0018, 0x5100, CS, a.PatientPosition),
            (0x0020, 0x000D, UI, a.StudyInstanceUid),
            (0x0020, 0x000E, UI, a.SeriesInstanceUid),
            (0x0020, 0x0010, SH, a.StudyId),
            (0x0020, 0x0011, IS, a.SeriesNumber.ToString(CultureInfo.InvariantCulture)),
            (0x0020, 0x0012, IS, "1"),
            (0x0020, 0x0052, UI, a.FrameOfReferenceUid),
            (0x0020, 0x1040, LO, ""),
            (0x0028, 0x1050, DS, GdcmSliceWriter.DecimalString(a.WindowCenter)),
            (0x0028, 0x1051, DS, GdcmSliceWriter.DecimalString(a.WindowWidth)),
            (0x0028, 0x1054, LO, a.RescaleType),
        };

        if (a.PatientAge is { } age)
        {
            list.Add((0x0010, 0x1010, AS, age));
        }

        if (a.ContrastBolusAgent is { } agent)
        {
            list.Add((0x0018, 0x0010, LO, agent));
            if (a.ContrastBolusRoute is { } route)
            {
                list.Add((0x0018, 0x1040, LO, route));
            }
        }

        if (a.SpacingBetweenSlicesMm is { } spacing)
        {
            list.Add((0x0018, 0x0088, DS, GdcmSliceWriter.DecimalString(spacing)));
        }

        if (a.ReconstructionDiameterMm is { } diameter)
        {
            list.Add((0x0018, 0x1100, DS, GdcmSliceWriter.DecimalString(diameter)));
        }

        if (a.ConvolutionKernel is { } kernel)
        {
            list.Add((0x0018, 0x1210, SH, kernel));
        }

        if (a.XRayTubeCurrentMa is { } current)
        {
            list.Add((0x0018, 0x1151, IS, Math.Round(current).ToString(CultureInfo.InvariantCulture)));
        }

        if (a.Kind != SeriesKind.Localizer)
        {
            // No gantry tilt: the slice normal is the z axis for axial series.
            list.Add((0x0018, 0x1120, DS, "0"));
        }

        if (a.Encoding.TransferSyntax.IsLossy())
        {
            // Lossy Image Compression (0028,2110) "01" with its ratio and method (PS3.3 C.7.6.1.1.5).
            list.Add((0x0028, 0x2110, CS, "01"));
            list.Add((0x0028, 0x2112, DS, "8"));
            list.Add((0x0028, 0x2114, CS, "ISO_15444_1"));
        }
        else
        {
            list.Add((0x0028, 0x2110, CS, "00"));
        }

        return list;
    }

    private static string Date(DateOnly date) => date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static string Time(TimeOnly time) => time.ToString("HHmmss", CultureInfo.InvariantCulture);
}
