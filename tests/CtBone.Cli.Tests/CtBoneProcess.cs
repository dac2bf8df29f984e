using System.Diagnostics;
using System.Text.Json;
using CtBone.TestSupport;

namespace CtBone.Cli.Tests;

/// <summary>Runs the built <c>ctbone</c> as users do: a process of its own, stdout and stderr apart, exit code kept.</summary>
internal static class CtBoneProcess
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = Process.Start(CtBoneCommand.Start(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public static JsonElement Json(string stdout) => JsonDocument.Parse(stdout).RootElement;
}
