using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Analysis;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>What one analysis produced: the findings document, the key images' files and the DICOM objects for PACS (SR, overview).</summary>
public sealed record AnalysisOutcome(Findings Findings, IReadOnlyList<string> KeyImageFiles, IReadOnlyList<string>? ResultFiles = null, IReadOnlyList<string>? RevisionSourceFiles = null);

/// <summary>What <c>ctbone revise</c> is given: the stored sources, the corrected findings, who reviewed and when, and where to write.</summary>
/// <param name="Replaces">The latest revision written before this one (0: the analysis' own), named as its predecessor.</param>
public sealed record RevisionRequest(string SourcesFolder, string FindingsFile, int Revision, int Replaces, string Reviewer, DateTimeOffset ReviewedAt, string Organization, string OutputFolder);

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
        var run = await RunCtBoneAsync(
            ["analyze", studyFolder, "--format", "json", "--images", imagesFolder, "--results", imagesFolder, "--exit-with-input"], timeout, cancellationToken).ConfigureAwait(false);
        if (run.TimedOut)
        {
            return Failed(string.Create(CultureInfo.InvariantCulture, $"the analysis was stopped after {timeout.TotalSeconds:0} s (timeout)"));
        }

        Findings? findings = null;
        try
        {
            findings = run.Output.Length > 0 ? JsonSerializer.Deserialize<Findings>(run.Output, CtBoneJson.Options) : null;
        }
        catch (JsonException)
        {
            // A process that died mid-write leaves half a document: that is the crash below, not a parse error to report.
        }

        if (findings is null)
        {
            return Failed(string.Create(CultureInfo.InvariantCulture, $"the analysis process ended with {run.Ending} and no findings after {run.Elapsed.TotalSeconds:0.0} s"));
        }

        var completed = findings.Status == AnalysisStatus.Completed && Directory.Exists(imagesFolder);
        var images = completed ? Directory.GetFiles(imagesFolder, "*.png").Order(StringComparer.Ordinal).ToList() : [];
        var dicom = completed ? Directory.GetFiles(imagesFolder, "*.dcm").Order(StringComparer.Ordinal).ToList() : [];
        var sources = Path.Combine(imagesFolder, RevisionSourcesFolder);
        var revisionSources = completed && Directory.Exists(sources) ? Directory.GetFiles(sources).Order(StringComparer.Ordinal).ToList() : [];
        return new AnalysisOutcome(findings, images, dicom, revisionSources);
    }

    /// <summary>
    /// Runs <c>ctbone revise</c>: a reviewer's revision of the SR and the overview, written from the stored sources into
    /// <paramref name="outputFolder"/>. Null when written; else why not (a GDCM abort, a crash, a timeout).
    /// </summary>
    public async Task<string?> ReviseAsync(RevisionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var timeout = TimeSpan.FromSeconds(options.Value.AnalysisTimeoutSeconds);
        var run = await RunCtBoneAsync(
            [
                "revise", request.SourcesFolder, "--findings", request.FindingsFile, "--revision", request.Revision.ToString(CultureInfo.InvariantCulture),
                "--replaces", request.Replaces.ToString(CultureInfo.InvariantCulture),
                "--reviewer", request.Reviewer, "--reviewed-at", request.ReviewedAt.ToString("O", CultureInfo.InvariantCulture),
                "--organization", request.Organization, "--out", request.OutputFolder,
            ],
            timeout,
            cancellationToken).ConfigureAwait(false);
        return run.TimedOut ? string.Create(CultureInfo.InvariantCulture, $"the revision was stopped after {timeout.TotalSeconds:0} s (timeout)")
            : run.ExitCode == 0 ? null
            : string.Create(CultureInfo.InvariantCulture, $"ctbone revise ended with {run.Ending} after {run.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>The folder <c>ctbone analyze --results</c> writes the revision sources into, below the results.</summary>
    public const string RevisionSourcesFolder = "revision-sources";

    /// <summary>Runs ctbone with the arguments until it exits, or kills it after <paramref name="timeout"/>.</summary>
    private async Task<ChildRun> RunCtBoneAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = Command(options.Value.AnalyzerPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the ctbone process did not start");
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
            return new ChildRun(process.ExitCode, string.Empty, clock.Elapsed, TimedOut: true);
        }

        var output = await stdout.ConfigureAwait(false);
        _ = await stderr.ConfigureAwait(false);
        return new ChildRun(process.ExitCode, output, clock.Elapsed, TimedOut: false);
    }

    private sealed record ChildRun(int ExitCode, string Output, TimeSpan Elapsed, bool TimedOut)
    {
        public string Ending => ExitCode > 128
            ? string.Create(CultureInfo.InvariantCulture, $"exit code {ExitCode}, signal {ExitCode - 128}")
            : string.Create(CultureInfo.InvariantCulture, $"exit code {ExitCode}");
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
