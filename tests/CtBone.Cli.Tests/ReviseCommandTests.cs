using CtBone.TestSupport;

namespace CtBone.Cli.Tests;

/// <summary><c>ctbone revise</c> on what <c>ctbone analyze --results</c> stored, with the study's files out of reach.</summary>
[Trait("Category", "Integration")]
public sealed class ReviseCommandTests
{
    private static readonly string[] s_dumpVerification = ["-q", "+P", "0040,a493", "+P", "0040,a075", "+P", "0008,103e"];

    [Fact]
    public async Task Revise_FromTheStoredSourcesAlone_WritesAVerifiedSrAndAnOverviewForTheRevision()
    {
        var work = Directory.CreateTempSubdirectory("ctbone-revise-").FullName;
        try
        {
            // The study is copied, analysed, then deleted: the revision must not need it.
            var study = Path.Combine(work, "study");
            foreach (var file in Directory.GetFiles(RepositoryFolder.TestDicoms("standard"), "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(study, Path.GetRelativePath(RepositoryFolder.TestDicoms("standard"), file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }

            var results = Path.Combine(work, "results");
            var (analysed, stdout, _) = await CtBoneProcess.RunAsync("analyze", study, "--format", "json", "--results", results);
            Assert.Equal(0, analysed);
            Directory.Delete(study, recursive: true);
            var sources = Path.Combine(results, "revision-sources");
            Assert.Equal(["overview-layout.json", "overview-reformat.png", "result-input.json"], Directory.GetFiles(sources).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            var findings = Path.Combine(work, "findings.json");
            await File.WriteAllTextAsync(findings, stdout);

            var revised = Path.Combine(work, "revised");
            var (exit, _, stderr) = await CtBoneProcess.RunAsync(
                "revise", sources, "--findings", findings, "--revision", "2", "--reviewer", "dr jones", "--reviewed-at", "2026-03-01T10:00:00Z",
                "--organization", "Spine service", "--out", revised);

            Assert.True(exit == 0, stderr);
            Assert.Equal(["overview-sc-r2.dcm", "report-sr-r2.dcm"], Directory.GetFiles(revised).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            var dump = Dump(Path.Combine(revised, "report-sr-r2.dcm"));
            Assert.Contains("[VERIFIED]", dump, StringComparison.Ordinal);
            Assert.Contains("[dr jones^]", dump, StringComparison.Ordinal);
            Assert.Contains("(reviewed, revision 2)", dump, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task Revise_WithoutTheReviewer_UsageError()
    {
        var (exit, _, stderr) = await CtBoneProcess.RunAsync("revise", "/nonexistent", "--findings", "f.json", "--revision", "1", "--reviewed-at", "2026-03-01T10:00:00Z", "--organization", "o", "--out", "x");

        Assert.Equal(64, exit);
        Assert.Contains("--reviewer is required", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("3")]
    [InlineData("-1")]
    [InlineData("one")]
    public async Task Revise_ReplacingItselfALaterOrNoRevision_UsageError(string replaces)
    {
        var (exit, _, stderr) = await CtBoneProcess.RunAsync(
            "revise", "/nonexistent", "--findings", "f.json", "--revision", "2", "--replaces", replaces, "--reviewer", "r", "--reviewed-at", "2026-03-01T10:00:00Z",
            "--organization", "o", "--out", "x");

        Assert.Equal(64, exit);
        Assert.Contains("--replaces must be a whole number below --revision", stderr, StringComparison.Ordinal);
    }

    private static string Dump(string file)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dcmdump", [.. s_dumpVerification, file]) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
