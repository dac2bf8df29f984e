namespace CtBone.Pacs;

/// <summary>
/// Writes a file under a temporary name beside its target and renames it only once it is complete, so that a failure,
/// a cancellation or a killed process never leaves a half-written DICOM file under a name a folder scan would read
/// (a file cut inside its header can abort GDCM, shared/STACK.md).
/// </summary>
internal static class PartialFile
{
    public const string Suffix = ".partial";

    /// <summary>
    /// Writes through <paramref name="write"/> into <paramref name="path"/> plus <see cref="Suffix"/>, then renames it to
    /// <paramref name="path"/>, or to what <paramref name="finalPath"/> makes of the complete temporary file.
    /// </summary>
    /// <returns>The final path and the bytes written.</returns>
    public static async Task<(string Path, long Length)> WriteAsync(string path, Func<Stream, Task> write, Func<string, string>? finalPath = null)
    {
        var temporary = path + Suffix;
        try
        {
            long length;
            var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                await write(file).ConfigureAwait(false);
                length = file.Length;
            }

            var target = finalPath?.Invoke(temporary) ?? path;
            File.Move(temporary, target, overwrite: true);
            return (target, length);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Removes what an earlier, killed attempt may have left in <paramref name="directory"/>.</summary>
    public static void DeleteLeftovers(string directory)
    {
        foreach (var leftover in Directory.EnumerateFiles(directory, "*" + Suffix))
        {
            File.Delete(leftover);
        }
    }
}
