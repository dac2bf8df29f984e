namespace CtBone.TestSupport;

/// <summary>What dciodvfy said of one file: its error and warning lines.</summary>
public sealed record DciodvfyReport(IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings, string Output);

/// <summary>
/// David Clunie's IOD validator from dicom3tools, unpacked by <c>.ci/setup</c> into a private folder (never installed:
/// the package pulls in pvrg-jpeg, which makes GDCM hang on truncated JPEG, and must not be on a worker). The folder is
/// /opt/ctbone-test-tools/dicom3tools unless CTBONE_DICOM3TOOLS names another.
/// </summary>
public static class Dciodvfy
{
    public static string Executable { get; } = System.IO.Path.Combine(
        Environment.GetEnvironmentVariable("CTBONE_DICOM3TOOLS") is { Length: > 0 } folder ? folder : "/opt/ctbone-test-tools/dicom3tools",
        "usr", "bin", "dciodvfy");

    public static DciodvfyReport Check(string file)
    {
        if (!File.Exists(Executable))
        {
            throw new FileNotFoundException($"{Executable} is missing: bash .ci/setup unpacks dicom3tools there", Executable);
        }

        // dciodvfy writes its findings to stderr and exits 0 either way; ExternalProgram returns stdout, so merge them.
        var output = ExternalProgram.Run("/bin/sh", ["-c", "\"$0\" \"$1\" 2>&1", Executable, file]);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new DciodvfyReport(
            [.. lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal))],
            [.. lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal))],
            output);
    }
}
