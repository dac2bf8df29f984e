using CtBone.Core.Series;

namespace CtBone.Dicom;

/// <summary>One DICOM image file read on its own, in the calling process: for trusted files and tests.</summary>
public static class DicomImageFile
{
    /// <summary>The header and the HU of a single-frame grayscale image, or the reason it cannot be read.</summary>
    public static (SliceHeader? Header, short[]? Hu, string? Error) ReadHu(string path)
    {
        var outcome = DicomHeaderReader.Read(path);
        if (outcome.Header is not { } header)
        {
            return (null, null, outcome.SkipReason);
        }

        if (header.NumberOfFrames > 1)
        {
            return (header, null, "multi-frame images are not supported");
        }

        var hu = new short[header.Rows * header.Columns];
        var scratch = Array.Empty<byte>();
        var error = DicomPixelDecoder.DecodeHu(header, hu, ref scratch, out _);
        return error is null ? (header, hu, null) : (header, null, error);
    }
}
