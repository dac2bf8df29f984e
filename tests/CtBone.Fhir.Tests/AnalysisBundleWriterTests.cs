using System.Globalization;
using System.Text.RegularExpressions;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Core.Series;
using Hl7.Fhir.Model;

namespace CtBone.Fhir.Tests;

/// <summary>
/// The FHIR bundle of a real analysis: <c>ctbone analyze test-dicoms/fracture-l1 --format json</c> (osteoporotic bone,
/// L1 fractured and excluded, L2 used for screening, T10 and L4 cut by the field of view), written, serialized, parsed
/// back strictly and validated, then read the way a receiving system would.
/// </summary>
public sealed partial class AnalysisBundleWriterTests
{
    private const string AnalysisId = "a-fracture-l1";
    private const string Ucum = "http://unitsofmeasure.org";
    private const string Snomed = "http://snomed.info/sct";
    private static readonly DateTimeOffset s_finished = new(2024, 3, 16, 8, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_generated = new(2024, 3, 16, 9, 0, 0, TimeSpan.Zero);
    private static readonly FhirExportOptions s_options = new() { PatientIdentifierSystem = "urn:oid:1.2.156.112605.1" };

    private static Findings FractureL1 { get; } = FhirConformance.FractureL1();

    [Fact]
    public void ToJson_FractureL1_ParsesStrictlyAndHasNoStructuralErrors()
    {
        var json = Json(FractureL1);

        var bundle = FhirConformance.ParseStrict(json);

        Assert.Empty(FhirConformance.StructuralErrors(bundle));
        Assert.Equal(Bundle.BundleType.Collection, bundle.Type);
        Assert.Equal(s_generated, bundle.Timestamp);
        // Report, summary, seven levels, patient, imaging study, device.
        Assert.Equal(12, bundle.Entry.Count);
        Assert.IsType<DiagnosticReport>(bundle.Entry[0].Resource);
        Assert.Equal(CtBoneCodes.Screening.Code, Assert.IsType<Observation>(bundle.Entry[1].Resource).Code.Coding[0].Code);
        Assert.Equal(Single<DiagnosticReport>(bundle).Result.Select(r => r.Reference), bundle.Entry.Skip(1).Take(8).Select(e => e.FullUrl));
    }

    [Fact]
    public void StructuralErrors_WhenRequiredElementsAreMissing_AreReported()
    {
        var bundle = Parsed(FractureL1);
        var observation = Observations(bundle).First();
        observation.Status = null;
        Single<ImagingStudy>(bundle).Series[0].Modality = null;

        var errors = FhirConformance.StructuralErrors(bundle);

        Assert.Contains(errors, e => e.Contains("status", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(errors, e => e.Contains("modality", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Build_EveryReference_ResolvesToAUrnUuidEntryOfTheBundle()
    {
        var json = Json(FractureL1);
        var bundle = FhirConformance.ParseStrict(json);

        var fullUrls = bundle.Entry.Select(e => e.FullUrl).ToList();
        var references = ReferencePattern().Matches(json).Select(m => m.Groups[1].Value).ToList();

        Assert.All(fullUrls, url => Assert.Matches("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", url));
        Assert.Equal(fullUrls.Count, fullUrls.Distinct().Count());
        Assert.All(bundle.Entry, e => Assert.Equal("urn:uuid:" + e.Resource.Id, e.FullUrl));
        Assert.True(references.Count > 20, $"only {references.Count} references");
        Assert.All(references, r => Assert.Contains(r, fullUrls));
        var report = Single<DiagnosticReport>(bundle);
        Assert.Equal(Observations(bundle).Count, report.Result.Count);
        Assert.Equal(FullUrl<ImagingStudy>(bundle), Assert.Single(report.ImagingStudy).Reference);
        Assert.All(Observations(bundle), o =>
        {
            Assert.Equal(FullUrl<Patient>(bundle), o.Subject.Reference);
            Assert.Equal(FullUrl<Device>(bundle), o.Device.Reference);
            Assert.Contains(FullUrl<ImagingStudy>(bundle), o.DerivedFrom.Select(d => d.Reference));
        });
    }

    [Fact]
    public void Build_FractureL1_NoLoincCodeAnywhere()
    {
        var json = Json(FractureL1);

        // DXA codes (LOINC bone density panels, T- and Z-scores) must not describe CT-derived values; no LOINC at all.
        Assert.DoesNotContain("loinc", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("T-score", json, StringComparison.OrdinalIgnoreCase);
        Assert.All(Codings(Parsed(FractureL1)), c => Assert.Contains(c.System, new[] { CtBoneCodes.DefaultSystem, Snomed, Ucum, "http://terminology.hl7.org/CodeSystem/observation-category", "http://terminology.hl7.org/CodeSystem/v2-0074", "http://terminology.hl7.org/CodeSystem/v2-0203", "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "http://terminology.hl7.org/CodeSystem/data-absent-reason", "http://dicom.nema.org/resources/ontology/DCM", "urn:ietf:rfc:3986" }));
    }

    [Fact]
    public void Build_FractureL1_OneObservationPerLevelWithMeanHuInUcumHounsfieldAndSnomedBodySite()
    {
        var bundle = Parsed(FractureL1);
        var levels = LevelObservations(bundle);

        Assert.Equal(FractureL1.Vertebrae.Select(v => v.Level), levels.Select(o => o.BodySite.Text));
        foreach (var level in FractureL1.Vertebrae.Where(v => !v.Excluded))
        {
            var observation = levels.Single(o => o.BodySite.Text == level.Level);
            var value = Assert.IsType<Quantity>(observation.Value);
            Assert.Equal((decimal)level.MeanHu!.Value, value.Value);
            Assert.Equal(Ucum, value.System);
            Assert.Equal("[hnsf'U]", value.Code);
            Assert.Equal("HU", value.Unit);
            Assert.Null(observation.DataAbsentReason);
            Assert.Equal(CtBoneCodes.TrabecularAttenuation.Code, observation.Code.Coding.Single().Code);
            Assert.Equal(ObservationStatus.Final, observation.Status);
            Assert.Equal("2024-03-15", ((FhirDateTime)observation.Effective).Value);
        }

        var l2 = levels.Single(o => o.BodySite.Text == "L2");
        Assert.Equal(70.2m, ((Quantity)l2.Value).Value);
        Assert.Equal(new[] { (Snomed, "14293000") }, l2.BodySite.Coding.Select(c => (c.System, c.Code)));
        Assert.Equal("66794005", levels.Single(o => o.BodySite.Text == "L1").BodySite.Coding.Single().Code);
        Assert.Equal("23215003", levels.Single(o => o.BodySite.Text == "T12").BodySite.Coding.Single().Code);
    }

    [Fact]
    public void Build_FractureL1_EstimatedBmdIsAComponentInMgPerCm3()
    {
        var levels = LevelObservations(Parsed(FractureL1));

        foreach (var level in FractureL1.Vertebrae)
        {
            var bmd = levels.Single(o => o.BodySite.Text == level.Level).Component.SingleOrDefault(c => c.Code.Coding[0].Code == CtBoneCodes.EstimatedBmd.Code);
            if (level.EstimatedBmdMgPerCm3 is { } expected)
            {
                var value = Assert.IsType<Quantity>(bmd?.Value);
                Assert.Equal(Math.Round((decimal)expected, 1), value.Value);
                Assert.Equal(("mg/cm3", Ucum), (value.Code, value.System));
            }
            else
            {
                Assert.Null(bmd);
            }
        }

        Assert.Equal(73.3m, ((Quantity)levels.Single(o => o.BodySite.Text == "L2").Component.Single(c => c.Code.Coding[0].Code == CtBoneCodes.EstimatedBmd.Code).Value).Value);
    }

    [Fact]
    public void Build_FractureL1_ExcludedLevelsHaveNoValueButADataAbsentReasonAndTheirReason()
    {
        var levels = LevelObservations(Parsed(FractureL1));

        var l1 = levels.Single(o => o.BodySite.Text == "L1");
        Assert.Null(l1.Value);
        Assert.Empty(l1.Component);
        Assert.Equal("not-performed", l1.DataAbsentReason.Coding.Single().Code);
        Assert.Contains("fracture: moderate (Genant)", l1.DataAbsentReason.Text, StringComparison.Ordinal);
        Assert.Contains(l1.Note, n => n.Text.Contains("L1 excluded from density: fracture", StringComparison.Ordinal));
        Assert.Contains(l1.Note, n => n.Text.Contains("flags: fracture", StringComparison.Ordinal));
        Assert.All(levels.Where(o => o.BodySite.Text is "T10" or "L4"), o =>
        {
            Assert.Null(o.Value);
            Assert.Contains("partial coverage", o.DataAbsentReason.Text, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Build_FractureL1_SummaryHasCategoryAsValueAndInterpretationLevelUsedHuAndThresholdsWithSources()
    {
        var bundle = Parsed(FractureL1);
        var summary = Summary(bundle);
        var screening = FractureL1.Screening!;

        var value = Assert.IsType<CodeableConcept>(summary.Value);
        Assert.Equal((CtBoneCodes.DefaultSystem, "osteoporosis"), (value.Coding.Single().System, value.Coding.Single().Code));
        Assert.Contains("severe", value.Text, StringComparison.Ordinal);
        Assert.Contains(summary.Interpretation, i => i.Coding.Single() is { System: "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", Code: "L" });
        Assert.Contains(summary.Interpretation, i => i.Coding.Single() is { System: CtBoneCodes.DefaultSystem, Code: "osteoporosis" });
        var levelUsed = Assert.IsType<CodeableConcept>(Component(summary, CtBoneCodes.LevelUsed).Value);
        Assert.Equal("L2", levelUsed.Text);
        Assert.Equal("14293000", levelUsed.Coding.Single().Code);
        Assert.Equal(70.2m, ((Quantity)Component(summary, CtBoneCodes.ScreeningHu).Value).Value);
        Assert.Equal("[hnsf'U]", ((Quantity)Component(summary, CtBoneCodes.ScreeningHu).Value).Code);
        Assert.Equal("severe", ((CodeableConcept)Component(summary, CtBoneCodes.ScreeningSeverity).Value).Coding.Single().Code);
        Assert.Equal(71.2m, ((Quantity)Component(summary, CtBoneCodes.L1ToL4MeanHu).Value).Value);
        var notes = summary.Note.Select(n => n.Text).ToList();
        Assert.Equal(["normal", "osteoporosis", "severe"], screening.Thresholds.Take(3).Select(t => t.Id));
        foreach (var threshold in screening.Thresholds)
        {
            Assert.Contains(notes, n => n.StartsWith(string.Create(CultureInfo.InvariantCulture, $"Threshold {threshold.Id}: {threshold.Value:0.##} {threshold.Unit}, {threshold.Rule}."), StringComparison.Ordinal)
                && n.EndsWith("Source: " + threshold.Source, StringComparison.Ordinal));
        }

        Assert.Contains(notes, n => n.Contains("L1 excluded: fracture", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("4.1-fold risk of screw loosening", StringComparison.Ordinal) && n.Contains("Sci Rep 2023", StringComparison.Ordinal));
        var l2 = LevelObservations(bundle).Single(o => o.BodySite.Text == "L2");
        Assert.Contains("urn:uuid:" + l2.Id, summary.DerivedFrom.Select(d => d.Reference));
    }

    [Fact]
    public void Build_FractureL1_DiagnosticReportIsFinalWithLocalCodeDatesAndTheDisclaimerInItsConclusion()
    {
        var report = Single<DiagnosticReport>(Parsed(FractureL1));

        Assert.Equal(DiagnosticReport.DiagnosticReportStatus.Final, report.Status);
        Assert.Equal((CtBoneCodes.DefaultSystem, CtBoneCodes.Report.Code, CtBoneCodes.Report.Display), (report.Code.Coding.Single().System, report.Code.Coding.Single().Code, report.Code.Coding.Single().Display));
        Assert.Equal(("RAD", "Radiology"), (report.Category.Single().Coding.Single().Code, report.Category.Single().Coding.Single().Display));
        Assert.Equal("2024-03-15", ((FhirDateTime)report.Effective).Value);
        Assert.Equal(s_finished, report.Issued);
        Assert.Equal(("https://ctbone.example/fhir/sid/analysis", AnalysisId), (report.Identifier.Single().System, report.Identifier.Single().Value));
        Assert.Contains("possible low bone density", report.Conclusion, StringComparison.Ordinal);
        Assert.Contains("does not replace DXA or QCT", report.Conclusion, StringComparison.Ordinal);
        Assert.StartsWith("Osteoporosis is likely at L2 (70.2 HU", report.Conclusion, StringComparison.Ordinal);
        Assert.Equal("osteoporosis", report.ConclusionCode.Single().Coding.Single().Code);
    }

    [Fact]
    public void Build_WhenAmended_ReportAndEveryObservationAreAmended()
    {
        var bundle = FhirConformance.ParseStrict(new AnalysisBundleWriter(s_options).ToJson(Source(FractureL1) with { Amended = true }, s_generated));

        Assert.Equal(DiagnosticReport.DiagnosticReportStatus.Amended, Single<DiagnosticReport>(bundle).Status);
        Assert.All(Observations(bundle), o => Assert.Equal(ObservationStatus.Amended, o.Status));
        Assert.Empty(FhirConformance.StructuralErrors(bundle));
    }

    [Fact]
    public void Build_FractureL1_PatientHasTheMrnUnderTheConfiguredSystemAndTheNameFromThePersonName()
    {
        var patient = Single<Patient>(Parsed(FractureL1));

        var mrn = patient.Identifier.Single();
        Assert.Equal(("urn:oid:1.2.156.112605.1", "PH-OSTEOPOROTIC-104"), (mrn.System, mrn.Value));
        Assert.Equal("MR", mrn.Type.Coding.Single().Code);
        var name = patient.Name.Single();
        Assert.Equal("PHANTOM", name.Family);
        Assert.Equal(["OSTEOPOROTIC"], name.Given);
        Assert.Equal(AdministrativeGender.Female, patient.Gender);
    }

    [Fact]
    public void Build_FractureL1_ImagingStudyHasTheStudyUidAsUrnOidTheSeriesAndTheRoiSlices()
    {
        var study = Single<ImagingStudy>(Parsed(FractureL1));

        Assert.Contains(study.Identifier, i => i.System == "urn:dicom:uid" && i.Value == "urn:oid:" + FractureL1.StudyInstanceUid);
        Assert.Contains(study.Identifier, i => i.Value == FractureL1.Study!.AccessionNumber && i.Type.Coding.Single().Code == "ACSN");
        var series = study.Series.Single();
        Assert.Equal(FractureL1.SeriesInstanceUid, series.Uid);
        Assert.Equal("CT", series.Modality.Code);
        Assert.Equal(FractureL1.Vertebrae.Select(v => v.Roi?.MidSliceSopInstanceUid).OfType<string>().Distinct(), series.Instance.Select(i => i.Uid));
        Assert.All(series.Instance, i => Assert.Equal("urn:oid:1.2.840.10008.5.1.4.1.1.2", i.SopClass.Code));
        Assert.Equal("2024-03-15", study.Started);
    }

    [Fact]
    public void Build_FractureL1_DeviceNamesTheAlgorithmAndItsVersion()
    {
        var device = Single<Device>(Parsed(FractureL1));

        Assert.Equal("ctbone-spine", device.DeviceName.Single().Name);
        Assert.Equal(DeviceNameType.ModelName, device.DeviceName.Single().Type);
        Assert.Equal("0.1.0", device.Version.Single().Value);
    }

    [Fact]
    public void Build_SameAnalysisTwice_SameFullUrlsAndOtherAnalysesOtherOnesButTheSameDevice()
    {
        var first = Parsed(FractureL1).Entry.Select(e => e.FullUrl).ToList();
        var again = Parsed(FractureL1).Entry.Select(e => e.FullUrl).ToList();
        var other = FhirConformance.ParseStrict(new AnalysisBundleWriter(s_options).ToJson(Source(FractureL1) with { AnalysisId = "another" }, s_generated));

        Assert.Equal(first, again);
        Assert.Single(other.Entry.Select(e => e.FullUrl).Intersect(first));
        Assert.Equal(FullUrl<Device>(other), first.Single(u => other.Entry.Any(e => e.FullUrl == u)));
    }

    [Fact]
    public void Build_WhenCodeSystemConfigured_EveryLocalCodeUsesIt()
    {
        const string system = "https://hospital.example/fhir/CodeSystem/ctbone";
        var json = new AnalysisBundleWriter(new FhirExportOptions { CodeSystem = system }).ToJson(Source(FractureL1), s_generated);

        Assert.DoesNotContain(CtBoneCodes.DefaultSystem, json, StringComparison.Ordinal);
        Assert.Contains(Codings(FhirConformance.ParseStrict(json)), c => c.System == system && c.Code == CtBoneCodes.Report.Code);
    }

    [Fact]
    public void Build_WhenFindingsAreMinimal_StillParsesAndValidates()
    {
        var findings = new Findings
        {
            Status = AnalysisStatus.Completed,
            AlgorithmVersion = "unversioned",
            Screening = new ScreeningResult { Category = ScreeningCategory.Indeterminate },
        };

        var bundle = Parsed(findings);

        Assert.Empty(FhirConformance.StructuralErrors(bundle));
        Assert.Empty(LevelObservations(bundle));
        Assert.Empty(Single<Patient>(bundle).Identifier);
        Assert.Null(Single<DiagnosticReport>(bundle).Effective);
        Assert.Equal("IND", Summary(bundle).Interpretation[0].Coding.Single().Code);
        Assert.Contains("does not replace DXA or QCT", Single<DiagnosticReport>(bundle).Conclusion, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_WhenAnalysisWasRejected_Throws()
    {
        var rejected = new Findings { Status = AnalysisStatus.Rejected, AlgorithmVersion = "x", Reason = "not a CT", Study = new StudyIdentity() };

        Assert.Throws<ArgumentException>(() => new AnalysisBundleWriter(s_options).Build(Source(rejected), s_generated));
    }

    private static AnalysisReportSource Source(Findings findings) => new() { AnalysisId = AnalysisId, Findings = findings, FinishedAt = s_finished };

    private static string Json(Findings findings) => new AnalysisBundleWriter(s_options).ToJson(Source(findings), s_generated);

    private static Bundle Parsed(Findings findings) => FhirConformance.ParseStrict(Json(findings));

    private static T Single<T>(Bundle bundle)
        where T : Resource => bundle.Entry.Select(e => e.Resource).OfType<T>().Single();

    private static string FullUrl<T>(Bundle bundle)
        where T : Resource => bundle.Entry.Single(e => e.Resource is T).FullUrl;

    private static List<Observation> Observations(Bundle bundle) => [.. bundle.Entry.Select(e => e.Resource).OfType<Observation>()];

    private static List<Observation> LevelObservations(Bundle bundle) =>
        [.. Observations(bundle).Where(o => o.Code.Coding[0].Code == CtBoneCodes.TrabecularAttenuation.Code)];

    private static Observation Summary(Bundle bundle) => Observations(bundle).Single(o => o.Code.Coding[0].Code == CtBoneCodes.Screening.Code);

    private static Observation.ComponentComponent Component(Observation observation, LocalCode code) =>
        observation.Component.Single(c => c.Code.Coding.Single().Code == code.Code);

    private static List<Coding> Codings(Base instance) =>
        [.. instance.EnumerateElements().SelectMany(e => e.Value is IEnumerable<Base> many ? many : e.Value is Base one ? [one] : [])
            .SelectMany(child => child is Coding coding ? [coding] : Codings(child))];

    [GeneratedRegex("\"reference\":\"([^\"]+)\"")]
    private static partial Regex ReferencePattern();
}
