namespace CtBone.Dicom;

/// <summary>Readable names for the transfer syntax UIDs (PS3.6 Annex A) that reports mention.</summary>
public static class TransferSyntaxName
{
    private static readonly Dictionary<string, string> s_names = new(StringComparer.Ordinal)
    {
        [TransferSyntaxUid.ImplicitVrLittleEndian] = "implicit VR little endian",
        [TransferSyntaxUid.ExplicitVrLittleEndian] = "explicit VR little endian",
        [TransferSyntaxUid.DeflatedExplicitVrLittleEndian] = "deflated explicit VR little endian",
        [TransferSyntaxUid.ExplicitVrBigEndian] = "explicit VR big endian",
        ["1.2.840.10008.1.2.4.50"] = "JPEG baseline (lossy)",
        ["1.2.840.10008.1.2.4.51"] = "JPEG extended (lossy)",
        ["1.2.840.10008.1.2.4.57"] = "JPEG lossless",
        ["1.2.840.10008.1.2.4.70"] = "JPEG lossless SV1",
        ["1.2.840.10008.1.2.4.80"] = "JPEG-LS lossless",
        ["1.2.840.10008.1.2.4.81"] = "JPEG-LS near-lossless",
        ["1.2.840.10008.1.2.4.90"] = "JPEG 2000 lossless",
        ["1.2.840.10008.1.2.4.91"] = "JPEG 2000",
        ["1.2.840.10008.1.2.5"] = "RLE lossless",
    };

    public static string Of(string? uid) => uid is not null && s_names.TryGetValue(uid, out var name) ? $"{name} ({uid})" : uid ?? "unknown";
}
