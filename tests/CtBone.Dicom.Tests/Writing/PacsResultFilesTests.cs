using System.Globalization;
using System.Text.Json;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Core.Series;
using CtBone.Core.Volumes;
using CtBone.Dicom.Writing;
using CtBone.TestSupport;

namespace CtBone.Dicom.Tests.Writing;

/// <summary>
/// The SR and the Secondary Capture written for the bundled standard study, as CtBone analyses it, checked by other
/// readers: dcmtk's dsrdump and dcmdump, pydicom (tests/tools/pydicom_sr.py) and dicom3tools' dciodvfy.
/// </summary>
public sealed class PacsResultFilesTests(PacsResultFilesTests.Fixture fixture) : IClassFixture<PacsResultFilesTests.Fixture>
{
    [Fact]
    public void Dsrdump_WhenReportWritten_ReadsItWithoutErrorsAsAComprehensiveSrWithOneGroupPerMeasuredLevel()
    {
        var output = ExternalProgram.Run("/bin/sh", ["-c", "dsrdump -Ee \"$0\" 2>&1", fixture.ReportPath]);

        Assert.DoesNotContain("E: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("W: ", output, StringComparison.Ordinal);
        Assert.StartsWith("Comprehensive SR Document", output.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("<CONTAINER:(,,\"Imaging Measurement Report\")=SEPARATE>", output, StringComparison.Ordinal);
        Assert.Equal(fixture.Measured.Count, Count(output, "<contains CONTAINER:(,,\"Measurement Group\")=SEPARATE>"));
        Assert.Equal(fixture.Measured.Count, Count(output, "<contains SCOORD:(,,\"Image Region\")=(ELLIPSE,"));
        Assert.Equal(fixture.Measured.Count, Count(output, "<selected from IMAGE:=(CT image,)>"));
        Assert.Contains("<has obs context CODE:(,,\"Observer Type\")=(121007,DCM,\"Device\")>", output, StringComparison.Ordinal);
        Assert.Contains("<has concept mod CODE:(,,\"Finding Site\")=(66794005,SCT,\"L1 vertebra\")>", output, StringComparison.Ordinal);
        Assert.Contains("Verification Flag   : UNVERIFIED", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Pydicom_WhenReportRead_EachGroupHasTheLevelsSnomedSiteMeanAndSdHuInHounsfieldUnitsAndTheAlgorithm()
    {
        var report = fixture.Pydicom;
        var groups = report.GetProperty("groups").EnumerateArray().ToList();

        Assert.Equal(MeasurementReportWriter.ComprehensiveSrStorage, report.GetProperty("sopClassUid").GetString());
        Assert.Equal("126000", report.GetProperty("title").GetProperty("value").GetString());
        Assert.Equal(fixture.Measured.Select(l => $"{l.Level} trabecular ROI"), groups.Select(g => g.GetProperty("trackingIdentifier").GetString()));
        var expectedSites = new Dictionary<string, string>
        {
            ["T11"] = "12989004", ["T12"] = "23215003", ["L1"] = "66794005", ["L2"] = "14293000", ["L3"] = "36470004", ["L4"] = "11994002", ["L5"] = "49668003",
        };
        foreach (var (level, group) in fixture.Measured.Zip(groups))
        {
            var site = group.GetProperty("findingSite");
            Assert.Equal(("SCT", expectedSites[level.Level]), (site.GetProperty("scheme").GetString(), site.GetProperty("value").GetString()));
            var numbers = group.GetProperty("numbers").EnumerateArray().ToList();
            var mean = numbers.Single(n => n.GetProperty("modifiers").TryGetProperty("Derivation", out var d) && d.GetString() == "Mean");
            Assert.Equal("112031", mean.GetProperty("concept").GetProperty("value").GetString());
            Assert.Equal(level.MeanHu, mean.GetProperty("value").GetDouble());
            Assert.Equal("[hnsf'U]", mean.GetProperty("unit").GetProperty("value").GetString());
            Assert.Equal("UCUM", mean.GetProperty("unit").GetProperty("scheme").GetString());
            Assert.Equal("ctbone-spine", mean.GetProperty("modifiers").GetProperty("Algorithm Name").GetString());
            Assert.Equal("0.1.0", mean.GetProperty("modifiers").GetProperty("Algorithm Version").GetString());
            var sd = numbers.Single(n => n.GetProperty("modifiers").TryGetProperty("Derivation", out var d) && d.GetString() == "Standard Deviation");
            Assert.Equal(level.SdHu, sd.GetProperty("value").GetDouble());
            if (level.EstimatedBmdMgPerCm3 is { } bmd)
            {
                var estimate = numbers.Single(n => n.GetProperty("unit").GetProperty("value").GetString() == "mg/cm3");
                Assert.Equal(bmd, estimate.GetProperty("value").GetDouble(), 3);
            }
        }
    }

    [Fact]
    public void Scoord_EachEllipseOnItsMidSlice_CentreMapsBackToTheRoiCentreWithinOnePixelAndAxesHaveTheRoiLengths()
    {
        var groups = fixture.Pydicom.GetProperty("groups").EnumerateArray().ToList();
        foreach (var (level, group) in fixture.Measured.Zip(groups))
        {
            var scoord = group.GetProperty("scoord");
            Assert.Equal("ELLIPSE", scoord.GetProperty("graphicType").GetString());
            Assert.Equal("SELECTED FROM", scoord.GetProperty("relationship").GetString());
            Assert.Equal(level.Roi!.MidSliceSopInstanceUid, scoord.GetProperty("sopInstanceUid").GetString());
            var file = fixture.FileOf(level.Roi.MidSliceSopInstanceUid!);
            Assert.Equal(Dcmdump.Value(file, "0008,0016"), scoord.GetProperty("sopClassUid").GetString());

            // The slice's geometry as dcmtk reads it, not as CtBone does.
            var position = Numbers(Dcmdump.Value(file, "0020,0032"));
            var orientation = Numbers(Dcmdump.Value(file, "0020,0037"));
            var spacing = Numbers(Dcmdump.Value(file, "0028,0030"));
            var points = scoord.GetProperty("graphicData").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(8, points.Length);
            Vector3D Patient(double column, double row) =>
                new Vector3D(position[0], position[1], position[2])
                + (new Vector3D(orientation[0], orientation[1], orientation[2]) * ((column - 0.5) * spacing[1]))
                + (new Vector3D(orientation[3], orientation[4], orientation[5]) * ((row - 0.5) * spacing[0]));

            var centre = Patient((points[0] + points[2]) / 2, (points[1] + points[3]) / 2);
            var roiCentre = new Vector3D(level.CenterMm[0], level.CenterMm[1], level.CenterMm[2]);
            var inPlane = centre - roiCentre;
            Assert.True(inPlane.Length < Math.Min(spacing[0], spacing[1]), $"{level.Level}: SCOORD centre {centre} is {inPlane.Length:0.00} mm from the ROI centre {roiCentre}");
            // Tighter than a pixel: the same point, up to float32 Graphic Data, so a half-pixel convention slip shows.
            Assert.True(inPlane.Length < 0.05, $"{level.Level}: SCOORD centre {centre} is {inPlane.Length:0.000} mm from the ROI centre {roiCentre}");
            var minorCentre = Patient((points[4] + points[6]) / 2, (points[5] + points[7]) / 2);
            Assert.True((minorCentre - centre).Length < 0.01, $"{level.Level}: the axes do not cross at their middles");

            var major = (Patient(points[0], points[1]) - Patient(points[2], points[3])).Length;
            var minor = (Patient(points[4], points[5]) - Patient(points[6], points[7])).Length;
            Assert.Equal(2 * level.Roi.SemiAxisMajorMm, major, 0.01);
            Assert.Equal(2 * level.Roi.SemiAxisMinorMm, minor, 0.01);
        }
    }

    [Fact]
    public void Report_PatientAndStudyAreTheSourcesAndTheSeriesIsNew()
    {
        var source = fixture.FileOf(fixture.Measured[0].Roi!.MidSliceSopInstanceUid!);
        foreach (var written in new[] { fixture.ReportPath, fixture.OverviewPath })
        {
            foreach (var tag in new[] { "0010,0010", "0010,0020", "0010,0030", "0010,0040", "0020,000d", "0008,0020", "0008,0030", "0008,0050", "0020,0010" })
            {
                Assert.Equal(TopLevel(source, tag), TopLevel(written, tag));
            }

            Assert.NotEqual(TopLevel(source, "0020,000e"), TopLevel(written, "0020,000e"));
            Assert.Equal("CtBone", TopLevel(written, "0008,0070"));
            Assert.Equal("", TopLevel(written, "0008,0090"));
        }

        Assert.Equal("SR", TopLevel(fixture.ReportPath, "0008,0060"));
        Assert.Equal("UNVERIFIED", TopLevel(fixture.ReportPath, "0040,a493"));
        // T10 runs out of the field of view: not every level was measured.
        Assert.Equal("PARTIAL", TopLevel(fixture.ReportPath, "0040,a491"));
        Assert.NotEqual(TopLevel(fixture.ReportPath, "0020,000e"), TopLevel(fixture.OverviewPath, "0020,000e"));
    }

    [Fact]
    public void Report_EvidenceListsEveryReferencedMidSliceOfTheSourceSeries()
    {
        var dump = ExternalProgram.Run("dcmdump", ["-q", "-Un", "+P", "0040,a375", "+P", "0008,1155", "+P", "0020,000e", fixture.ReportPath]);
        var evidence = dump[dump.IndexOf("(0040,a375)", StringComparison.Ordinal)..];

        Assert.Contains(fixture.Findings.SeriesInstanceUid!, evidence, StringComparison.Ordinal);
        foreach (var uid in fixture.Measured.Select(l => l.Roi!.MidSliceSopInstanceUid!).Distinct())
        {
            Assert.Contains(uid, evidence, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Qualitative_ScreeningIsCodedWithPossibleWordingAndTheDisclaimer()
    {
        var evaluations = fixture.Pydicom.GetProperty("evaluations").EnumerateArray().ToList();
        var finding = evaluations.First();
        var texts = evaluations.Where(e => e.GetProperty("value").ValueKind == JsonValueKind.String).Select(e => e.GetProperty("value").GetString()!).ToList();

        Assert.Equal("121071", finding.GetProperty("concept").GetProperty("value").GetString());
        Assert.Equal("SCREEN-NORMAL", finding.GetProperty("value").GetProperty("value").GetString());
        Assert.Equal(SrCodes.PrivateScheme, finding.GetProperty("value").GetProperty("scheme").GetString());
        Assert.Contains(texts, t => t.Contains("does not replace DXA or QCT", StringComparison.Ordinal) && t.Contains("L1 trabecular attenuation 181.1 HU", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.StartsWith("T10 not measured: partial coverage", StringComparison.Ordinal));
        Assert.Equal(ScreeningCategory.Normal, fixture.Findings.Screening!.Category);
        Assert.Contains("osteoporosis likely", MeasurementReportWriter.ScreeningCode(ScreeningCategory.Osteoporosis).Meaning, StringComparison.Ordinal);
        Assert.StartsWith("Possible", MeasurementReportWriter.ScreeningCode(ScreeningCategory.Osteopenia).Meaning, StringComparison.Ordinal);
    }

    [Fact]
    public void Dciodvfy_WhenReportAndOverviewChecked_NoErrors()
    {
        var report = Dciodvfy.Check(fixture.ReportPath);
        var overview = Dciodvfy.Check(fixture.OverviewPath);

        Assert.True(report.Errors.Count == 0, report.Output);
        Assert.True(overview.Errors.Count == 0, overview.Output);
        // The one accepted warning: dciodvfy does not know CtBone's private coding scheme, which the report declares in
        // its Coding Scheme Identification Sequence (0008,0110) as PS3.3 8.2 asks for "99" schemes.
        Assert.All(report.Warnings, w => Assert.Contains("<99CTBONE>", w, StringComparison.Ordinal));
        Assert.Empty(overview.Warnings);
        Assert.Contains("ComprehensiveSR", report.Output, StringComparison.Ordinal);
        Assert.Contains("SCImage", overview.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Overview_IsASecondaryCaptureWithBurnedInAnnotationDerivedFromEverySourceSlice()
    {
        var path = fixture.OverviewPath;
        var dump = ExternalProgram.Run("dcmdump", ["-q", "-Un", "+P", "0008,1155", path]);

        Assert.Equal(SecondaryCaptureWriter.SecondaryCaptureImageStorage, TopLevel(path, "0008,0016"));
        Assert.Equal("YES", TopLevel(path, "0028,0301"));
        Assert.Equal("RGB", TopLevel(path, "0028,0004"));
        Assert.Equal(fixture.Picture.Rows.ToString(CultureInfo.InvariantCulture), TopLevel(path, "0028,0010"));
        Assert.Equal(fixture.Picture.Columns.ToString(CultureInfo.InvariantCulture), TopLevel(path, "0028,0011"));
        Assert.Equal("DERIVED\\SECONDARY", TopLevel(path, "0008,0008"));
        Assert.Equal(fixture.Load.SopInstanceUids.Count(u => u.Length > 0), Count(dump, "(0008,1155)"));
    }

    [Fact]
    public void Write_WhenTheSameResultIsWrittenAgain_SameUids_AndAnotherResultGetsNewOnes()
    {
        using var again = new TempFolder("ctbone-sr-again");
        PacsResultFiles.Write(fixture.Input with { CreatedAt = fixture.Input.CreatedAt.AddHours(1) }, fixture.Picture, again.Path);
        var changed = fixture.Input with
        {
            Findings = fixture.Findings with { Vertebrae = [.. fixture.Findings.Vertebrae.Select(v => v.Level == "L1" ? v with { MeanHu = v.MeanHu + 1 } : v)] },
        };
        using var other = new TempFolder("ctbone-sr-other");
        PacsResultFiles.Write(changed, fixture.Picture, other.Path);

        foreach (var tag in new[] { "0008,0018", "0020,000e" })
        {
            Assert.Equal(TopLevel(fixture.ReportPath, tag), TopLevel(again.File(PacsResultFiles.ReportFileName), tag));
            Assert.Equal(TopLevel(fixture.OverviewPath, tag), TopLevel(again.File(PacsResultFiles.OverviewFileName), tag));
            Assert.NotEqual(TopLevel(fixture.ReportPath, tag), TopLevel(other.File(PacsResultFiles.ReportFileName), tag));
        }
    }

    [Fact]
    public void Report_WhenEveryLevelIsMeasured_Complete()
    {
        using var folder = new TempFolder("ctbone-sr-complete");
        var complete = fixture.Input with { Findings = fixture.Findings with { Vertebrae = fixture.Measured } };

        PacsResultFiles.Write(complete, fixture.Picture, folder.Path);

        Assert.Equal("COMPLETE", TopLevel(folder.File(PacsResultFiles.ReportFileName), "0040,a491"));
    }

    [Fact]
    public void Qualitative_WhenALevelsLabelIsUncertain_TheReportSaysWhichLevelsToCheck()
    {
        using var folder = new TempFolder("ctbone-sr-labels");
        var uncertain = fixture.Input with
        {
            Findings = fixture.Findings with
            {
                Vertebrae = [.. fixture.Findings.Vertebrae.Select(v => v.Level is "L1" or "L2" ? v with { Flags = [.. v.Flags, "labeling-uncertain"] } : v)],
            },
        };

        PacsResultFiles.Write(uncertain, fixture.Picture, folder.Path);

        var report = JsonDocument.Parse(ExternalProgram.Run("/usr/bin/python3", [Fixture.PydicomSr, folder.File(PacsResultFiles.ReportFileName)])).RootElement;
        Assert.Contains(
            report.GetProperty("evaluations").EnumerateArray(),
            e => e.GetProperty("value").ValueKind == JsonValueKind.String && e.GetProperty("value").GetString()!.StartsWith("Level labels uncertain (L1, L2)", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Pydicom.GetProperty("evaluations").EnumerateArray(), e => e.GetRawText().Contains("uncertain", StringComparison.Ordinal));
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>A top-level attribute's value as dcmdump prints it (not one nested in a sequence); "" when it has none.</summary>
    private static string TopLevel(string file, string tag)
    {
        var line = ExternalProgram.Run("dcmdump", ["-q", "-Un", "-M", file]).Split('\n')
            .FirstOrDefault(l => l.StartsWith($"({tag})", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidDataException($"dcmdump finds no top-level ({tag}) in {file}");
        var value = line[15..line.IndexOf('#', StringComparison.Ordinal)].Trim();
        return value.StartsWith('[') ? value[1..value.LastIndexOf(']')].TrimEnd('\0', ' ') : value == "(no value available)" ? string.Empty : value;
    }

    private static double[] Numbers(string text) => [.. text.Split('\\').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];

    /// <summary>The standard study loaded and analysed once, its results written once, and read by pydicom once.</summary>
    public sealed class Fixture : IDisposable
    {
        private readonly TempFolder _folder = new("ctbone-sr");

        public Fixture()
        {
            Load = new StudyLoader().Load(RepositoryFolder.TestDicoms("standard"));
            Assert.Equal(StudyLoadStatus.Loaded, Load.Status);
            Findings = new SpineAnalyzer().Analyze(Load.Volume!, new SeriesContext
            {
                StudyInstanceUid = Load.StudyInstanceUid,
                SeriesInstanceUid = Load.SeriesInstanceUid,
                Acquisition = Load.Acquisition,
                Study = Load.Study,
                InterpolatedSlices = Load.InterpolatedSlices,
                SopInstanceUids = Load.SopInstanceUids,
            });
            Assert.Equal(AnalysisStatus.Completed, Findings.Status);
            Measured = [.. Findings.Vertebrae.Where(v => !v.Excluded && v.MeanHu is not null && v.Roi is not null)];
            Assert.True(Measured.Count >= 5);
            Picture = Gradient(320, 240);
            Input = PacsResultFiles.Input(Findings, Load.SliceFiles, Load.SopInstanceUids, new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
            var paths = PacsResultFiles.Write(Input, Picture, _folder.Path);
            (ReportPath, OverviewPath) = (paths[0], paths[1]);
            Pydicom = JsonDocument.Parse(ExternalProgram.Run("/usr/bin/python3", [PydicomSr, ReportPath])).RootElement.Clone();
        }

        /// <summary>tests/tools/pydicom_sr.py: the report as pydicom reads it, as JSON.</summary>
        public static string PydicomSr { get; } = Path.Combine(RepositoryFolder.Root, "tests", "tools", "pydicom_sr.py");

        public StudyLoadResult Load { get; }

        public Findings Findings { get; }

        public IReadOnlyList<LevelFinding> Measured { get; }

        public RgbPicture Picture { get; }

        public PacsResultInput Input { get; }

        public string ReportPath { get; }

        public string OverviewPath { get; }

        public JsonElement Pydicom { get; }

        public string FileOf(string sopInstanceUid) => Load.SliceFiles[Load.SopInstanceUids.ToList().IndexOf(sopInstanceUid)];

        public void Dispose() => _folder.Dispose();

        private static RgbPicture Gradient(int columns, int rows)
        {
            var rgb = new byte[columns * rows * 3];
            for (var i = 0; i < columns * rows; i++)
            {
                rgb[3 * i] = (byte)(i % columns);
                rgb[(3 * i) + 1] = (byte)(i / columns);
                rgb[(3 * i) + 2] = 128;
            }

            return new RgbPicture(columns, rows, rgb);
        }
    }
}
