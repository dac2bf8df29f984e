using System.Text.Json;
using CtBone.Core.Analysis;
using CtBone.Core.Calibration;
using CtBone.Core.Review;
using CtBone.Core.Screening;
using CtBone.Dicom.Writing;
using CtBone.TestSupport;

namespace CtBone.Dicom.Tests.Writing;

/// <summary>
/// A reviewer's revision of the SR and the overview, written from the stored input alone (JSON, no source file read)
/// after the labels were shifted down: read back by pydicom, dsrdump and dciodvfy.
/// </summary>
public sealed class RevisedResultFilesTests(RevisedResultFilesTests.Fixture fixture) : IClassFixture<RevisedResultFilesTests.Fixture>
{
    private static readonly DateTimeOffset s_reviewedAt = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [Fact]
    public void RevisedReport_WhenLabelsShiftedDown_EachGroupHasTheCorrectedLevelOnTheSameRoi()
    {
        var original = fixture.Original.GetProperty("groups").EnumerateArray().ToList();
        var revised = fixture.Revised.GetProperty("groups").EnumerateArray().ToList();
        var corrected = fixture.Corrected.Vertebrae.Where(v => !v.Excluded && v.MeanHu is not null && v.Roi is not null).ToList();

        Assert.Equal(original.Count, revised.Count);
        Assert.Equal(corrected.Select(l => $"{l.Level} trabecular ROI"), revised.Select(g => g.GetProperty("trackingIdentifier").GetString()));
        // What was called T12 is L1 now: the group of the ROI the analysis called T12 says L1, with L1's SNOMED CT site.
        var t12 = original.FindIndex(g => g.GetProperty("trackingIdentifier").GetString() == "T12 trabecular ROI");
        Assert.True(t12 >= 0);
        Assert.Equal("L1 trabecular ROI", revised[t12].GetProperty("trackingIdentifier").GetString());
        Assert.Equal("66794005", revised[t12].GetProperty("findingSite").GetProperty("value").GetString());
        Assert.Equal("23215003", original[t12].GetProperty("findingSite").GetProperty("value").GetString());
        foreach (var (before, after) in original.Zip(revised))
        {
            Assert.Equal(before.GetProperty("scoord").GetProperty("sopInstanceUid").GetString(), after.GetProperty("scoord").GetProperty("sopInstanceUid").GetString());
            Assert.Equal(
                before.GetProperty("numbers")[0].GetProperty("value").GetDouble(),
                after.GetProperty("numbers")[0].GetProperty("value").GetDouble());
        }
    }

    [Fact]
    public void RevisedReport_IsANewInstanceVerifiedByTheReviewerWithTheOriginalAsPredecessor()
    {
        var revised = fixture.Revised;

        Assert.Equal("VERIFIED", revised.GetProperty("verificationFlag").GetString());
        Assert.Equal("COMPLETE", revised.GetProperty("completionFlag").GetString());
        var observer = Assert.Single(revised.GetProperty("verifyingObservers").EnumerateArray());
        Assert.Equal("dr reviewer^", observer.GetProperty("name").GetString());
        Assert.Equal("St Elsewhere spine service", observer.GetProperty("organization").GetString());
        Assert.Equal("20250304050607+0000", observer.GetProperty("dateTime").GetString());
        var predecessor = Assert.Single(revised.GetProperty("predecessors").EnumerateArray());
        Assert.Equal(fixture.Original.GetProperty("sopInstanceUid").GetString(), predecessor.GetProperty("sopInstanceUid").GetString());
        Assert.Equal(fixture.Original.GetProperty("seriesInstanceUid").GetString(), predecessor.GetProperty("seriesInstanceUid").GetString());
        Assert.Equal(MeasurementReportWriter.ComprehensiveSrStorage, predecessor.GetProperty("sopClassUid").GetString());
        Assert.Equal(fixture.Input.PatientSource.StudyInstanceUid, predecessor.GetProperty("studyInstanceUid").GetString());
        Assert.NotEqual(fixture.Original.GetProperty("sopInstanceUid").GetString(), revised.GetProperty("sopInstanceUid").GetString());
        Assert.NotEqual(fixture.Original.GetProperty("seriesInstanceUid").GetString(), revised.GetProperty("seriesInstanceUid").GetString());
        Assert.Equal("UNVERIFIED", fixture.Original.GetProperty("verificationFlag").GetString());
        Assert.Empty(fixture.Original.GetProperty("predecessors").EnumerateArray());
    }

    [Fact]
    public void SecondRevision_NamesTheFirstAsPredecessor()
    {
        var second = fixture.Write(2);
        var first = fixture.Revised;
        var read = Fixture.Read(second[0]);

        Assert.Equal(first.GetProperty("sopInstanceUid").GetString(), Assert.Single(read.GetProperty("predecessors").EnumerateArray()).GetProperty("sopInstanceUid").GetString());
        Assert.NotEqual(first.GetProperty("sopInstanceUid").GetString(), read.GetProperty("sopInstanceUid").GetString());
        Assert.EndsWith("report-sr-r2.dcm", second[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Revision_ReplacingAnEarlierThanTheOneBefore_NamesThatOneAsPredecessor()
    {
        var third = Fixture.Read(fixture.Write(3, replaces: 0)[0]);

        Assert.Equal(fixture.Original.GetProperty("sopInstanceUid").GetString(), Assert.Single(third.GetProperty("predecessors").EnumerateArray()).GetProperty("sopInstanceUid").GetString());
        Assert.Equal(fixture.Original.GetProperty("seriesInstanceUid").GetString(), third.GetProperty("predecessors")[0].GetProperty("seriesInstanceUid").GetString());
    }

    [Fact]
    public void Dsrdump_WhenRevisedReportRead_NoErrorsOrWarningsAndVerifiedByTheReviewer()
    {
        var output = ExternalProgram.Run("/bin/sh", ["-c", "dsrdump -Ee \"$0\" 2>&1", fixture.RevisedPaths[0]]);

        Assert.DoesNotContain("E: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("W: ", output, StringComparison.Ordinal);
        Assert.Contains("Verification Flag   : VERIFIED", output, StringComparison.Ordinal);
        Assert.Contains("dr reviewer", output, StringComparison.Ordinal);
        Assert.Contains("Predecessor Docs    : 1", output, StringComparison.Ordinal);
        Assert.Contains("CtBone bone density measurements (reviewed, revision 1)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Dciodvfy_WhenRevisedReportAndOverviewChecked_NoErrors()
    {
        var report = Dciodvfy.Check(fixture.RevisedPaths[0]);
        var overview = Dciodvfy.Check(fixture.RevisedPaths[1]);

        Assert.True(report.Errors.Count == 0, report.Output);
        Assert.True(overview.Errors.Count == 0, overview.Output);
        // As for the analysis' own report: only CtBone's declared private coding scheme is unknown to dciodvfy.
        Assert.All(report.Warnings, w => Assert.Contains("<99CTBONE>", w, StringComparison.Ordinal));
        Assert.Empty(overview.Warnings);
        Assert.Equal("CtBone sagittal overview (reviewed, revision 1)", Dcmdump.Value(fixture.RevisedPaths[1], "0008,103e"));
        Assert.Equal("YES", Dcmdump.Value(fixture.RevisedPaths[1], "0028,0301"));
    }

    /// <summary>The standard study's results, stored as JSON; then revision 1 after "what was called T12 is L1", written from the stored input only.</summary>
    public sealed class Fixture : IDisposable
    {
        private readonly TempFolder _folder = new("ctbone-revision");
        private readonly PacsResultFilesTests.Fixture _analysis = new();

        public Fixture()
        {
            Input = StoredResultInput.FromJson(StoredResultInput.ToJson(_analysis.Input));
            var review = new FindingsReview(ScreeningPolicy.Default, new BmdEstimator()).Apply(_analysis.Findings, new FindingsCorrection { ShiftLabels = LabelShift.Down });
            Corrected = review.Corrected ?? throw new InvalidOperationException(review.Problem);
            RevisedPaths = Write(1);
            Original = Read(_analysis.ReportPath);
            Revised = Read(RevisedPaths[0]);
        }

        public PacsResultInput Input { get; }

        public Findings Corrected { get; }

        public IReadOnlyList<string> RevisedPaths { get; }

        public JsonElement Original { get; }

        public JsonElement Revised { get; }

        public IReadOnlyList<string> Write(int revision, int? replaces = null) => PacsResultFiles.Write(
            Input with
            {
                Findings = Corrected,
                CreatedAt = s_reviewedAt,
                Revision = new ResultRevision
                {
                    Number = revision,
                    Replaces = replaces,
                    OriginalFindings = Input.Findings,
                    VerifyingObserverName = "dr reviewer",
                    VerifyingOrganization = "St Elsewhere spine service",
                    VerifiedAt = s_reviewedAt,
                },
            },
            _analysis.Picture,
            _folder.Path);

        public void Dispose()
        {
            _folder.Dispose();
            _analysis.Dispose();
        }

        public static JsonElement Read(string path) => JsonDocument.Parse(ExternalProgram.Run("/usr/bin/python3", [PacsResultFilesTests.Fixture.PydicomSr, path])).RootElement.Clone();
    }
}
