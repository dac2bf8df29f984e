using System.Diagnostics;

namespace CtBone.TestSupport;

/// <summary>The <c>ctbone</c> built beside the tests, started as users start it: a process of its own, its output apart.</summary>
public static class CtBoneCommand
{
    /// <summary>The ctbone.dll in the test output, through the dotnet host that runs the tests.</summary>
    public static ProcessStartInfo Start(params string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
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

        return start;
    }
}
