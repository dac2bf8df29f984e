using System.Globalization;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Analysis;
using CtBone.Dicom.Writing;
using CtBone.Imaging;

namespace CtBone.Cli;

/// <summary>
/// What a revision of the results for PACS is written from, stored beside them when the analysis completes: the SR's
/// input without pixel data, and the overview's reformat without labels with its layout. The study's files are gone by
/// the time a reviewer corrects the result.
/// </summary>
internal static class RevisionSources
{
    /// <summary>Where the worker looks for them below the results (one name for writer and reader).</summary>
    public const string FolderName = Worker.AnalysisProcess.RevisionSourcesFolder;
    public const string InputFileName = "result-input.json";
    public const string LayoutFileName = "overview-layout.json";
    public const string ReformatFileName = "overview-reformat.png";

    public static async Task WriteAsync(string folder, PacsResultInput input, OverviewReformat reformat, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, InputFileName), StoredResultInput.ToJson(input), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, LayoutFileName), JsonSerializer.Serialize(reformat.Layout, CtBoneJson.Options), cancellationToken).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(folder, ReformatFileName), reformat.Png, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<(PacsResultInput Input, OverviewReformat Reformat)> ReadAsync(string folder, CancellationToken cancellationToken)
    {
        var input = StoredResultInput.FromJson(await File.ReadAllTextAsync(Path.Combine(folder, InputFileName), cancellationToken).ConfigureAwait(false));
        var layout = JsonSerializer.Deserialize<OverviewLayout>(await File.ReadAllTextAsync(Path.Combine(folder, LayoutFileName), cancellationToken).ConfigureAwait(false), CtBoneJson.Options)
            ?? throw new JsonException($"{LayoutFileName} is empty");
        var png = await File.ReadAllBytesAsync(Path.Combine(folder, ReformatFileName), cancellationToken).ConfigureAwait(false);
        return (input, new OverviewReformat(png, layout));
    }
}

/// <summary>
/// <c>ctbone revise SOURCES --findings FILE --revision N [--replaces K] --reviewer NAME --reviewed-at TIME --organization ORG --out DIR</c>:
/// writes a reviewer's revision of the results for PACS from the stored <see cref="RevisionSources"/> and the corrected
/// findings: the SR VERIFIED by the reviewer with the report it replaces (revision K, by default N - 1; 0 is the
/// analysis' own) as predecessor, and the overview with the
/// corrected labels burned in. A child process of the worker, as <c>ctbone analyze</c> is: GDCM may abort a process.
/// Exit codes: 0 written, 1 failure, 64 usage error.
/// </summary>
internal static class ReviseCommand
{
    public const string Usage = "revise <sources-folder> --findings FILE --revision N [--replaces K] --reviewer NAME --reviewed-at TIME --organization ORG --out DIR";

    public static async Task<int> RunAsync(CliArguments args, CancellationToken cancellationToken)
    {
        var sources = args.Required(0, "sources-folder");
        var findingsPath = Need(args, "findings");
        var revisionText = Need(args, "revision");
        var replacesText = args.Option("replaces");
        var reviewer = Need(args, "reviewer");
        var reviewedAtText = Need(args, "reviewed-at");
        var organization = Need(args, "organization");
        var output = Need(args, "out");
        args.RejectUnknown();
        if (!int.TryParse(revisionText, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) || revision < 1)
        {
            throw new CliUsageException("--revision must be a whole number from 1");
        }

        int? replaces = null;
        if (replacesText is not null)
        {
            if (!int.TryParse(replacesText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number >= revision)
            {
                throw new CliUsageException("--replaces must be a whole number below --revision (0: the analysis' own results)");
            }

            replaces = number;
        }

        if (!DateTimeOffset.TryParse(reviewedAtText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var reviewedAt))
        {
            throw new CliUsageException("--reviewed-at must be a date and time (ISO 8601)");
        }

        var corrected = JsonSerializer.Deserialize<Findings>(await File.ReadAllTextAsync(findingsPath, cancellationToken).ConfigureAwait(false), CtBoneJson.Options)
            ?? throw new JsonException("the corrected findings are empty");
        var (stored, reformat) = await RevisionSources.ReadAsync(sources, cancellationToken).ConfigureAwait(false);
        var input = stored with
        {
            Findings = corrected,
            CreatedAt = reviewedAt,
            Revision = new ResultRevision
            {
                Number = revision,
                Replaces = replaces,
                OriginalFindings = stored.Findings,
                VerifyingObserverName = reviewer,
                VerifyingOrganization = organization,
                VerifiedAt = reviewedAt,
            },
        };
        var (width, height, rgb) = KeyImageRenderer.DecodeRgb(KeyImageRenderer.ComposeOverview(reformat, corrected, new KeyImageOptions()));
        var paths = PacsResultFiles.Write(input, new RgbPicture(width, height, rgb), output);
        await Console.Error.WriteLineAsync($"revision {revision}: {paths.Count} DICOM objects written to {Path.GetFullPath(output)}").ConfigureAwait(false);
        return CliCommands.Ok;
    }

    private static string Need(CliArguments args, string name) => args.Option(name) ?? throw new CliUsageException($"--{name} is required");
}
