using System.Globalization;
using CtBone.Core.Analysis;
using CtBone.Core.Calibration;
using CtBone.Core.Screening;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace CtBone.Fhir;

/// <summary>
/// Writes one completed analysis as a FHIR R4 Bundle of type <c>collection</c>: a DiagnosticReport whose results are a
/// summary Observation (the screening category) and one Observation per vertebra, with the Patient, the ImagingStudy
/// the numbers come from and the algorithm as a Device. Entries refer to each other by <c>urn:uuid:</c> fullUrls,
/// derived from the analysis id, so the same analysis always gives the same entries.
/// </summary>
/// <remarks>
/// A collection, not a document: a document Bundle needs a Composition first and stands for an attested, immutable
/// clinical document, while this is an algorithm's result that a reviewer may still correct ('amended') and that a
/// receiving system is expected to take apart into its resources.
/// </remarks>
public sealed class AnalysisBundleWriter(FhirExportOptions options)
{
    /// <summary>The media type of FHIR JSON (FHIR R4 http.html#mime-type).</summary>
    public const string MediaType = "application/fhir+json";

    /// <summary>The bundle as FHIR JSON, as <see cref="Build"/> makes it.</summary>
    public string ToJson(AnalysisReportSource source, DateTimeOffset generatedAt) =>
        FhirJsonSerializer.Default.SerializeToString(Build(source, generatedAt));

    /// <summary>The bundle; <paramref name="generatedAt"/> is its timestamp.</summary>
    public Bundle Build(AnalysisReportSource source, DateTimeOffset generatedAt)
    {
        ArgumentNullException.ThrowIfNull(source);
        var findings = source.Findings;
        if (findings.Status != AnalysisStatus.Completed)
        {
            throw new ArgumentException($"analysis {source.AnalysisId} is {findings.Status}: only a completed analysis has a report", nameof(source));
        }

        var context = new ReportContext(source, options);
        var patient = context.Add(Patient(findings), "Patient");
        var imaging = context.Add(ImagingStudy(findings, context.Reference(patient)), "ImagingStudy");
        var device = context.Add(Device(findings.AlgorithmVersion), "Device/" + findings.AlgorithmVersion, perAnalysis: false);

        var levels = new List<(LevelFinding Level, Observation Observation)>();
        for (var i = 0; i < findings.Vertebrae.Count; i++)
        {
            var level = findings.Vertebrae[i];
            var observation = context.NewObservation(CtBoneCodes.TrabecularAttenuation, patient, imaging, device);
            DescribeLevel(observation, level, findings.Bmd, context);
            levels.Add((level, context.Add(observation, $"Observation/level/{i}/{level.Level}")));
        }

        var summary = context.NewObservation(CtBoneCodes.Screening, patient, imaging, device);
        DescribeScreening(summary, findings, context);
        if (levels.FirstOrDefault(l => l.Level.Level == findings.Screening?.LevelUsed) is { Observation: { } used })
        {
            summary.DerivedFrom.Add(context.Reference(used));
        }

        context.Add(summary, "Observation/summary");
        var report = new DiagnosticReport
        {
            Identifier = [new Identifier(options.AnalysisIdentifierSystem, source.AnalysisId)],
            Status = source.Amended ? DiagnosticReport.DiagnosticReportStatus.Amended : DiagnosticReport.DiagnosticReportStatus.Final,
            Category = [Terminology.RadiologyCategory()],
            Code = context.Concept(CtBoneCodes.Report),
            Subject = context.Reference(patient),
            Effective = context.StudyDate(),
            Issued = source.FinishedAt,
            ImagingStudy = [context.Reference(imaging)],
            Result = [context.Reference(summary), .. levels.Select(l => context.Reference(l.Observation))],
            Conclusion = Conclusion(findings.Screening),
            ConclusionCode = [context.Concept(CtBoneCodes.Category(findings.Screening?.Category ?? ScreeningCategory.Indeterminate))],
        };
        context.Add(report, "DiagnosticReport");

        // The report first, then its results in its order, then what they refer to: a reader that shows the entries in
        // order sees the report, the screening and the levels top first.
        var bundle = new Bundle { Type = Bundle.BundleType.Collection, Timestamp = generatedAt };
        bundle.Entry.AddRange(context.Entries.OrderBy(e => e.Resource switch
        {
            DiagnosticReport => 0,
            Observation o when ReferenceEquals(o, summary) => 1,
            Observation => 2,
            _ => 3,
        }));
        return bundle;
    }

    /// <summary>The report's conclusion: the policy's recommendation, which always ends with CtBone's disclaimer.</summary>
    private static string Conclusion(ScreeningResult? screening)
    {
        var text = screening?.Recommendation
            ?? $"Screening: {CtBoneCodes.Category(screening?.Category ?? ScreeningCategory.Indeterminate).Display}.";
        return text.Contains(ScreeningPolicy.Disclaimer, StringComparison.Ordinal) ? text : $"{text} {ScreeningPolicy.Disclaimer}";
    }

    private Patient Patient(Findings findings)
    {
        var patient = new Patient { Name = DicomPersonName.ToHumanNames(findings.Study?.PatientName) };
        if (findings.Study?.PatientId is { } mrn)
        {
            patient.Identifier.Add(new Identifier(options.PatientIdentifierSystem, mrn)
            {
                Use = Identifier.IdentifierUse.Usual,
                Type = Terminology.Coded(Terminology.IdentifierType, "MR", "Medical record number"),
            });
        }

        // PatientSex (0010,0040): M, F or O; anything else is left out rather than guessed.
        patient.Gender = findings.Acquisition?.PatientSex?.Trim().ToUpperInvariant() switch
        {
            "M" => AdministrativeGender.Male,
            "F" => AdministrativeGender.Female,
            "O" => AdministrativeGender.Other,
            _ => null,
        };
        return patient;
    }

    private static ImagingStudy ImagingStudy(Findings findings, ResourceReference patient)
    {
        var study = new ImagingStudy
        {
            Status = Hl7.Fhir.Model.ImagingStudy.ImagingStudyStatus.Available,
            Subject = patient,
            Modality = [Terminology.CtModality()],
            Description = findings.Study?.StudyDescription,
            Started = findings.Study?.StudyDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        if (findings.StudyInstanceUid is { } studyUid)
        {
            // FHIR R4 ImagingStudy: the DICOM Study Instance UID is an identifier of system urn:dicom:uid, value urn:oid:.
            study.Identifier.Add(new Identifier(Terminology.DicomUid, "urn:oid:" + studyUid));
        }

        if (findings.Study?.AccessionNumber is { } accession)
        {
            study.Identifier.Add(new Identifier { Type = Terminology.Coded(Terminology.IdentifierType, "ACSN", "Accession ID"), Value = accession });
        }

        if (findings.SeriesInstanceUid is { } seriesUid)
        {
            var series = new ImagingStudy.SeriesComponent { Uid = seriesUid, Modality = Terminology.CtModality(), Description = "series CtBone analysed" };
            // The mid-slice of each level's ROI, so that a viewer can open the image a number was measured on.
            foreach (var slice in findings.Vertebrae.Where(v => v.Roi?.MidSliceSopInstanceUid is not null).GroupBy(v => v.Roi!.MidSliceSopInstanceUid!))
            {
                series.Instance.Add(new ImagingStudy.InstanceComponent
                {
                    Uid = slice.Key,
                    SopClass = new Coding(Terminology.Rfc3986, "urn:oid:" + Terminology.CtImageStorage),
                    Title = $"ROI mid-slice of {string.Join(", ", slice.Select(v => v.Level))}",
                });
            }

            study.Series.Add(series);
        }

        return study;
    }

    /// <summary>The algorithm: "ctbone-spine 0.1.0" is model ctbone-spine, version 0.1.0.</summary>
    private static Device Device(string algorithmVersion)
    {
        var space = algorithmVersion.LastIndexOf(' ');
        var (name, version) = space > 0 ? (algorithmVersion[..space], algorithmVersion[(space + 1)..]) : (algorithmVersion, algorithmVersion);
        return new Device
        {
            Manufacturer = "CtBone",
            DeviceName = [new Device.DeviceNameComponent { Name = name, Type = DeviceNameType.ModelName }],
            Version = [new Device.VersionComponent { Value = version }],
            Type = new CodeableConcept { Text = "Image analysis software: opportunistic CT screening for possible low bone density" },
            Note = [new Annotation { Text = $"Algorithm {algorithmVersion}. Its results flag possible low bone density; they do not replace DXA or QCT." }],
        };
    }

    private static void DescribeLevel(Observation observation, LevelFinding level, BmdEstimate? bmd, ReportContext context)
    {
        observation.BodySite = Terminology.Vertebra(level.Level);
        observation.Method = context.Concept(CtBoneCodes.TrabecularRoiMethod);
        observation.Method.Text = $"Trabecular ROI on {level.Roi?.Plane ?? "axial"} slices (axial reads 5 to 12 HU higher than sagittal)";
        if (!level.Excluded && level.MeanHu is { } hu)
        {
            observation.Value = Terminology.Hu(hu);
            AddComponent(observation, context.Concept(CtBoneCodes.TrabecularAttenuationSd), level.SdHu is { } sd ? Terminology.Hu(sd) : null);
            AddComponent(observation, context.Concept(CtBoneCodes.TrabecularAttenuationMedian), level.MedianHu is { } median ? Terminology.Hu(median) : null);
            AddComponent(observation, context.Concept(CtBoneCodes.RoiArea), level.AreaMm2 is { } area ? Terminology.Mm2(area) : null);
            AddComponent(observation, context.Concept(CtBoneCodes.EstimatedBmd), level.EstimatedBmdMgPerCm3 is { } density ? Terminology.MgPerCm3(density) : null);
            if (level.EstimatedBmdMgPerCm3 is not null && bmd is not null)
            {
                observation.Note.Add(Note($"Estimated BMD by {bmd.Method}{(bmd.Calibration is { } c ? $" ({c})" : string.Empty)}: approximate, not a QCT or DXA measurement."));
            }
        }
        else
        {
            // Excluded levels stay in the report, without a value: that L1 was left out, and why (a fracture, metal), is
            // itself a finding (CLINICAL.md: a prevalent fracture plus low density means severe osteoporosis).
            var why = level.ExclusionReason ?? "no ROI could be measured";
            observation.DataAbsentReason = new CodeableConcept(Terminology.DataAbsentReason, "not-performed", "Not Performed", "Excluded from density: " + why);
            observation.Note.Add(Note($"{level.Level} excluded from density: {why}."));
        }

        var flags = level.Flags.Count > 0 ? $"; flags: {string.Join(", ", level.Flags)}" : string.Empty;
        observation.Note.Add(Note($"Level label confidence {level.Confidence.ToString("0.##", CultureInfo.InvariantCulture)}{flags}."));
    }

    private static void DescribeScreening(Observation observation, Findings findings, ReportContext context)
    {
        var screening = findings.Screening;
        var category = screening?.Category ?? ScreeningCategory.Indeterminate;
        var local = CtBoneCodes.Category(category);
        observation.Value = new CodeableConcept(context.CodeSystem, local.Code, local.Display, screening?.Severity is { } stated ? $"{local.Display}; {stated}" : local.Display);
        observation.Interpretation = [Terminology.Interpretation(category), context.Concept(local)];
        if (screening is null)
        {
            observation.Note.Add(Note("The analysis holds no screening result."));
            return;
        }

        if (screening.LevelUsed is { } levelUsed)
        {
            observation.Component.Add(new Observation.ComponentComponent { Code = context.Concept(CtBoneCodes.LevelUsed), Value = Terminology.Vertebra(levelUsed) });
        }

        AddComponent(observation, context.Concept(CtBoneCodes.ScreeningHu), screening.Hu is { } hu ? Terminology.Hu(hu) : null);
        AddComponent(observation, context.Concept(CtBoneCodes.ScreeningRawHu), screening.RawHu is { } raw ? Terminology.Hu(raw) : null);
        if (screening.Severity is { } severity)
        {
            var value = severity == CtBoneCodes.Severe.Code ? context.Concept(CtBoneCodes.Severe) : new CodeableConcept { Text = severity };
            observation.Component.Add(new Observation.ComponentComponent { Code = context.Concept(CtBoneCodes.ScreeningSeverity), Value = value });
        }

        AddComponent(observation, context.Concept(CtBoneCodes.L1ToL4MeanHu), screening.L1ToL4MeanHu is { } mean ? Terminology.Hu(mean) : null);
        AddComponent(observation, context.Concept(CtBoneCodes.MeanEstimatedBmd), findings.Bmd?.MeanBmdMgPerCm3 is { } bmd ? Terminology.MgPerCm3(bmd) : null);

        var notes = new List<string?>
        {
            screening.LevelUsedReason,
            screening.Source is { } source ? "Category decided by: " + source : null,
            screening.L1ToL4MeanHu is not null ? $"L1-L4 mean of {screening.L1ToL4LevelCount} usable level(s). Source: {screening.L1ToL4Source}" : null,
            screening.PolicyName is { } policy ? $"Screening policy {policy}, version {screening.PolicyVersion}." : null,
        };
        notes.AddRange(screening.Thresholds.Select(t => $"Threshold {t.Id}: {Number(t.Value)} {t.Unit}, {t.Rule}. Source: {t.Source}"));
        notes.AddRange(screening.Adjustments.Select(a => $"Adjustment {a.Kind}: {Number(a.DeltaHu)} HU, {(a.Applied ? "applied" : "not applied")}. {a.Note} Source: {a.Source}"));
        notes.AddRange(screening.RiskNotes.Select(r => $"{r.Text} Source: {r.Source}"));
        notes.AddRange(screening.Caveats.Select(c => "Caveat: " + c));
        if (screening.AgeReference is { } age)
        {
            notes.Add($"Age reference (reference data only): z-score {Number(age.ZScore)}. {age.Note} Source: {age.Source}");
        }

        if (findings.Bmd is { MeanBmdMgPerCm3: not null } bmdEstimate)
        {
            notes.Add($"Estimated BMD ({bmdEstimate.Method}, mean of {string.Join(" and ", bmdEstimate.MeanLevels)}): approximate. {bmdEstimate.Source}");
        }

        observation.Note.AddRange(notes.OfType<string>().Select(Note));
    }

    private static void AddComponent(Observation observation, CodeableConcept code, Quantity? value)
    {
        if (value is not null)
        {
            observation.Component.Add(new Observation.ComponentComponent { Code = code, Value = value });
        }
    }

    private static Annotation Note(string text) => new() { Text = text };

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>The entries made so far, their urn:uuid names, and what every resource of one report shares.</summary>
    private sealed class ReportContext(AnalysisReportSource source, FhirExportOptions options)
    {
        public List<Bundle.EntryComponent> Entries { get; } = [];

        public string CodeSystem => options.CodeSystem;

        /// <summary>Gives <paramref name="resource"/> its id and fullUrl: a UUID named by the analysis id and its role in the report.</summary>
        public T Add<T>(T resource, string role, bool perAnalysis = true)
            where T : Resource
        {
            var uuid = NameBasedUuid.Create(perAnalysis ? $"ctbone/analysis/{source.AnalysisId}/{role}" : $"ctbone/{role}");
            resource.Id = uuid.ToString("D");
            Entries.Add(new Bundle.EntryComponent { FullUrl = "urn:uuid:" + resource.Id, Resource = resource });
            return resource;
        }

        public ResourceReference Reference(Resource resource) =>
            Entries.FirstOrDefault(e => ReferenceEquals(e.Resource, resource)) is { } entry
                ? new ResourceReference(entry.FullUrl)
                : throw new InvalidOperationException($"{resource.TypeName} is referred to before it is in the bundle");

        public CodeableConcept Concept(LocalCode code) => new(options.CodeSystem, code.Code, code.Display, code.Display);

        public FhirDateTime? StudyDate() => source.Findings.Study?.StudyDate is { } date ? new FhirDateTime(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) : null;

        public Observation NewObservation(LocalCode code, Patient patient, ImagingStudy imaging, Device device) => new()
        {
            Status = source.Amended ? ObservationStatus.Amended : ObservationStatus.Final,
            Category = [Terminology.ImagingCategory()],
            Code = Concept(code),
            Subject = Reference(patient),
            Effective = StudyDate(),
            Issued = source.FinishedAt,
            Device = Reference(device),
            DerivedFrom = [Reference(imaging)],
        };
    }
}
