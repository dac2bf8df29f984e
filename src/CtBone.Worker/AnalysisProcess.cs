using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Analysis;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>What one analysis produced: the findings document, the key images' files and the DICOM objects for PACS (SR, overview).</summary>
public sealed record AnalysisOutcome(Findings Findings, IReadOnlyList<string> KeyImageFiles, IReadOnlyList<string>? ResultFiles = null);

/// <summary>
/// Runs <c>ctbone analyze</c> on one study folder in a process of its own. GDCM can abort a process and an analysis can
/// run away; either ends here as a failed findings document with the reason, and the worker goes on.
/// </summary>
public sealed class AnalysisProcess(IOptions<WorkerOptions> options)
{
    public async Task<AnalysisOutcome> RunAsync(string studyFolder, string imagesFolder, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.AnalysisTimeoutSeconds);
        Directory.CreateDirectory(imagesFolder);
        var start = Command(options.Value.AnalyzerPath);
        foreach (var argument in new[] { "analyze", studyFolder, "--format", "json", "--images", imagesFolder, "--results", imagesFolder, "--exit-with-input" })
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the analysis process did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return Failed(string.Create(CultureInfo.InvariantCulture, $"the analysis was stopped after {timeout.TotalSeconds:0} s (timeout)"));
        }

        var output = await stdout.ConfigureAwait(false);
        _ = await stderr.ConfigureAwait(false);
        Findings? findings = null;
        try
        {
            findings = output.Length > 0 ? JsonSerializer.Deserialize<Findings>(output, CtBoneJson.Options) : null;
        }
        catch (JsonException)
        {
            // A process that died mid-write leaves half a document: that is the crash below, not a parse error to report.
        }

        if (findings is null)
        {
            var code = process.ExitCode;
            var signal = code > 128 ? string.Create(CultureInfo.InvariantCulture, $", signal {code - 128}") : string.Empty;
            return Failed(string.Create(CultureInfo.InvariantCulture, $"the analysis process ended with exit code {code}{signal} and no findings after {clock.Elapsed.TotalSeconds:0.0} s"));
        }

        var completed = findings.Status == AnalysisStatus.Completed && Directory.Exists(imagesFolder);
        var images = completed ? Directory.GetFiles(imagesFolder, "*.png").Order(StringComparer.Ordinal).ToList() : [];
        var dicom = completed ? Directory.GetFiles(imagesFolder, "*.dcm").Order(StringComparer.Ordinal).ToList() : [];
        return new AnalysisOutcome(findings, images, dicom);
    }

    private static AnalysisOutcome Failed(string reason) => new(
        new Findings { Status = AnalysisStatus.Failed, Reason = reason, AlgorithmVersion = SpineAnalyzer.AlgorithmVersion }, []);

    /// <summary>ctbone as a native executable, or ctbone.dll through the dotnet host that runs this process.</summary>
    private static ProcessStartInfo Command(string? configured)
    {
        var path = configured ?? DefaultAnalyzer();
        if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
            var start = new ProcessStartInfo(host);
            start.ArgumentList.Add(path);
            return start;
        }

        return new ProcessStartInfo(path);
    }

    private static string DefaultAnalyzer()
    {
        var native = Path.Combine(AppContext.BaseDirectory, "ctbone");
        return File.Exists(native) ? native : Path.Combine(AppContext.BaseDirectory, "ctbone.dll");
    }
}
