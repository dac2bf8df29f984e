using System.Text.Json;
using CtBone.Core.Phantoms;
using CtBone.Core.Spine;
using CtBone.TestSupport;

namespace CtBone.Cli.Tests;

/// <summary>
/// <c>ctbone analyze</c> end to end on the bundled DICOM studies (GDCM ingest in its own process, analysis, output):
/// the JSON contract, exit codes, key images and policy files.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AnalyzeCommandTests
{
    private static readonly string[] s_topLevel = ["status", "reason", "studyInstanceUid", "seriesInstanceUid", "algorithmVersion", "vertebrae", "screening", "bmd", "acquisition", "warnings"];
    private static readonly string[] s_levelFields = ["level", "meanHu", "sdHu", "medianHu", "areaMm2", "voxelCount", "centerMm", "excluded", "flags", "confidence"];
    private static readonly string[] s_dumpUidAndPosition = ["-q", "+P", "0008,0018", "+P", "0020,0032"];
    private static readonly string[] s_fractureGrades = ["moderate", "severe"];
    private static readonly string[] s_screwLevels = ["L4", "L5"];
    private static readonly string[] s_screeningFields = ["category", "severity", "levelUsed", "hu", "thresholds", "source", "l1ToL4MeanHu", "recommendation"];

    [Theory]
    [InlineData("standard")]
    [InlineData("osteoporotic")]
    [InlineData("screws-l4-l5")]
    [InlineData("fracture-l1")]
    [InlineData("transitional-l6")]
    [InlineData("partial-t12-l3")]
    public async Task Analyze_WhenBundledStudy_JsonOnStdoutMatchesItsTruth(string study)
    {
        var folder = RepositoryFolder.TestDicoms(study);
        var truth = PhantomTruth.FromJson(await File.ReadAllTextAsync(Path.Combine(folder, "truth.json")));

        var (exit, stdout, _) = await CtBoneProcess.RunAsync("analyze", folder, "--format", "json");

        Assert.Equal(0, exit);
        var json = CtBoneProcess.Json(stdout);
        Assert.All(s_topLevel, name => Assert.True(json.TryGetProperty(name, out _), $"missing {name}"));
        Assert.Equal("completed", json.GetProperty("status").GetString());
        Assert.Equal(truth.StudyInstanceUid, json.GetProperty("studyInstanceUid").GetString());
        Assert.Equal(truth.PrimarySeriesInstanceUid, json.GetProperty("seriesInstanceUid").GetString());
        Assert.StartsWith("ctbone-spine ", json.GetProperty("algorithmVersion").GetString(), StringComparison.Ordinal);
        Assert.All(s_screeningFields, name => Assert.True(json.GetProperty("screening").TryGetProperty(name, out _), $"missing screening.{name}"));

        var levels = json.GetProperty("vertebrae").EnumerateArray().ToList();
        Assert.NotEmpty(levels);
        var seriesFolder = truth.Series.Single(s => s.IsPrimary).Folder!;
        var seriesPlanes = new Lazy<Dictionary<string, double>>(() => PlaneZBySopInstanceUid(Path.Combine(folder, seriesFolder)));
        foreach (var level in levels)
        {
            Assert.All(s_levelFields, name => Assert.True(level.TryGetProperty(name, out _), $"missing vertebrae[].{name}"));
            var name = level.GetProperty("level").GetString()!;
            var flags = level.GetProperty("flags").EnumerateArray().Select(f => f.GetString()).ToList();
            var centre = level.GetProperty("centerMm").EnumerateArray().Select(c => c.GetDouble()).ToArray();
            var inside = truth.Vertebrae.MinBy(v => Math.Abs(v.CenterMm[2] - centre[2]))!;
            if (!flags.Contains(LevelFlags.LabelingUncertain))
            {
                Assert.Equal(inside.Level, name);
            }

            if (!level.GetProperty("excluded").GetBoolean())
            {
                Assert.InRange(level.GetProperty("meanHu").GetDouble(), inside.TrabecularHu - 5, inside.TrabecularHu + 5);
            }

            // Every ROI names the image its key image and SR show: the series' file whose plane holds the ROI centre.
            if (level.TryGetProperty("roi", out var roi) && roi.ValueKind == JsonValueKind.Object)
            {
                var uid = roi.GetProperty("midSliceSopInstanceUid").GetString()!;
                Assert.True(seriesPlanes.Value.TryGetValue(uid, out var planeZ), $"{name}: {uid} is not in the series");
                Assert.InRange(centre[2], planeZ - 0.01, planeZ + 0.01);
            }
        }
    }

    [Fact]
    public async Task Analyze_WhenScrewsAndFracture_ThoseLevelsExcludedWithReasons()
    {
        var screws = CtBoneProcess.Json((await CtBoneProcess.RunAsync("analyze", RepositoryFolder.TestDicoms("screws-l4-l5"), "--format", "json")).Stdout);
        var fracture = CtBoneProcess.Json((await CtBoneProcess.RunAsync("analyze", RepositoryFolder.TestDicoms("fracture-l1"), "--format", "json")).Stdout);

        foreach (var name in s_screwLevels)
        {
            var level = Level(screws, name);
            Assert.True(level.GetProperty("excluded").GetBoolean());
            Assert.Contains("metal", level.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        }

        var l1 = Level(fracture, "L1");
        Assert.True(l1.GetProperty("excluded").GetBoolean());
        Assert.Contains(l1.GetProperty("fractureGrade").GetString(), s_fractureGrades);
        Assert.NotEqual("L1", fracture.GetProperty("screening").GetProperty("levelUsed").GetString());
    }

    [Fact]
    public async Task Analyze_WhenPortalVenousWithoutAge_PhaseDetectedAndAgeLeftMissing()
    {
        var (_, stdout, _) = await CtBoneProcess.RunAsync("analyze", RepositoryFolder.TestDicoms("partial-t12-l3"), "--format", "json");

        var acquisition = CtBoneProcess.Json(stdout).GetProperty("acquisition");
        Assert.Equal("portalVenous", acquisition.GetProperty("contrastPhase").GetString());
        Assert.False(acquisition.TryGetProperty("patientAgeYears", out _));
    }

    [Fact]
    public async Task Analyze_WhenNoCtInFolder_ExitCode2AndRejectedDocument()
    {
        var folder = Directory.CreateTempSubdirectory("ctbone-nospine-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "not a DICOM file");

            var (exit, stdout, stderr) = await CtBoneProcess.RunAsync("analyze", folder, "--format", "json");

            Assert.Equal(2, exit);
            var json = CtBoneProcess.Json(stdout);
            Assert.Equal("rejected", json.GetProperty("status").GetString());
            Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("reason").GetString()));
            Assert.Contains("rejected", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Analyze_WhenImagesRequested_WritesAnAxialPngPerLevelAndTheOverview()
    {
        var images = Directory.CreateTempSubdirectory("ctbone-images-").FullName;
        try
        {
            var (exit, stdout, _) = await CtBoneProcess.RunAsync("analyze", RepositoryFolder.TestDicoms("standard"), "--format", "json", "--images", images);

            Assert.Equal(0, exit);
            var levels = CtBoneProcess.Json(stdout).GetProperty("vertebrae").EnumerateArray().Select(v => v.GetProperty("level").GetString()).ToList();
            foreach (var name in levels.Append("sagittal"))
            {
                var path = Path.Combine(images, name == "sagittal" ? "sagittal.png" : $"{name}_axial.png");
                Assert.True(File.Exists(path), $"{path} missing");
                var head = new byte[8];
                await using var file = File.OpenRead(path);
                await file.ReadExactlyAsync(head);
                Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, head);
            }
        }
        finally
        {
            Directory.Delete(images, recursive: true);
        }
    }

    [Fact]
    public async Task Analyze_WhenPolicyRaisesNormalThreshold_CategoryAndThresholdFollowTheFile()
    {
        var policy = Path.GetTempFileName();
        try
        {
            var defaults = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryFolder.Root, "src/CtBone.Core/Screening/default-policy.json")));
            var edited = JsonSerializer.Serialize(defaults.RootElement).Replace("\"hu\":160", "\"hu\":200", StringComparison.Ordinal);
            Assert.Contains("\"hu\":200", edited, StringComparison.Ordinal);
            await File.WriteAllTextAsync(policy, edited);

            var (exit, stdout, _) = await CtBoneProcess.RunAsync("analyze", RepositoryFolder.TestDicoms("standard"), "--format", "json", "--policy", policy);

            Assert.Equal(0, exit);
            var screening = CtBoneProcess.Json(stdout).GetProperty("screening");
            Assert.Equal("osteopenia", screening.GetProperty("category").GetString());
            Assert.Contains(screening.GetProperty("thresholds").EnumerateArray(), t => t.GetProperty("value").GetDouble() == 200);
        }
        finally
        {
            File.Delete(policy);
        }
    }

    [Fact]
    public async Task Analyze_WhenScannerCalibrationRegistered_BmdUsesItOverThePhantomlessFit()
    {
        var registry = Path.GetTempFileName();
        try
        {
            // The bundled studies come from the "CtBone" "LumbarPhantom" scanner at 120 kVp.
            await File.WriteAllTextAsync(registry, """
                { "calibrations": [ { "manufacturer": "CtBone", "model": "LumbarPhantom", "kvp": 120,
                  "slopeMgPerCm3PerHu": 0.5, "interceptMgPerCm3": 10, "description": "test line", "date": "2026-11-30" } ] }
                """);

            var (exit, stdout, _) = await CtBoneProcess.RunAsync("analyze", RepositoryFolder.TestDicoms("standard"), "--format", "json", "--calibrations", registry);

            Assert.Equal(0, exit);
            var json = CtBoneProcess.Json(stdout);
            Assert.Equal("scanner-calibration", json.GetProperty("bmd").GetProperty("method").GetString());
            var l1 = Level(json, "L1");
            Assert.Equal((0.5 * l1.GetProperty("meanHu").GetDouble()) + 10, l1.GetProperty("estimatedBmdMgPerCm3").GetDouble(), 0.2);
        }
        finally
        {
            File.Delete(registry);
        }
    }

    [Fact]
    public async Task Analyze_WhenPolicyFileInvalid_UsageErrorBeforeAnyStudyIsRead()
    {
        var policy = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(policy, "{ \"normalAboveHu\": { \"hu\": 50, \"source\": \"x\" } }");

            var (exit, stdout, stderr) = await CtBoneProcess.RunAsync("analyze", RepositoryFolder.TestDicoms("standard"), "--format", "json", "--policy", policy);

            Assert.Equal(64, exit);
            Assert.Empty(stdout.Trim());
            Assert.Contains(Path.GetFileName(policy), stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(policy);
        }
    }

    [Fact]
    public async Task Analyze_WhenTableFormat_ShowsEveryLevelAndTheScreening()
    {
        var (exit, stdout, _) = await CtBoneProcess.RunAsync("analyze", RepositoryFolder.TestDicoms("fracture-l1"));

        Assert.Equal(0, exit);
        Assert.Contains("screening   osteoporosis (severe)", stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^L1\s+.*excluded: fracture", stdout);
        Assert.Matches(@"(?m)^L2\s+\d+\.\d", stdout);
    }

    [Fact]
    public async Task Analyze_WhenJson_StudyIdentityIsTheHeaderOfTheChosenSeriesAndTheTableLeavesItOut()
    {
        var folder = RepositoryFolder.TestDicoms("standard");
        var truth = PhantomTruth.FromJson(await File.ReadAllTextAsync(Path.Combine(folder, "truth.json")));
        var oneFile = Directory.GetFiles(Path.Combine(folder, truth.Series.Single(s => s.IsPrimary).Folder!))[0];
        var start = new System.Diagnostics.ProcessStartInfo("dcmdump") { RedirectStandardOutput = true };
        foreach (var argument in new[] { "-q", "+P", "0010,0020", "+P", "0010,0010", "+P", "0008,0050", oneFile })
        {
            start.ArgumentList.Add(argument);
        }

        using var dump = System.Diagnostics.Process.Start(start)!;
        var header = (await dump.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(line => line[1..10], line => line[(line.IndexOf('[', StringComparison.Ordinal) + 1)..line.IndexOf(']', StringComparison.Ordinal)]);

        var (_, stdout, _) = await CtBoneProcess.RunAsync("analyze", folder, "--format", "json");
        var study = CtBoneProcess.Json(stdout).GetProperty("study");
        Assert.Equal(header["0010,0020"], study.GetProperty("patientId").GetString());
        Assert.Equal(header["0010,0010"], study.GetProperty("patientName").GetString());
        Assert.Equal(header["0008,0050"], study.GetProperty("accessionNumber").GetString());

        var (_, table, errors) = await CtBoneProcess.RunAsync("analyze", folder);
        Assert.DoesNotContain(header["0010,0020"], table + errors, StringComparison.Ordinal);
        Assert.DoesNotContain(header["0010,0010"], table + errors, StringComparison.Ordinal);
    }

    /// <summary>
    /// The z of each file's plane (ImagePositionPatient) by its SOPInstanceUID, read with dcmtk's dcmdump: an independent
    /// reader. Each file prints the UID (0008,0018) and then the position (0020,0032).
    /// </summary>
    private static Dictionary<string, double> PlaneZBySopInstanceUid(string folder)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dcmdump") { RedirectStandardOutput = true };
        foreach (var argument in s_dumpUidAndPosition.Concat(Directory.GetFiles(folder)))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var values = process.StandardOutput.ReadToEnd()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line[(line.IndexOf('[', StringComparison.Ordinal) + 1)..line.IndexOf(']', StringComparison.Ordinal)])
            .ToList();
        process.WaitForExit();
        return values.Chunk(2).ToDictionary(pair => pair[0], pair => double.Parse(pair[1].Split('\\')[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static JsonElement Level(JsonElement findings, string name) =>
        findings.GetProperty("vertebrae").EnumerateArray().Single(v => v.GetProperty("level").GetString() == name);
}
