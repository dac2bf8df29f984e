namespace CtBone.Core.Phantoms;

/// <summary>The transfer syntaxes a phantom series can be written in (PS3.5 Annex A, PS3.6 Annex A).</summary>
public enum PixelTransferSyntax
{
    /// <summary>1.2.840.10008.1.2.1</summary>
    ExplicitVrLittleEndian,

    /// <summary>1.2.840.10008.1.2</summary>
    ImplicitVrLittleEndian,

    /// <summary>1.2.840.10008.1.2.2 (retired in the standard, still found in archives).</summary>
    ExplicitVrBigEndian,

    /// <summary>1.2.840.10008.1.2.1.99</summary>
    DeflatedExplicitVrLittleEndian,

    /// <summary>1.2.840.10008.1.2.5</summary>
    RleLossless,

    /// <summary>1.2.840.10008.1.2.4.70: JPEG lossless, process 14, selection value 1.</summary>
    JpegLossless,

    /// <summary>1.2.840.10008.1.2.4.80</summary>
    JpegLsLossless,

    /// <summary>1.2.840.10008.1.2.4.90</summary>
    Jpeg2000Lossless,

    /// <summary>1.2.840.10008.1.2.4.91, written irreversibly: the only lossy choice, for testing warnings.</summary>
    Jpeg2000Lossy,
}

/// <summary>How HU become stored pixel values: stored = round((HU − RescaleIntercept) / RescaleSlope), clamped to the stored range.</summary>
public sealed record StorageEncoding
{
    /// <summary>RescaleSlope (0028,1053). Default 1.</summary>
    public double RescaleSlope { get; init; } = 1;

    /// <summary>RescaleIntercept (0028,1052). Default −1024.</summary>
    public double RescaleIntercept { get; init; } = -1024;

    /// <summary>PixelRepresentation (0028,0103) 1 when true (two's complement), 0 when false. Default true.</summary>
    public bool IsSigned { get; init; } = true;

    /// <summary>BitsStored (0028,0101), 12 to 16; BitsAllocated is always 16. Default 16.</summary>
    public int BitsStored { get; init; } = 16;

    /// <summary>Transfer syntax of the files. Default explicit VR little endian.</summary>
    public PixelTransferSyntax TransferSyntax { get; init; } = PixelTransferSyntax.ExplicitVrLittleEndian;

    public long MinStored => IsSigned ? -(1L << (BitsStored - 1)) : 0;

    public long MaxStored => IsSigned ? (1L << (BitsStored - 1)) - 1 : (1L << BitsStored) - 1;

    public int ToStored(double hu) =>
        (int)Math.Clamp(Math.Round((hu - RescaleIntercept) / RescaleSlope, MidpointRounding.AwayFromZero), MinStored, MaxStored);

    /// <summary>HU of a stored value, rounded to whole HU as a reader does (away from zero at .5).</summary>
    public short ToHu(long stored) =>
        (short)Math.Clamp(Math.Round((stored * RescaleSlope) + RescaleIntercept, MidpointRounding.AwayFromZero), short.MinValue, short.MaxValue);

    /// <summary>The whole-HU value a reader gets back after this encoding stores <paramref name="hu"/>: clipped to the stored range and snapped to the slope.</summary>
    public short Representable(double hu) => ToHu(ToStored(hu));

    public void Validate()
    {
        if (BitsStored is < 12 or > 16)
        {
            throw new ArgumentException("BitsStored must be 12 to 16.", nameof(BitsStored));
        }

        if (!(RescaleSlope > 0) || double.IsInfinity(RescaleSlope))
        {
            throw new ArgumentException("RescaleSlope must be a positive number.", nameof(RescaleSlope));
        }

        if (double.IsNaN(RescaleIntercept) || Math.Abs(RescaleIntercept) > 32768)
        {
            throw new ArgumentException("RescaleIntercept must be within ±32768.", nameof(RescaleIntercept));
        }
    }
}

public static class PixelTransferSyntaxExtensions
{
    public static string Uid(this PixelTransferSyntax syntax) => syntax switch
    {
        PixelTransferSyntax.ExplicitVrLittleEndian => "1.2.840.10008.1.2.1",
        PixelTransferSyntax.ImplicitVrLittleEndian => "1.2.840.10008.1.2",
        PixelTransferSyntax.ExplicitVrBigEndian => "1.2.840.10008.1.2.2",
        PixelTransferSyntax.DeflatedExplicitVrLittleEndian => "1.2.840.10008.1.2.1.99",
        PixelTransferSyntax.RleLossless => "1.2.840.10008.1.2.5",
        PixelTransferSyntax.JpegLossless => "1.2.840.10008.1.2.4.70",
        PixelTransferSyntax.JpegLsLossless => "1.2.840.10008.1.2.4.80",
        PixelTransferSyntax.Jpeg2000Lossless => "1.2.840.10008.1.2.4.90",
        PixelTransferSyntax.Jpeg2000Lossy => "1.2.840.10008.1.2.4.91",
        _ => throw new ArgumentOutOfRangeException(nameof(syntax), syntax, null),
    };

    public static bool IsLossy(this PixelTransferSyntax syntax) => syntax == PixelTransferSyntax.Jpeg2000Lossy;
}
