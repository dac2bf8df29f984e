namespace CtBone.Dicom;

/// <summary>The transfer syntax UIDs (PS3.6 Annex A) whose encoding the reader handles itself.</summary>
internal static class TransferSyntaxUid
{
    public const string ImplicitVrLittleEndian = "1.2.840.10008.1.2";
    public const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
    public const string DeflatedExplicitVrLittleEndian = "1.2.840.10008.1.2.1.99";
    public const string ExplicitVrBigEndian = "1.2.840.10008.1.2.2";

    /// <summary>RLE lossless; with the JPEG family (1.2.840.10008.1.2.4.*) the syntaxes whose pixel data is encapsulated.</summary>
    public const string RleLossless = "1.2.840.10008.1.2.5";

    public const string JpegFamilyPrefix = "1.2.840.10008.1.2.4.";
}
