namespace CtBone.Core.Series;

/// <summary>A file that was not used, and why (not DICOM, not an image, could not be decoded, ...).</summary>
public sealed record FileIssue(string FilePath, string Reason);
