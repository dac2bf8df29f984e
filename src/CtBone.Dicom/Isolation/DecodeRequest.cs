using System.Text.Json.Serialization;

namespace CtBone.Dicom.Isolation;

/// <summary>
/// One load asked of the decode host, as one JSON line on its standard input. The host answers with
/// <see cref="DoneLine"/> on its standard output once the report (and the volume) are written.
/// </summary>
/// <param name="Id">Tells this load's answer from any other output.</param>
/// <param name="Path">The folder or file to load.</param>
/// <param name="ReportPath">Where the <c>StudyLoadResult</c> goes, as JSON, written last through a rename.</param>
/// <param name="VolumePath">The shared-memory file the HU voxels go into, little-endian int16.</param>
/// <param name="JournalPath">Before and after each file GDCM touches, a line: what the parent reads when the host dies.</param>
/// <param name="Excluded">Files not to touch, each with the reason recorded for it.</param>
/// <param name="Threads">Threads to scan and decode with.</param>
internal sealed record DecodeRequest(Guid Id, string Path, string ReportPath, string VolumePath, string JournalPath, Dictionary<string, string> Excluded, int Threads)
{
    [JsonIgnore]
    public string DoneLine => "done " + Id.ToString("N");
}
