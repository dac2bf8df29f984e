namespace CtBone.Dicom.Writing;

/// <summary>GDCM refused to encode or write a file.</summary>
public sealed class DicomWriteException : IOException
{
    public DicomWriteException()
    {
    }

    public DicomWriteException(string message)
        : base(message)
    {
    }

    public DicomWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
