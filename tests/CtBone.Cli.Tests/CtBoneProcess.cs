using System.Diagnostics;
using System.Text.Json;

namespace CtBone.Cli.Tests;

/// <summary>Runs the built <c>ctbone</c> as users do: a process of its own, stdout and stderr apart, exit code kept.</summary>
internal static class CtBoneProcess
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string TestDicoms(string study) => Path.Combine(RepositoryRoot, "test-dicoms", study);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ctbone.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public static JsonElement Json(string stdout) => JsonDocument.Parse(stdout).RootElement;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CtBone.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CtBone.sln not found above " + AppContext.BaseDirectory);
    }
}
