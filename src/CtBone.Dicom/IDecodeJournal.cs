namespace CtBone.Dicom;

/// <summary>
/// Told before and after GDCM touches each file, so that when GDCM kills or hangs its process, the parent knows
/// which file did it (see Isolation/IsolatedStudyLoader).
/// </summary>
public interface IDecodeJournal
{
    void BeforeFile(string path);

    void AfterFile(string path);
}
