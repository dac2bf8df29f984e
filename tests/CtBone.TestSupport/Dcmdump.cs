namespace CtBone.TestSupport;

/// <summary>dcmtk's dcmdump as the reference reader of single attributes, one process per few hundred files.</summary>
public static class Dcmdump
{
    private const string FileHeader = "# dcmdump";

    /// <summary>Each file's value of <paramref name="tag"/> ("gggg,eeee"), trimmed; UIDs as numbers, not dcmtk's names.</summary>
    public static Dictionary<string, string> Values(IReadOnlyList<string> files, string tag)
    {
        ArgumentNullException.ThrowIfNull(files);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var prefix = $"({tag})";
        foreach (var chunk in files.Chunk(500))
        {
            // +F heads each file's output with "# dcmdump (i/n): PATH"; -Un prints UIDs rather than dcmtk's names for them.
            var output = ExternalProgram.Run("dcmdump", ["-q", "-Un", "+F", "+P", tag, .. chunk]);
            string? current = null;
            foreach (var line in output.Split('\n'))
            {
                if (line.StartsWith(FileHeader, StringComparison.Ordinal))
                {
                    current = line[(line.IndexOf("): ", StringComparison.Ordinal) + 3)..];
                }
                else if (current is not null && line.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    var open = line.IndexOf('[', StringComparison.Ordinal);
                    var close = line.IndexOf(']', open + 1);
                    values[current] = line[(open + 1)..close].TrimEnd('\0', ' ');
                }
            }
        }

        var missing = files.FirstOrDefault(f => !values.ContainsKey(f));
        return missing is null ? values : throw new InvalidDataException($"dcmdump found no ({tag}) in {missing}");
    }

    /// <summary>The first value of <paramref name="tag"/> at any depth inside the sequence <paramref name="sequence"/> of one file; null when there is none.</summary>
    public static string? ValueWithin(string file, string sequence, string tag)
    {
        var lines = ExternalProgram.Run("dcmdump", ["-q", "-Un", file]).Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimStart().StartsWith($"({sequence})", StringComparison.OrdinalIgnoreCase));
        if (start < 0)
        {
            return null;
        }

        var depth = lines[start].Length - lines[start].TrimStart().Length;
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => l.Length - l.TrimStart().Length > depth))
        {
            if (line.TrimStart().StartsWith($"({tag})", StringComparison.OrdinalIgnoreCase))
            {
                var open = line.IndexOf('[', StringComparison.Ordinal);
                return line[(open + 1)..line.IndexOf(']', open + 1)].TrimEnd('\0', ' ');
            }
        }

        return null;
    }

    /// <summary>One file's value of <paramref name="tag"/>.</summary>
    public static string Value(string file, string tag) => Values([file], tag)[file];
}
