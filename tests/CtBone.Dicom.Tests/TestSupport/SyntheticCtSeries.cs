using System.Buffers.Binary;
using System.Globalization;
using CtBone.Core.Volumes;

namespace CtBone.Dicom.Tests.TestSupport;

/// <summary>One written slice: where it is, what it claims, and the HU a correct reader must get back.</summary>
internal sealed record SyntheticSlice(string FilePath, string SopInstanceUid, Vector3D Position, int InstanceNumber, short[] Hu);

/// <summary>
/// What <see cref="SyntheticCtSeries"/> writes. Defaults: 20 axial slices of 32×32 at 0.8 mm, 2.5 mm apart,
/// feet to head, signed 16-bit with intercept -1024, no contrast, a soft kernel.
/// </summary>
internal sealed record SyntheticSeriesSpec
{
    public string StudyInstanceUid { get; init; } = "1.2.826.0.1.3680043.9.7433.1.1";

    public string SeriesInstanceUid { get; init; } = "1.2.826.0.1.3680043.9.7433.1.1.2";

    public int SeriesNumber { get; init; } = 2;

    public string SeriesDescription { get; init; } = "Abdomen";

    public int Slices { get; init; } = 20;

    public int Rows { get; init; } = 32;

    public int Columns { get; init; } = 32;

    public double PixelSpacingMm { get; init; } = 0.8;

    public double SliceSpacingMm { get; init; } = 2.5;

    public double SliceThicknessMm { get; init; } = 2.5;

    public Vector3D Origin { get; init; } = new(-12.8, -12.8, -100);

    public Vector3D RowDirection { get; init; } = Vector3D.UnitX;

    public Vector3D ColumnDirection { get; init; } = Vector3D.UnitY;

    /// <summary>ImagePositionPatient of slice k (k = 0 is the first slice written, in physical order). Default: along the normal.</summary>
    public Func<int, Vector3D>? Position { get; init; }

    /// <summary>InstanceNumber of slice k. Default k + 1.</summary>
    public Func<int, int>? InstanceNumber { get; init; }

    /// <summary>File name of slice k. Default <c>s{SeriesNumber}-{k:000}.dcm</c>.</summary>
    public Func<int, string>? FileName { get; init; }

    /// <summary>HU of voxel (column i, row j) of slice k. Default: distinct per slice and per voxel.</summary>
    public Func<int, int, int, short>? Hu { get; init; }

    public int PixelRepresentation { get; init; } = 1;

    public int BitsStored { get; init; } = 16;

    public double RescaleSlope { get; init; } = 1;

    public double RescaleIntercept { get; init; } = -1024;

    public string ConvolutionKernel { get; init; } = "STANDARD";

    public string? ContrastBolusAgent { get; init; }

    public double? GantryDetectorTiltDegrees { get; init; }

    public string? PatientAge { get; init; } = "067Y";

    public DateOnly? PatientBirthDate { get; init; }

    public DateOnly? StudyDate { get; init; } = new DateOnly(2024, 3, 5);

    public Vector3D Normal => RowDirection.Cross(ColumnDirection).Normalized();

    public Vector3D PositionOf(int k) => Position?.Invoke(k) ?? Origin + (Normal * (k * SliceSpacingMm));

    public short HuOf(int k, int i, int j) => Hu?.Invoke(k, i, j) ?? DefaultHu(k, i, j);

    /// <summary>Every slice differs from every other one in every voxel, so a misplaced slice cannot pass a comparison.</summary>
    public static short DefaultHu(int k, int i, int j) => (short)(-500 + (100 * k) + ((i + (2 * j)) % 97));
}

/// <summary>
/// Writes small synthetic CT series, using pydicom's CT_small.dcm (a GE HiSpeed CT/i image, Debian python3-pydicom)
/// as the header template: its real-world header (private GE groups included) with our UIDs, geometry, rescale and
/// pixel data patched in, byte by byte (<see cref="ExplicitLittleEndianFile"/>), in explicit VR little endian.
/// </summary>
internal static class SyntheticCtSeries
{
    public static string Template => RealFiles.Pydicom("CT_small.dcm");

    private static readonly Lazy<ExplicitLittleEndianFile> s_template = new(() => ExplicitLittleEndianFile.Load(Template));

    public static IReadOnlyList<SyntheticSlice> Write(string folder, SyntheticSeriesSpec? spec = null)
    {
        spec ??= new SyntheticSeriesSpec();
        Directory.CreateDirectory(folder);
        var slices = new List<SyntheticSlice>(spec.Slices);
        var file = s_template.Value.Clone();

        // PixelPaddingValue's VR follows PixelRepresentation; trailing padding would hide truncation; the rest is set per spec.
        file.Remove(0x0028, 0x0120);
        file.Remove(0xFFFC, 0xFFFC);
        file.Remove(0x0018, 0x0088);
        file.Remove(0x0018, 0x0010);
        file.Remove(0x0010, 0x1010);
        file.SetText(0x0020, 0x000D, "UI", spec.StudyInstanceUid);
        file.SetText(0x0020, 0x000E, "UI", spec.SeriesInstanceUid);
        file.SetText(0x0020, 0x0052, "UI", spec.StudyInstanceUid + ".9");
        file.SetText(0x0020, 0x0011, "IS", Invariant($"{spec.SeriesNumber}"));
        file.SetText(0x0008, 0x103E, "LO", spec.SeriesDescription);
        file.SetText(0x0020, 0x0037, "DS", Ds(spec.RowDirection.X, spec.RowDirection.Y, spec.RowDirection.Z, spec.ColumnDirection.X, spec.ColumnDirection.Y, spec.ColumnDirection.Z));
        file.SetText(0x0028, 0x0030, "DS", Ds(spec.PixelSpacingMm, spec.PixelSpacingMm));
        file.SetText(0x0018, 0x0050, "DS", Ds(spec.SliceThicknessMm));
        file.SetText(0x0018, 0x1210, "SH", spec.ConvolutionKernel);
        file.SetText(0x0018, 0x1120, "DS", Ds(spec.GantryDetectorTiltDegrees ?? 0));
        file.SetText(0x0028, 0x1052, "DS", Ds(spec.RescaleIntercept));
        file.SetText(0x0028, 0x1053, "DS", Ds(spec.RescaleSlope));
        file.SetUInt16(0x0028, 0x0010, spec.Rows);
        file.SetUInt16(0x0028, 0x0011, spec.Columns);
        file.SetUInt16(0x0028, 0x0101, spec.BitsStored);
        file.SetUInt16(0x0028, 0x0102, spec.BitsStored - 1);
        file.SetUInt16(0x0028, 0x0103, spec.PixelRepresentation);
        if (spec.ContrastBolusAgent is { } agent)
        {
            file.SetText(0x0018, 0x0010, "LO", agent);
        }

        if (spec.PatientAge is { } age)
        {
            file.SetText(0x0010, 0x1010, "AS", age);
        }

        file.SetText(0x0010, 0x0030, "DA", spec.PatientBirthDate?.ToString("yyyyMMdd", CultureInfo.InvariantCulture) ?? string.Empty);
        file.SetText(0x0008, 0x0020, "DA", spec.StudyDate?.ToString("yyyyMMdd", CultureInfo.InvariantCulture) ?? string.Empty);

        var pixels = new byte[spec.Rows * spec.Columns * 2];
        for (var k = 0; k < spec.Slices; k++)
        {
            var uid = Invariant($"{spec.SeriesInstanceUid}.{k + 1}");
            var position = spec.PositionOf(k);
            var instance = spec.InstanceNumber?.Invoke(k) ?? k + 1;
            var hu = new short[spec.Rows * spec.Columns];
            for (var j = 0; j < spec.Rows; j++)
            {
                for (var i = 0; i < spec.Columns; i++)
                {
                    var value = spec.HuOf(k, i, j);
                    hu[(j * spec.Columns) + i] = value;
                    BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(((j * spec.Columns) + i) * 2), Stored(spec, value));
                }
            }

            file.SetText(0x0008, 0x0018, "UI", uid);
            file.SetText(0x0002, 0x0003, "UI", uid);
            file.SetText(0x0020, 0x0013, "IS", Invariant($"{instance}"));
            file.SetText(0x0020, 0x0032, "DS", Ds(position.X, position.Y, position.Z));
            file.SetText(0x0020, 0x1041, "DS", Ds(position.Dot(spec.Normal)));
            file.SetBytes(0x7FE0, 0x0010, "OW", pixels);

            var path = Path.Combine(folder, spec.FileName?.Invoke(k) ?? Invariant($"s{spec.SeriesNumber}-{k:000}.dcm"));
            file.Save(path);
            slices.Add(new SyntheticSlice(path, uid, position, instance, hu));
        }

        return slices;
    }

    /// <summary>The stored value for a HU under the spec's rescale and pixel representation; a spec that cannot hold it is a test bug.</summary>
    private static ushort Stored(SyntheticSeriesSpec spec, short hu)
    {
        var stored = (hu - spec.RescaleIntercept) / spec.RescaleSlope;
        var whole = Math.Round(stored);
        var (min, max) = spec.PixelRepresentation == 1
            ? (-(1L << (spec.BitsStored - 1)), (1L << (spec.BitsStored - 1)) - 1)
            : (0L, (1L << spec.BitsStored) - 1);
        if (Math.Abs(stored - whole) > 1e-9 || whole < min || whole > max)
        {
            throw new ArgumentException(Invariant($"HU {hu} cannot be stored exactly with slope {spec.RescaleSlope}, intercept {spec.RescaleIntercept}, {spec.BitsStored} bits, representation {spec.PixelRepresentation}"));
        }

        return unchecked((ushort)(long)whole);
    }

    private static string Ds(params double[] values) =>
        string.Join('\\', values.Select(v => Math.Round(v, 6).ToString("0.######", CultureInfo.InvariantCulture)));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
