using System.Globalization;
using System.Text;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Core.Volumes;
using static gdcm.VR.VRType;

namespace CtBone.Dicom.Writing;

/// <summary>What the results sent back to PACS are made of: the findings, the source images they name, and the UIDs and time to write them with.</summary>
public sealed record PacsResultInput
{
    /// <summary>A completed findings document.</summary>
    public required Findings Findings { get; init; }

    /// <summary>Each level's ROI mid-slice (<see cref="RoiGeometry.MidSliceSopInstanceUid"/>), read from its file, by SOP Instance UID.</summary>
    public required IReadOnlyDictionary<string, SourceImage> MidSlices { get; init; }

    /// <summary>The image whose patient and study attributes are copied; any image of the analysed series.</summary>
    public required SourceImage PatientSource { get; init; }

    /// <summary>SOP Instance UIDs of every analysed slice of the series (the overview's source images).</summary>
    public IReadOnlyList<string> SeriesInstances { get; init; } = [];

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Set when these results revise the analysis' own after a review; <see cref="Findings"/> are then the corrected ones.</summary>
    public ResultRevision? Revision { get; init; }
}

/// <summary>
/// A reviewer's revision of the results sent back to PACS: new SOP instances in series of their own, the SR VERIFIED by
/// the reviewer and naming the report it replaces (the analysis' own for the first revision, else the one before) in its
/// Predecessor Documents Sequence (PS3.3 C.17.2).
/// </summary>
public sealed record ResultRevision
{
    /// <summary>1 for the first review's results, 2 for the next, and so on.</summary>
    public required int Number { get; init; }

    /// <summary>
    /// The revision this one replaces (0: the analysis' own), named as predecessor; null for the one before. A revision
    /// that was never written is passed over, so that the reference names an instance that exists.
    /// </summary>
    public int? Replaces { get; init; }

    /// <summary>The findings the analysis' own results were written from: their UIDs are derived from them.</summary>
    public required Findings OriginalFindings { get; init; }

    /// <summary>The reviewer, as Verifying Observer Name (0040,A075).</summary>
    public required string VerifyingObserverName { get; init; }

    /// <summary>Verifying Organization (0040,A027), type 1.</summary>
    public required string VerifyingOrganization { get; init; }

    /// <summary>When the review was saved: Verification DateTime (0040,A030).</summary>
    public required DateTimeOffset VerifiedAt { get; init; }
}

/// <summary>
/// Writes the findings as a DICOM Comprehensive SR (SOP class 1.2.840.10008.5.1.4.1.1.88.33) following TID 1500
/// Measurement Report: per measured level a TID 1410-style planar ROI measurement group with an ELLIPSE SCOORD on the
/// ROI's mid-slice (referenced by SOP Class and Instance UID), the level's SNOMED CT finding site, the mean (and SD) HU as
/// NUM items in [hnsf'U], the ROI area, the estimated BMD in mg/cm3 when there is one, and the algorithm's name and
/// version (TID 4019); then the screening result as qualitative evaluations with its wording. Same study and patient as
/// the source (copied from its file), a new series, Manufacturer "CtBone", UNVERIFIED (no person has checked it); a
/// revision (<see cref="PacsResultInput.Revision"/>) is VERIFIED by its reviewer and names its predecessor.
/// </summary>
public static class MeasurementReportWriter
{
    public const string ComprehensiveSrStorage = "1.2.840.10008.5.1.4.1.1.88.33";
    public const string Manufacturer = "CtBone";
    public const int SeriesNumber = 9901;

    /// <summary>Type 2 attributes of the Patient and General Study modules: present, empty when unknown.</summary>
    private static readonly ((ushort Group, ushort Element) Tag, gdcm.VR.VRType Vr)[] s_typeTwo =
    [
        ((0x0010, 0x0010), PN), ((0x0010, 0x0020), LO), ((0x0010, 0x0030), DA), ((0x0010, 0x0040), CS), ((0x0008, 0x0020), DA),
        ((0x0008, 0x0030), TM), ((0x0008, 0x0090), PN), ((0x0020, 0x0010), SH), ((0x0008, 0x0050), SH),
    ];

    /// <summary>Writes the report to <paramref name="path"/>; returns its SOP Instance UID.</summary>
    /// <exception cref="DicomWriteException">GDCM could not write the file.</exception>
    public static string Write(PacsResultInput input, string path)
    {
        var dataSet = Build(input);
        using var writer = new gdcm.Writer();
        var file = writer.GetFile();
        using (var gdcmDataSet = file.GetDataSet())
        {
            dataSet.CopyTo(gdcmDataSet);
        }

        using (var header = file.GetHeader())
        using (var syntax = new gdcm.TransferSyntax(gdcm.TransferSyntax.TSType.ExplicitVRLittleEndian))
        {
            header.SetDataSetTransferSyntax(syntax);
        }

        writer.SetFileName(path);
        if (!writer.Write())
        {
            throw new DicomWriteException($"GDCM could not write {Path.GetFileName(path)}.");
        }

        return dataSet.Attributes.Single(a => a.Tag == DicomTag.SopInstanceUid).Text;
    }

    /// <summary>The report's data set (without the file meta information).</summary>
    internal static DicomItem Build(PacsResultInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var findings = input.Findings;
        if (findings.Status != AnalysisStatus.Completed)
        {
            throw new ArgumentException("only a completed analysis is reported", nameof(input));
        }

        var uids = new ReportUids(input.Revision?.OriginalFindings ?? findings, input.Revision?.Number ?? 0, input.Revision?.Replaces);
        var (algorithm, version) = SplitAlgorithm(findings.AlgorithmVersion);
        var measured = findings.Vertebrae.Where(v => Reportable(v, input.MidSlices) is not null).ToList();
        var referenced = measured.Select(v => input.MidSlices[v.Roi!.MidSliceSopInstanceUid!]).DistinctBy(s => s.SopInstanceUid).ToList();

        var root = SrItem.Container(string.Empty, SrCodes.ImagingMeasurementReport).With(
            SrItem.Code(SrRelationship.HasConceptModifier, SrCodes.LanguageOfContent, SrCodes.English),
            SrItem.Code(SrRelationship.HasObservationContext, SrCodes.ObserverType, SrCodes.Device),
            SrItem.Uid(SrRelationship.HasObservationContext, SrCodes.DeviceObserverUid, ResultUids.FromName("ctbone device observer|" + algorithm)),
            SrItem.Text(SrRelationship.HasObservationContext, SrCodes.DeviceObserverName, algorithm),
            SrItem.Text(SrRelationship.HasObservationContext, SrCodes.DeviceObserverManufacturer, Manufacturer),
            SrItem.Text(SrRelationship.HasObservationContext, SrCodes.DeviceObserverModelName, findings.AlgorithmVersion),
            SrItem.Code(SrRelationship.HasConceptModifier, SrCodes.ProcedureReported, SrCodes.CtUnspecifiedBodyRegion),
            SrItem.Container(SrRelationship.Contains, SrCodes.ImageLibrary).With(
                SrItem.Container(SrRelationship.Contains, SrCodes.ImageLibraryGroup).With(
                    referenced.Select(s => SrItem.Image(SrRelationship.Contains, s.SopClassUid, s.SopInstanceUid)))),
            SrItem.Container(SrRelationship.Contains, SrCodes.ImagingMeasurements).With(
                measured.Select(v => Group(v, input.MidSlices[v.Roi!.MidSliceSopInstanceUid!], uids.Tracking(OriginalLabel(input, v)), algorithm, version))),
            SrItem.Container(SrRelationship.Contains, SrCodes.QualitativeEvaluations).With(Evaluations(findings)));

        // A reviewer's revision is complete: the person verifying it attests its content, levels not measured included
        // (each with its reason), and only a COMPLETE document may be VERIFIED (PS3.3 C.17.2.1).
        var complete = input.Revision is not null
            || (measured.Count == findings.Vertebrae.Count && findings.Screening?.Category is not (null or ScreeningCategory.Indeterminate));
        var item = new DicomItem();
        CopyPatientAndStudy(item, input.PatientSource);
        Common(item, ComprehensiveSrStorage, uids.SrInstance, input.CreatedAt)
            .Text((0x0008, 0x0060), CS, "SR")
            .Text(DicomTag.SeriesInstanceUid, UI, uids.SrSeries)
            .Integer((0x0020, 0x0011), SeriesNumber)
            .Text((0x0008, 0x103E), LO, input.Revision is { } described
                ? FormattableString.Invariant($"CtBone bone density measurements (reviewed, revision {described.Number})")
                : "CtBone bone density measurements (algorithm output, unverified)")
            .Sequence((0x0008, 0x1111))
            .Text((0x0008, 0x1090), LO, algorithm)
            .Text((0x0018, 0x1020), LO, findings.AlgorithmVersion)
            .Text((0x0040, 0xA491), CS, complete ? "COMPLETE" : "PARTIAL")
            .Sequence((0x0040, 0xA372))
            .Sequence((0x0040, 0xA375), Evidence(input.PatientSource.StudyInstanceUid, referenced))
            .Sequence((0x0040, 0xA504), new DicomItem()
                .Text((0x0008, 0x0105), CS, "DCMR")
                .Text((0x0008, 0x0118), UI, "1.2.840.10008.8.1.1")
                .Text((0x0040, 0xDB00), CS, "1500"))
            .Sequence((0x0008, 0x0110), new DicomItem()
                .Text((0x0008, 0x0102), SH, SrCodes.PrivateScheme)
                .Text((0x0008, 0x0115), ST, "CtBone local codes")
                .Text((0x0008, 0x0116), ST, "CtBone project"));
        if (!complete)
        {
            item.Text((0x0040, 0xA492), LO, "Levels excluded or unmeasured, or screening indeterminate");
        }

        if (input.Revision is { } revision)
        {
            Verified(item, revision, input.PatientSource.StudyInstanceUid, uids);
        }
        else
        {
            item.Text((0x0040, 0xA493), CS, "UNVERIFIED");
        }

        return root.ToDicom(item);
    }

    /// <summary>
    /// VERIFIED by the reviewer (SR Document General module, PS3.3 C.17.2: Verifying Observer Sequence with name,
    /// organization and time; the identification code is type 2, empty), and the report it replaces as predecessor.
    /// </summary>
    private static void Verified(DicomItem item, ResultRevision revision, string studyInstanceUid, ReportUids uids)
    {
        item.Text((0x0040, 0xA493), CS, "VERIFIED")
            .Sequence((0x0040, 0xA073), new DicomItem()
                .Text((0x0040, 0xA075), PN, PersonName(revision.VerifyingObserverName))
                .Sequence((0x0040, 0xA088))
                .Text((0x0040, 0xA027), LO, Truncated(revision.VerifyingOrganization.Replace('\\', ' ')))
                .Text((0x0040, 0xA030), DT, revision.VerifiedAt.UtcDateTime.ToString("yyyyMMddHHmmss'+0000'", CultureInfo.InvariantCulture)))
            .Sequence((0x0040, 0xA360), new DicomItem()
                .Text(DicomTag.StudyInstanceUid, UI, studyInstanceUid)
                .Sequence((0x0008, 0x1115), new DicomItem()
                    .Text(DicomTag.SeriesInstanceUid, UI, uids.PredecessorSrSeries)
                    .Sequence((0x0008, 0x1199), SrItem.ReferencedSop(ComprehensiveSrStorage, uids.PredecessorSrInstance))));
    }

    /// <summary>LO values hold at most 64 characters (PS3.5 table 6.2-1).</summary>
    private static string Truncated(string value) => value.Length <= 64 ? value : value[..64];

    /// <summary>
    /// A key's name ("dr jones") as a PN whose family name component is the whole name: its spaces are then part of a
    /// component, not the retired space-separated form dciodvfy warns about.
    /// </summary>
    private static string PersonName(string name)
    {
        var plain = name.Replace('\\', ' ').Replace('^', ' ').Replace('=', ' ').Trim();
        return (plain.Length <= 63 ? plain : plain[..63]) + "^";
    }

    /// <summary>The label the analysis gave a level: a revision's tracking UIDs follow the ROI, not its corrected name.</summary>
    private static string OriginalLabel(PacsResultInput input, LevelFinding level)
    {
        var index = input.Findings.Vertebrae.ToList().IndexOf(level);
        return input.Revision?.OriginalFindings.Vertebrae is { } original && index >= 0 && index < original.Count ? original[index].Level : level.Level;
    }

    /// <summary>The content tree alone, for tests: the measurement groups and evaluations as built.</summary>
    internal static IReadOnlyList<ScoordEllipse> Ellipses(PacsResultInput input) =>
        [.. input.Findings.Vertebrae.Select(v => Reportable(v, input.MidSlices)).OfType<ScoordEllipse>()];

    /// <summary>The SOP Common, General Equipment and content date and time every result object shares.</summary>
    internal static DicomItem Common(DicomItem item, string sopClassUid, string sopInstanceUid, DateTimeOffset createdAt)
    {
        var date = createdAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var time = createdAt.UtcDateTime.ToString("HHmmss", CultureInfo.InvariantCulture);
        return item
            .Text(DicomTag.SopClassUid, UI, sopClassUid)
            .Text(DicomTag.SopInstanceUid, UI, sopInstanceUid)
            .Text((0x0008, 0x0012), DA, date)
            .Text((0x0008, 0x0013), TM, time)
            .Text((0x0008, 0x0021), DA, date)
            .Text((0x0008, 0x0031), TM, time)
            .Text((0x0008, 0x0023), DA, date)
            .Text((0x0008, 0x0033), TM, time)
            .Text((0x0008, 0x0070), LO, Manufacturer)
            .Integer((0x0020, 0x0013), 1);
    }

    /// <summary>
    /// Patient and study attributes as the source has them, with the type 2 ones (PS3.3 C.7.1.1, C.7.2.1) present even
    /// when the source lacks them.
    /// </summary>
    internal static void CopyPatientAndStudy(DicomItem item, SourceImage source)
    {
        foreach (var attribute in source.PatientAndStudy)
        {
            item.Bytes(attribute.Tag, attribute.Vr, attribute.Value ?? []);
        }

        foreach (var (tag, vr) in s_typeTwo)
        {
            if (!item.Has(tag))
            {
                item.Bytes(tag, vr, []);
            }
        }

        item.Text(DicomTag.StudyInstanceUid, UI, source.StudyInstanceUid);
    }

    private static SrItem Group(LevelFinding level, SourceImage slice, string trackingUid, string algorithm, string version)
    {
        var roi = level.Roi!;
        var ellipse = Reportable(level, new Dictionary<string, SourceImage> { [slice.SopInstanceUid] = slice })!;
        SrItem Measurement(CodedConcept concept, double value, CodedConcept unit, CodedConcept? derivation)
        {
            var num = SrItem.Number(SrRelationship.Contains, concept, value, unit);
            if (derivation is not null)
            {
                num.With(SrItem.Code(SrRelationship.HasConceptModifier, SrCodes.Derivation, derivation));
            }

            return num.With(
                SrItem.Text(SrRelationship.HasConceptModifier, SrCodes.AlgorithmName, algorithm),
                SrItem.Text(SrRelationship.HasConceptModifier, SrCodes.AlgorithmVersion, version));
        }

        var group = SrItem.Container(SrRelationship.Contains, SrCodes.MeasurementGroup).With(
            SrItem.Text(SrRelationship.HasObservationContext, SrCodes.TrackingIdentifier, $"{level.Level} trabecular ROI"),
            SrItem.Uid(SrRelationship.HasObservationContext, SrCodes.TrackingUniqueIdentifier, trackingUid),
            SrItem.Code(SrRelationship.HasConceptModifier, SrCodes.FindingSite, SrCodes.VertebraCode(level.Level)),
            SrItem.Scoord(SrRelationship.Contains, SrCodes.ImageRegion, "ELLIPSE", ellipse.GraphicData).With(
                SrItem.Image(SrRelationship.SelectedFrom, slice.SopClassUid, slice.SopInstanceUid)),
            Measurement(SrCodes.AttenuationCoefficient, level.MeanHu!.Value, SrCodes.HounsfieldUnit, SrCodes.Mean));
        if (level.SdHu is { } sd)
        {
            group.With(Measurement(SrCodes.AttenuationCoefficient, sd, SrCodes.HounsfieldUnit, SrCodes.StandardDeviation));
        }

        if (level.AreaMm2 is { } area)
        {
            group.With(Measurement(SrCodes.Area, area, SrCodes.SquareMillimeter, null));
        }

        if (level.EstimatedBmdMgPerCm3 is { } bmd)
        {
            group.With(Measurement(SrCodes.EstimatedVolumetricBmd, bmd, SrCodes.MilligramPerCubicCentimeter, null));
        }

        return group;
    }

    /// <summary>The screening result as a coded finding with its impression, the recommendation, and every level that was not measured and why.</summary>
    private static IEnumerable<SrItem> Evaluations(Findings findings)
    {
        var screening = findings.Screening;
        yield return SrItem.Code(SrRelationship.Contains, SrCodes.Finding, ScreeningCode(screening?.Category ?? ScreeningCategory.Indeterminate));
        yield return SrItem.Text(SrRelationship.Contains, SrCodes.Impression, Impression(screening));
        if (screening?.Recommendation is { Length: > 0 } recommendation)
        {
            yield return SrItem.Text(SrRelationship.Contains, SrCodes.Recommendation, recommendation);
        }

        // A wrong level name is the failure surgeons cannot see in the numbers (CLINICAL.md: transitional anatomy).
        var uncertain = findings.Vertebrae.Where(v => v.Flags.Contains(Core.Spine.LevelFlags.LabelingUncertain)).Select(v => v.Level).ToList();
        if (uncertain.Count > 0)
        {
            var note = findings.Labeling?.Note is { Length: > 0 } n ? " " + n : string.Empty;
            yield return SrItem.Text(SrRelationship.Contains, SrCodes.Finding, $"Level labels uncertain ({string.Join(", ", uncertain)}): check the numbering before relying on a level's name.{note}");
        }

        foreach (var level in findings.Vertebrae.Where(v => v.Excluded || v.MeanHu is null))
        {
            yield return SrItem.Text(SrRelationship.Contains, SrCodes.Finding, $"{level.Level} not measured: {level.ExclusionReason ?? "no ROI could be placed"}");
        }
    }

    /// <summary>
    /// The category as a code of CtBone's own scheme: the meanings say "possible" and "likely", never a diagnosis
    /// (CLINICAL.md, Wording), which a SNOMED CT disorder code would assert.
    /// </summary>
    public static CodedConcept ScreeningCode(ScreeningCategory category) => category switch
    {
        ScreeningCategory.Normal => new("SCREEN-NORMAL", SrCodes.PrivateScheme, "Low bone density not flagged"),
        ScreeningCategory.Osteopenia => new("SCREEN-LOW", SrCodes.PrivateScheme, "Possible low bone density"),
        ScreeningCategory.Osteoporosis => new("SCREEN-OP", SrCodes.PrivateScheme, "Possible low bone density, osteoporosis likely"),
        _ => new("SCREEN-INDET", SrCodes.PrivateScheme, "Bone density not screened (indeterminate)"),
    };

    private static string Impression(ScreeningResult? screening)
    {
        var text = new StringBuilder("Opportunistic CT screening: ");
        if (screening is null || screening.Category == ScreeningCategory.Indeterminate)
        {
            text.Append("no level could be used.");
        }
        else
        {
            text.Append(ScreeningCode(screening.Category).Meaning.ToLowerInvariant());
            if (!string.IsNullOrWhiteSpace(screening.Severity))
            {
                text.Append(" (").Append(screening.Severity).Append(')');
            }

            if (screening.LevelUsed is { } level && screening.Hu is { } hu)
            {
                text.Append(CultureInfo.InvariantCulture, $"; {level} trabecular attenuation {hu:0.0} HU");
            }

            text.Append('.');
            if (screening.Source is { Length: > 0 } source)
            {
                text.Append(" Thresholds: ").Append(source).Append('.');
            }
        }

        // The product's standing wording (CLINICAL.md): possible low bone density; does not replace DXA or QCT.
        return text.Append(' ').Append(ScreeningPolicy.Disclaimer).ToString();
    }

    private static DicomItem Evidence(string studyInstanceUid, IReadOnlyList<SourceImage> images) => new DicomItem()
        .Text(DicomTag.StudyInstanceUid, UI, studyInstanceUid)
        .Sequence((0x0008, 0x1115), images.GroupBy(i => i.SeriesInstanceUid).Select(series => new DicomItem()
            .Text(DicomTag.SeriesInstanceUid, UI, series.Key)
            .Sequence((0x0008, 0x1199), series.Select(i => SrItem.ReferencedSop(i.SopClassUid, i.SopInstanceUid)))));

    /// <summary>The level's ellipse when it can be reported: measured, not excluded, with an ROI on a known slice that has a plane.</summary>
    private static ScoordEllipse? Reportable(LevelFinding level, IReadOnlyDictionary<string, SourceImage> slices) =>
        !level.Excluded && level.MeanHu is not null && level.Roi?.MidSliceSopInstanceUid is { } uid
            && slices.TryGetValue(uid, out var slice) && slice.Plane is { } plane && level.CenterMm is [var x, var y, var z]
            ? RoiEllipse.ToScoord(level.Roi, new Vector3D(x, y, z), plane)
            : null;

    /// <summary>"ctbone-spine 0.1.0" as name and version.</summary>
    internal static (string Name, string Version) SplitAlgorithm(string algorithmVersion)
    {
        var space = algorithmVersion.LastIndexOf(' ');
        return space > 0 ? (algorithmVersion[..space], algorithmVersion[(space + 1)..]) : (algorithmVersion, string.Empty);
    }

    /// <summary>
    /// The UIDs of one result, from the result itself (<see cref="ResultUids"/>): the analysis' findings and, for a
    /// revision, its number, so that each revision is a new instance in a new series and names the one before it.
    /// </summary>
    internal sealed class ReportUids(Findings originalFindings, int revision = 0, int? replaces = null)
    {
        private readonly string _basis = string.Join(
            '|',
            originalFindings.SeriesInstanceUid,
            originalFindings.AlgorithmVersion,
            string.Join(';', originalFindings.Vertebrae.Select(v => FormattableString.Invariant($"{v.Level}:{v.MeanHu}:{v.SdHu}:{v.Roi?.MidSliceSopInstanceUid}:{v.EstimatedBmdMgPerCm3}:{v.Excluded}"))),
            originalFindings.Screening?.Category,
            originalFindings.Screening?.Hu?.ToString(CultureInfo.InvariantCulture));

        public string SrSeries => Of(revision, "sr-series");

        public string SrInstance => Of(revision, "sr");

        public string ScSeries => Of(revision, "sc-series");

        public string ScInstance => Of(revision, "sc");

        /// <summary>The SR this one replaces: the revision before (or the one named), or the analysis' own.</summary>
        public string PredecessorSrSeries => Of(replaces ?? (revision - 1), "sr-series");

        public string PredecessorSrInstance => Of(replaces ?? (revision - 1), "sr");

        public string Tracking(string level) => ResultUids.FromName(_basis + "|tracking|" + level);

        // Revision 0 is the analysis' own: its UIDs are those written before revisions existed.
        private string Of(int number, string what) =>
            ResultUids.FromName(number <= 0 ? _basis + "|" + what : FormattableString.Invariant($"{_basis}|revision {number}|{what}"));
    }
}
