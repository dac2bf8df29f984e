using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using CtBone.Core.Series;

namespace CtBone.Dicom;

/// <summary>
/// Uncompressed pixel data. A plain 16-bit grayscale slice is read straight from its file into the HU volume (one
/// read at the known offset, no GDCM and no copy); GDCM reads a short or truncated PixelData value as if it were
/// whole, padding it (shared/STACK.md), so the decoder compares the element's end with the file's first.
/// </summary>
internal static class NativePixelData
{
    public static bool IsNative(string transferSyntax) => transferSyntax is TransferSyntaxUid.ImplicitVrLittleEndian or TransferSyntaxUid.ExplicitVrLittleEndian or TransferSyntaxUid.ExplicitVrBigEndian;

    /// <summary>Bytes of the element header before the value: tag and length, plus VR and reserved bytes when explicit.</summary>
    public static int HeaderLength(string transferSyntax) => transferSyntax == TransferSyntaxUid.ImplicitVrLittleEndian ? 8 : 12;

    /// <summary>
    /// Whether <see cref="DecodeHu"/> reads this slice: one frame, one sample, 16 bits allocated, and a located
    /// PixelData value that holds Rows × Columns. Everything else (8-bit, multi-frame, colour) goes through GDCM.
    /// </summary>
    public static bool CanDecode(SliceHeader header) =>
        IsNative(header.TransferSyntaxUid)
        && header.PixelDataOffset >= 0
        && header.PixelDataLength >= header.ExpectedPixelBytes
        && header.SamplesPerPixel == 1
        && header.NumberOfFrames == 1
        && header.BitsAllocated == 16
        && header.BitsStored is >= 1 and <= 16;

    /// <summary>Reads the slice's stored values into <paramref name="target"/> and converts them to HU there; null on success, else the reason.</summary>
    public static string? DecodeHu(SliceHeader header, Span<short> target, out long clampedVoxels)
    {
        clampedVoxels = 0;
        if ((long)header.Rows * header.Columns != target.Length)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{header.Columns}x{header.Rows} pixels do not fit a slice of {target.Length}");
        }

        var bytes = MemoryMarshal.AsBytes(target);
        var valueOffset = header.PixelDataOffset + HeaderLength(header.TransferSyntaxUid);
        int read;
        using (var file = File.OpenHandle(header.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            read = FileBytes.ReadAt(file, bytes, valueOffset);
        }

        if (read < bytes.Length)
        {
            // The file was shorter when decoded than when its header was scanned.
            return DicomPixelDecoder.Truncated(bytes.Length - read);
        }

        if (header.TransferSyntaxUid == TransferSyntaxUid.ExplicitVrBigEndian)
        {
            BinaryPrimitives.ReverseEndianness(target, target);
        }

        clampedVoxels = HuConversion.RescaleInPlace(target, header.BitsStored, header.PixelRepresentation == 1, header.RescaleSlope, header.RescaleIntercept);
        return null;
    }
}
