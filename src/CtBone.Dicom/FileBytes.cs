using Microsoft.Win32.SafeHandles;

namespace CtBone.Dicom;

internal static class FileBytes
{
    /// <summary>Reads from <paramref name="offset"/> until <paramref name="into"/> is full or the file ends; returns the bytes read.</summary>
    public static int ReadAt(SafeFileHandle file, Span<byte> into, long offset)
    {
        var total = 0;
        while (total < into.Length)
        {
            var read = RandomAccess.Read(file, into[total..], offset + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
