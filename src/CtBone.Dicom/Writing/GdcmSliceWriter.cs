using System.Globalization;
using System.Text;
using CtBone.Core.Phantoms;
using CtBone.Core.Volumes;

namespace CtBone.Dicom.Writing;

/// <summary>
/// Writes one image file through GDCM: a <see cref="gdcm.Image"/> with the pixels and geometry, recoded by
/// <see cref="gdcm.ImageChangeTransferSyntax"/>, and written by <see cref="gdcm.ImageWriter"/> with our attributes.
/// </summary>
/// <remarks>
/// Ownership. GDCM reference-counts images: the filter's input and the writer's image are smart pointers, and the last one
/// to let go deletes the image. An image created from C# would also be deleted by its proxy, which aborts on GDCM's
/// reference-count assertion or frees memory twice. So the image we create is handed to the filter at once and its proxy
/// never owns the native object (<see cref="FilterOwnedImage"/>); disposing the filter frees it.
/// </remarks>
internal static class GdcmSliceWriter
{
    /// <summary>
    /// Writes an image that <paramref name="describe"/> sets up (dimensions, pixel format, pixels) in explicit VR little
    /// endian, with the data set's attributes from <paramref name="attributes"/>.
    /// </summary>
    public static void Write(string path, Action<gdcm.Image> describe, DicomItem attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        WriteImage(path, describe, gdcm.TransferSyntax.TSType.ExplicitVRLittleEndian, null, attributes.CopyTo);
    }

    public static void Write(string path, SliceContent content, IReadOnlyList<(ushort Group, ushort Element, gdcm.VR.VRType Vr, string Value)> attributes)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var lossyCodec = content.Encoding.TransferSyntax == PixelTransferSyntax.Jpeg2000Lossy ? LossyJpeg2000Codec() : null;
        WriteImage(path, image => Describe(image, content), TransferSyntaxOf(content.Encoding.TransferSyntax), lossyCodec, dataSet =>
        {
            foreach (var (group, element, vr, value) in attributes)
            {
                Put(dataSet, group, element, vr, value);
            }
        });
    }

    private static void WriteImage(string path, Action<gdcm.Image> describe, gdcm.TransferSyntax.TSType syntax, gdcm.ImageCodec? codec, Action<gdcm.DataSet> fill)
    {
        ArgumentNullException.ThrowIfNull(describe);
        var image = new FilterOwnedImage();
        using var change = new gdcm.ImageChangeTransferSyntax();
        change.SetInput(image);
        describe(image);

        using var target = new gdcm.TransferSyntax(syntax);
        change.SetTransferSyntax(target);
        if (codec is not null)
        {
            change.SetUserCodec(codec);
        }

        if (!change.Change())
        {
            throw new DicomWriteException($"GDCM could not encode the pixels of {Path.GetFileName(path)} as {syntax}.");
        }

        using var writer = new gdcm.ImageWriter();
        using (var dataSet = writer.GetFile().GetDataSet())
        {
            fill(dataSet);
        }

        writer.SetImage(change.GetOutput());
        writer.SetFileName(path);
        if (!writer.Write())
        {
            throw new DicomWriteException($"GDCM could not write {Path.GetFileName(path)}.");
        }
    }

    /// <summary>
    /// JPEG 2000 irreversible (9/7 wavelet) at a compression rate of 8: a visible but small loss, enough to test that readers
    /// warn about lossy data.
    /// </summary>
    private static gdcm.JPEG2000Codec LossyJpeg2000Codec()
    {
        var codec = new gdcm.JPEG2000Codec();
        codec.SetReversible(false);
        codec.SetRate(0, 8);
        return codec;
    }

    private static void Describe(gdcm.Image image, SliceContent content)
    {
        var g = content.Geometry;
        image.SetNumberOfDimensions(2);
        image.SetDimension(0, (uint)g.Columns);
        image.SetDimension(1, (uint)g.Rows);
        var bits = (ushort)content.Encoding.BitsStored;
        using (var format = new gdcm.PixelFormat(1, 16, bits, (ushort)(bits - 1), (ushort)(content.Encoding.IsSigned ? 1 : 0)))
        {
            image.SetPixelFormat(format);
        }

        using (var photometric = new gdcm.PhotometricInterpretation(gdcm.PhotometricInterpretation.PIType.MONOCHROME2))
        {
            image.SetPhotometricInterpretation(photometric);
        }

        // The array overloads copy only as many values as the image has dimensions, so set each axis by index.
        var origin = content.PositionMm;
        image.SetOrigin(0, origin.X);
        image.SetOrigin(1, origin.Y);
        image.SetOrigin(2, origin.Z);
        double[] cosines = [g.RowDirection.X, g.RowDirection.Y, g.RowDirection.Z, g.ColumnDirection.X, g.ColumnDirection.Y, g.ColumnDirection.Z];
        for (var i = 0; i < cosines.Length; i++)
        {
            image.SetDirectionCosines((uint)i, cosines[i]);
        }

        image.SetSpacing(0, g.ColumnSpacingMm);
        image.SetSpacing(1, g.RowSpacingMm);
        image.SetSpacing(2, 1);
        image.SetSlope(content.Encoding.RescaleSlope);
        image.SetIntercept(content.Encoding.RescaleIntercept);

        SetNativePixels(image, content.Pixels);
    }

    /// <summary>The image's pixel data, uncompressed (explicit VR little endian).</summary>
    internal static void SetNativePixels(gdcm.Image image, byte[] bytes)
    {
        using (var tag = new gdcm.Tag(0x7FE0, 0x0010))
        using (var pixels = new gdcm.DataElement(tag))
        using (var length = new gdcm.VL((uint)bytes.Length))
        {
            pixels.SetByteValue(bytes, length);
            image.SetDataElement(pixels);
        }

        using var native = new gdcm.TransferSyntax(gdcm.TransferSyntax.TSType.ExplicitVRLittleEndian);
        image.SetTransferSyntax(native);
    }

    private static void Put(gdcm.DataSet dataSet, ushort group, ushort element, gdcm.VR.VRType vr, string value)
    {
        // DICOM values have even length: UI pads with NUL, the text VRs with a space (PS3.5 6.2).
        if (value.Length % 2 == 1)
        {
            value += vr == gdcm.VR.VRType.UI ? '\0' : ' ';
        }

        using var tag = new gdcm.Tag(group, element);
        using var element1 = new gdcm.DataElement(tag);
        using var vrValue = new gdcm.VR(vr);
        element1.SetVR(vrValue);
        var bytes = Encoding.ASCII.GetBytes(value);
        using var length = new gdcm.VL((uint)bytes.Length);
        element1.SetByteValue(bytes, length);
        dataSet.Replace(element1);
    }

    public static gdcm.TransferSyntax.TSType TransferSyntaxOf(PixelTransferSyntax syntax) => syntax switch
    {
        PixelTransferSyntax.ExplicitVrLittleEndian => gdcm.TransferSyntax.TSType.ExplicitVRLittleEndian,
        PixelTransferSyntax.ImplicitVrLittleEndian => gdcm.TransferSyntax.TSType.ImplicitVRLittleEndian,
        PixelTransferSyntax.ExplicitVrBigEndian => gdcm.TransferSyntax.TSType.ExplicitVRBigEndian,
        PixelTransferSyntax.DeflatedExplicitVrLittleEndian => gdcm.TransferSyntax.TSType.DeflatedExplicitVRLittleEndian,
        PixelTransferSyntax.RleLossless => gdcm.TransferSyntax.TSType.RLELossless,
        PixelTransferSyntax.JpegLossless => gdcm.TransferSyntax.TSType.JPEGLosslessProcess14_1,
        PixelTransferSyntax.JpegLsLossless => gdcm.TransferSyntax.TSType.JPEGLSLossless,
        PixelTransferSyntax.Jpeg2000Lossless => gdcm.TransferSyntax.TSType.JPEG2000Lossless,
        PixelTransferSyntax.Jpeg2000Lossy => gdcm.TransferSyntax.TSType.JPEG2000,
        _ => throw new ArgumentOutOfRangeException(nameof(syntax), syntax, null),
    };

    /// <summary>DS text of at most 16 characters (PS3.5 6.2), invariant culture.</summary>
    public static string DecimalString(double value)
    {
        for (var decimals = 6; decimals >= 0; decimals--)
        {
            var text = Math.Round(value, decimals).ToString("0." + new string('#', Math.Max(decimals, 1)), CultureInfo.InvariantCulture);
            if (text == "-0")
            {
                text = "0";
            }

            if (text.Length <= 16)
            {
                return text;
            }
        }

        return value.ToString("E8", CultureInfo.InvariantCulture);
    }

    /// <summary>A GDCM image whose native object belongs to the filter it is handed to, not to this proxy.</summary>
    private sealed class FilterOwnedImage : gdcm.Image
    {
        public FilterOwnedImage() => swigCMemOwn = false;
    }
}

/// <summary>One slice to write: its stored pixel bytes (16-bit little endian), where it sits and how it is encoded.</summary>
internal sealed record SliceContent(byte[] Pixels, VolumeGeometry Geometry, Vector3D PositionMm, StorageEncoding Encoding);
