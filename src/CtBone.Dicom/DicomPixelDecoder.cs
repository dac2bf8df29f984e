using System.Globalization;
using System.Runtime.InteropServices;
using CtBone.Core.Series;

namespace CtBone.Dicom;

/// <summary>
/// Decodes one single-frame grayscale image into whole HU, after checking what GDCM does not: plain 16-bit
/// uncompressed slices directly (<see cref="NativePixelData"/>), everything else through GDCM.
/// </summary>
internal static class DicomPixelDecoder
{
    /// <summary>Writes the slice's HU into <paramref name="target"/>; returns null on success or the reason it failed.</summary>
    public static string? DecodeHu(SliceHeader header, Span<short> target, ref byte[] scratch, out long clampedVoxels)
    {
        clampedVoxels = 0;

        // Refused from the header, before GDCM sees the file: GDCM 3.0.21 aborts its process on some images this
        // decoder would refuse anyway (pydicom's rtdose_1frame.dcm, 32-bit, FrameIncrementPointer without NumberOfFrames).
        if (header.SamplesPerPixel != 1)
        {
            return "not a grayscale image";
        }

        if (header.BitsAllocated is not (8 or 12 or 16))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{header.BitsAllocated}-bit pixels are not supported");
        }

        var lengthProblem = CheckNativeLength(header) ?? CheckEncapsulatedLength(header);
        if (lengthProblem is not null)
        {
            return lengthProblem;
        }

        return NativePixelData.CanDecode(header)
            ? NativePixelData.DecodeHu(header, target, out clampedVoxels)
            : DecodeWithGdcm(header, target, ref scratch, out clampedVoxels);
    }

    /// <summary>The slice through <see cref="gdcm.ImageReader"/>, after the checks above: every syntax GDCM knows.</summary>
    internal static string? DecodeWithGdcm(SliceHeader header, Span<short> target, ref byte[] scratch, out long clampedVoxels)
    {
        clampedVoxels = 0;
        using var reader = new gdcm.ImageReader();
        reader.SetFileName(header.FilePath);
        if (!reader.Read())
        {
            return $"GDCM cannot decode the pixel data (transfer syntax {TransferSyntaxName.Of(header.TransferSyntaxUid)})";
        }

        using var image = reader.GetImage();
        var columns = (int)image.GetDimension(0);
        var rows = (int)image.GetDimension(1);
        if (columns != header.Columns || rows != header.Rows || columns * rows != target.Length)
        {
            return $"decoded {columns}x{rows} pixels where the header says {header.Columns}x{header.Rows}";
        }

        using var format = image.GetPixelFormat();
        if (format.GetSamplesPerPixel() != 1)
        {
            return "not a grayscale image";
        }

        var scalar = format.GetScalarType();
        var bytesPerPixel = scalar switch
        {
            gdcm.PixelFormat.ScalarType.UINT8 or gdcm.PixelFormat.ScalarType.INT8 => 1,
            gdcm.PixelFormat.ScalarType.UINT16 or gdcm.PixelFormat.ScalarType.INT16 or gdcm.PixelFormat.ScalarType.UINT12 or gdcm.PixelFormat.ScalarType.INT12 => 2,
            _ => 0,
        };
        if (bytesPerPixel == 0)
        {
            return $"pixel type {format.GetScalarTypeAsString()} is not supported";
        }

        var length = (int)image.GetBufferLength();
        if (length != target.Length * bytesPerPixel)
        {
            return $"GDCM gave {length} bytes for {target.Length} pixels of {bytesPerPixel} byte(s)";
        }

        if (scratch.Length < length)
        {
            scratch = new byte[length];
        }

        if (!image.GetBuffer(scratch))
        {
            return "GDCM could not produce the pixel buffer";
        }

        var bytes = scratch.AsSpan(0, length);
        var signed = scalar is gdcm.PixelFormat.ScalarType.INT16 or gdcm.PixelFormat.ScalarType.INT12 or gdcm.PixelFormat.ScalarType.INT8;
        clampedVoxels = bytesPerPixel switch
        {
            2 => HuConversion.Rescale(bytes, signed, target, header.RescaleSlope, header.RescaleIntercept),
            _ when signed => HuConversion.Rescale(MemoryMarshal.Cast<byte, sbyte>(bytes), target, header.RescaleSlope, header.RescaleIntercept),
            _ => HuConversion.Rescale(bytes, target, header.RescaleSlope, header.RescaleIntercept),
        };
        return null;
    }

    /// <summary>
    /// For uncompressed syntaxes, compares the PixelData length with Rows × Columns × BitsAllocated and with the file's end:
    /// GDCM pads short or truncated pixel data without a word (shared/STACK.md).
    /// </summary>
    private static string? CheckNativeLength(SliceHeader header)
    {
        if (header.PixelDataLength < 0)
        {
            return null;
        }

        // A longer value is accepted: trailing padding (pydicom's MR_small_padded holds one spare row) is harmless.
        var expected = header.ExpectedPixelBytes;
        if (header.PixelDataLength < expected)
        {
            return string.Create(CultureInfo.InvariantCulture, $"pixel data holds {header.PixelDataLength} bytes, but Rows x Columns ({header.Rows}x{header.Columns}) at {header.BitsAllocated} bits need {expected}");
        }

        if (header.PixelDataOffset < 0)
        {
            return null;
        }

        // The declared length counts too: a value that runs past the end of the file (a huge or corrupt length,
        // e.g. 0xFFFFFFF0) means the file is truncated or damaged, even when the bytes Rows x Columns need are there.
        var available = header.FileLength - header.PixelDataOffset - NativePixelData.HeaderLength(header.TransferSyntaxUid);
        var declared = Math.Max(expected, header.PixelDataLength);
        if (available < declared)
        {
            return Truncated(declared - available);
        }

        return null;
    }

    /// <summary>The reason for a file that ends before its pixel data does.</summary>
    internal static string Truncated(long missingBytes) =>
        string.Create(CultureInfo.InvariantCulture, $"truncated: the file ends {missingBytes} bytes before its pixel data does");

    /// <summary>
    /// For encapsulated (compressed) syntaxes, checks that every fragment lies inside the file: GDCM decodes a JPEG
    /// lossless, JPEG extended or RLE fragment cut short without an error and returns an image with a wrong tail.
    /// </summary>
    private static string? CheckEncapsulatedLength(SliceHeader header)
    {
        if (!EncapsulatedPixelData.IsEncapsulated(header.TransferSyntaxUid))
        {
            return null;
        }

        var missing = EncapsulatedPixelData.MissingBytes(header.FilePath, header.PixelDataOffset);
        return missing > 0
            ? string.Create(CultureInfo.InvariantCulture, $"truncated: the file ends {missing} bytes before its compressed pixel data does ({TransferSyntaxName.Of(header.TransferSyntaxUid)})")
            : null;
    }
}
