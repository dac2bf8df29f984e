using System.Diagnostics;
using System.Text;

namespace CtBone.TestSupport;

/// <summary>Runs a reference program (dcmtk, Debian's python3) and fails the test with its output when it fails.</summary>
public static class ExternalProgram
{
    /// <returns>Standard output.</returns>
    public static string Run(
        string program,
        IReadOnlyList<string> arguments,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Describe(program, arguments)} did not finish");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Describe(program, arguments)} exited with {process.ExitCode}: {stderr}{stdout}");
        }

        return stdout.ToString();
    }

    /// <summary>The command line, shortened: a storescu or dcmdump call can name hundreds of files.</summary>
    private static string Describe(string program, IReadOnlyList<string> arguments) =>
        arguments.Count <= 8 ? $"{program} {string.Join(' ', arguments)}" : $"{program} {string.Join(' ', arguments.Take(8))} ... ({arguments.Count} arguments)";
}
