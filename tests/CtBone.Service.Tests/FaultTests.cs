using System.Net;
using System.Net.Http.Json;
using CtBone.Core.Analysis;
using CtBone.Worker;
using Microsoft.Extensions.Options;

namespace CtBone.Service.Tests;

/// <summary>What the worker makes of faults: a crashed or stalled analysis process, and a PACS that does not answer.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FaultTests
{
    [Fact]
    public async Task AnalysisProcess_WhenAnalyzerAborts_FailedWithExitCodeAndSignal()
    {
        using var folder = new CtBone.TestSupport.TempFolder();
        var analyzer = Script(folder.Path, "kill -ABRT $$");

        var outcome = await new AnalysisProcess(Options(analyzer, timeoutSeconds: 30)).RunAsync(folder.Path, Path.Combine(folder.Path, "images"), CancellationToken.None);

        Assert.Equal(AnalysisStatus.Failed, outcome.Findings.Status);
        Assert.Contains("exit code 134, signal 6", outcome.Findings.Reason, StringComparison.Ordinal);
        Assert.Empty(outcome.KeyImageFiles);
    }

    [Fact]
    public async Task AnalysisProcess_WhenAnalyzerHangs_StoppedAtTheTimeoutWithItsChildren()
    {
        using var folder = new CtBone.TestSupport.TempFolder();
        var marker = Guid.NewGuid().ToString("N");
        var analyzer = Script(folder.Path, $"sh -c 'sleep 300; echo {marker}' &\nsh -c 'sleep 301; echo {marker}'");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await new AnalysisProcess(Options(analyzer, timeoutSeconds: 5)).RunAsync(folder.Path, Path.Combine(folder.Path, "images"), CancellationToken.None);

        Assert.Equal(AnalysisStatus.Failed, outcome.Findings.Status);
        Assert.Contains("stopped after 5 s (timeout)", outcome.Findings.Reason, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 4.5, 60);
        Assert.DoesNotContain(Directory.GetDirectories("/proc"), d => ReadCommand(d).Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Job_WhenPacsDoesNotAnswer_RetriedThenRecordedAsFailedWithTheFault()
    {
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            // Nothing listens on the discard port: every fetch is refused, a transient fault.
            ["CtBone__DicomWeb__Url"] = "http://127.0.0.1:9/dicom-web/",
            ["CtBone__DicomWeb__PollSeconds"] = "3600",
            ["CtBone__Worker__MaxAttempts"] = "2",
        });
        var ingest = await service.CreateKeyAsync("ingest", "ris hook");
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        using var client = service.Client(ingest);

        using var posted = await client.PostAsJsonAsync("/api/analyses", new { studyInstanceUid = "1.2.826.0.1.3680043.2.1125.1", source = "dicomweb" });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var result = await service.WaitForResultAsync(viewer, posted.Headers.Location!.ToString(), TimeSpan.FromSeconds(90));

        Assert.Equal("failed", result.GetProperty("state").GetString());
        Assert.Equal(2, result.GetProperty("attempts").GetInt32());
        Assert.StartsWith("gave up after 2 attempts", result.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:9", result.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private static IOptions<WorkerOptions> Options(string analyzer, int timeoutSeconds) =>
        Microsoft.Extensions.Options.Options.Create(new WorkerOptions { ApiUrl = "http://127.0.0.1:1", ApiKey = "unused", AnalyzerPath = analyzer, AnalysisTimeoutSeconds = timeoutSeconds });

    private static string Script(string folder, string body)
    {
        var path = Path.Combine(folder, "analyzer-" + Guid.NewGuid().ToString("N")[..8] + ".sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static string ReadCommand(string procFolder)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procFolder, "cmdline")).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
