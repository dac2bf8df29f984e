using System.Globalization;
using System.Text;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Analysis;
using CtBone.Core.Calibration;
using CtBone.Core.Screening;
using CtBone.Core.Series;
using CtBone.Dicom.Isolation;
using CtBone.Dicom.Writing;
using CtBone.Imaging;

namespace CtBone.Cli;

/// <summary>
/// <c>ctbone analyze FOLDER</c>: loads the series ingest chooses, finds and measures T12 to L5, screens them and prints the
/// findings document (JSON, the one the service stores) or a table. Exit codes: 0 completed, 2 rejected input, 1 failure.
/// With <c>--format json</c> stdout holds the document and nothing else; notes go to stderr.
/// </summary>
internal static class AnalyzeCommand
{
    public const string Usage = "analyze <folder> [--format json|table] [--images DIR] [--results DIR] [--policy FILE] [--calibrations FILE]";

    public static async Task<int> RunAsync(CliArguments args, CancellationToken cancellationToken)
    {
        var folder = args.Required(0, "folder");
        var format = args.Choice("format", "table", "json", "table");
        var resultsDirectory = args.Option("results");
        var imagesDirectory = args.Option("images") ?? resultsDirectory;
        var policyPath = args.Option("policy");
        var calibrationsPath = args.Option("calibrations");
        var exitWithInput = args.Flag("exit-with-input");
        args.RejectUnknown();
        if (exitWithInput)
        {
            ExitWhenInputCloses();
        }

        // Bad configuration is the caller's mistake: it fails before any study is touched.
        var policy = policyPath is null ? ScreeningPolicy.Default : LoadConfiguration(() => ScreeningPolicy.Load(policyPath));
        var calibrations = calibrationsPath is null ? null : LoadConfiguration(() => ScannerCalibrationRegistry.Load(calibrationsPath));

        Findings findings;
        StudyLoadResult? load = null;
        try
        {
            load = await new IsolatedStudyLoader().LoadAsync(folder, cancellationToken).ConfigureAwait(false);
            findings = load.Status == StudyLoadStatus.Loaded && load.Volume is { } volume
                ? new SpineAnalyzer(policy, calibrations: calibrations).Analyze(volume, Context(load), cancellationToken)
                : new Findings
                {
                    Status = AnalysisStatus.Rejected,
                    Reason = load.Reason ?? "no series could be loaded",
                    StudyInstanceUid = load.StudyInstanceUid,
                    Study = load.Study,
                    AlgorithmVersion = SpineAnalyzer.AlgorithmVersion,
                    Warnings = load.Warnings,
                };
        }
#pragma warning disable CA1031 // With --format json a failure is still a findings document (status "failed"), then exit code 1.
        catch (Exception e) when (e is not OperationCanceledException && format == "json")
#pragma warning restore CA1031
        {
            findings = new Findings
            {
                Status = AnalysisStatus.Failed,
                Reason = $"internal failure: {e.GetType().Name}: {e.Message}",
                StudyInstanceUid = load?.StudyInstanceUid,
                SeriesInstanceUid = load?.SeriesInstanceUid,
                AlgorithmVersion = SpineAnalyzer.AlgorithmVersion,
            };
        }

        var timings = new Dictionary<string, double>(findings.TimingsMs);
        if (load is not null)
        {
            timings["ingest"] = Math.Round(load.Timings.TotalMs, 1);
        }

        if (imagesDirectory is not null && findings.Status == AnalysisStatus.Completed && load?.Volume is { } shown)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var paths = await KeyImageRenderer.WriteAsync(shown, findings, imagesDirectory, new KeyImageOptions(), cancellationToken).ConfigureAwait(false);
            timings["key-images"] = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
            await Console.Error.WriteLineAsync($"key images: {paths.Count} written to {Path.GetFullPath(imagesDirectory)}").ConfigureAwait(false);
        }

        if (resultsDirectory is not null && imagesDirectory is not null && findings.Status == AnalysisStatus.Completed && load is not null)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            findings = await WritePacsResultsAsync(findings, load, imagesDirectory, resultsDirectory, cancellationToken).ConfigureAwait(false);
            timings["dicom-results"] = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
        }

        findings = findings with { TimingsMs = timings };

        var output = format == "json" ? JsonSerializer.Serialize(findings, CtBoneJson.Indented) : Table(findings);
        await Console.Out.WriteLineAsync(output).ConfigureAwait(false);
        switch (findings.Status)
        {
            case AnalysisStatus.Completed:
                return CliCommands.Ok;
            case AnalysisStatus.Rejected:
                await Console.Error.WriteLineAsync("rejected: " + findings.Reason).ConfigureAwait(false);
                return CliCommands.RejectedInput;
            default:
                await Console.Error.WriteLineAsync(findings.Reason).ConfigureAwait(false);
                return CliCommands.InternalFailure;
        }
    }

    /// <summary>
    /// Writes the DICOM SR and the overview Secondary Capture for PACS (<see cref="PacsResultFiles"/>), and what a
    /// revision after a review is written from (<see cref="RevisionSources"/>). The findings stand
    /// without them: a source file that cannot be read again or GDCM refusing to write (a DicomWriteException, an
    /// IOException) becomes a warning, not a failure.
    /// </summary>
    private static async Task<Findings> WritePacsResultsAsync(Findings findings, StudyLoadResult load, string imagesDirectory, string resultsDirectory, CancellationToken cancellationToken)
    {
        try
        {
            var png = await File.ReadAllBytesAsync(Path.Combine(imagesDirectory, KeyImageRenderer.OverviewFileName), cancellationToken).ConfigureAwait(false);
            var (width, height, rgb) = KeyImageRenderer.DecodeRgb(png);
            var input = PacsResultFiles.Input(findings, load.SliceFiles, load.SopInstanceUids, DateTimeOffset.UtcNow);
            var paths = PacsResultFiles.Write(input, new RgbPicture(width, height, rgb), resultsDirectory);
            if (load.Volume is { } volume)
            {
                await RevisionSources.WriteAsync(
                    Path.Combine(resultsDirectory, RevisionSources.FolderName), input, KeyImageRenderer.RenderOverviewReformat(volume, findings, new KeyImageOptions()), cancellationToken).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync($"results for PACS: {paths.Count} DICOM objects written to {Path.GetFullPath(resultsDirectory)}").ConfigureAwait(false);
            return findings;
        }
        catch (Exception e) when (e is IOException or ArgumentException)
        {
            return findings with { Warnings = [.. findings.Warnings, $"results for PACS not written: {e.Message}"] };
        }
    }

    /// <summary>
    /// For a worker that runs this as its child: when the worker dies, its end of our stdin closes, and an orphaned
    /// analysis must not go on using the cores the restarted worker needs.
    /// </summary>
    private static void ExitWhenInputCloses() => new Thread(() =>
    {
        using var input = Console.OpenStandardInput();
        var buffer = new byte[64];
        while (input.Read(buffer, 0, buffer.Length) > 0)
        {
        }

        Environment.Exit(CliCommands.InternalFailure);
    })
    { IsBackground = true, Name = "exit-with-input" }.Start();

    private static T LoadConfiguration<T>(Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CliUsageException(e.Message);
        }
    }

    private static SeriesContext Context(StudyLoadResult load) => new()
    {
        StudyInstanceUid = load.StudyInstanceUid,
        SeriesInstanceUid = load.SeriesInstanceUid,
        Acquisition = load.Acquisition,
        Study = load.Study,
        InterpolatedSlices = load.InterpolatedSlices,
        SopInstanceUids = load.SopInstanceUids,
        Warnings = [.. load.Warnings.Where(w => !w.Contains("skippedFiles", StringComparison.Ordinal)), .. Skipped(load)],
    };

    /// <summary>The findings carry no file list, so skipped files are named here (the first few) with their reasons.</summary>
    private static IEnumerable<string> Skipped(StudyLoadResult load)
    {
        const int shown = 3;
        foreach (var file in load.SkippedFiles.Take(shown))
        {
            yield return $"skipped {Path.GetFileName(file.FilePath)}: {file.Reason}";
        }

        if (load.SkippedFiles.Count > shown)
        {
            yield return FormattableString.Invariant($"skipped {load.SkippedFiles.Count - shown} more file(s); `ctbone inspect` lists them all");
        }
    }

    private static string Table(Findings f)
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
        static string Hu(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";

        Line($"status      {f.Status.ToString().ToLowerInvariant()}{(f.Reason is null ? string.Empty : ": " + f.Reason)}");
        Line($"algorithm   {f.AlgorithmVersion}");
        if (f.SeriesInstanceUid is not null)
        {
            Line($"series      {f.SeriesInstanceUid}");
        }

        if (f.Labeling is { } labeling)
        {
            Line($"labels      {labeling.Method}, confidence {labeling.Confidence:0.00}{(labeling.CountsAgree ? ", rib and sacrum counts agree" : string.Empty)}");
        }

        if (f.Vertebrae.Count > 0)
        {
            Line($"");
            Line($"level   mean HU   SD  median  area mm2  voxels  BMD mg/cm3  flags / exclusion");
            foreach (var v in f.Vertebrae)
            {
                var notes = string.Join(", ", v.Flags);
                if (v.ExclusionReason is not null)
                {
                    notes = (notes.Length > 0 ? notes + "; " : string.Empty) + "excluded: " + v.ExclusionReason;
                }

                Line($"{v.Level,-5} {Hu(v.MeanHu),9} {Hu(v.SdHu),5} {Hu(v.MedianHu),7} {Hu(v.AreaMm2),9} {v.VoxelCount,7} {Hu(v.EstimatedBmdMgPerCm3),11}  {notes}");
            }
        }

        if (f.Screening is { } s)
        {
            Line($"");
            Line($"screening   {s.Category.ToString().ToLowerInvariant()}{(s.Severity is null ? string.Empty : " (" + s.Severity + ")")}, level {s.LevelUsed ?? "none"}, {Hu(s.Hu)} HU; L1-L4 mean {Hu(s.L1ToL4MeanHu)} HU");
            Line($"source      {s.Source}");
            if (s.Recommendation is not null)
            {
                Line($"advice      {s.Recommendation}");
            }
        }

        if (f.Bmd is { } bmd)
        {
            Line($"BMD         {bmd.Method}: {(bmd.MeanBmdMgPerCm3 is { } m ? m.ToString("0.0", CultureInfo.InvariantCulture) + " mg/cm3" : bmd.Reason ?? "no estimate")}");
        }

        if (f.Acquisition is { } a)
        {
            Line($"acquisition {a.KvP?.ToString("0", CultureInfo.InvariantCulture) ?? "?"} kVp, {a.SliceThicknessMm?.ToString("0.##", CultureInfo.InvariantCulture) ?? "?"} mm slices, kernel {a.ConvolutionKernel ?? "?"}, contrast {a.ContrastPhase}");
        }

        foreach (var warning in f.Warnings)
        {
            Line($"warning     {warning}");
        }

        return text.ToString().TrimEnd();
    }
}
