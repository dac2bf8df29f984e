using System.Globalization;
using CtBone.Core.Analysis;
using CtBone.Core.Series;
using CtBone.Core.Spine;

namespace CtBone.Core.Screening;

/// <summary>
/// Turns level measurements into a screening category (CLINICAL.md): L1 trabecular HU, or the nearest usable of
/// <see cref="ScreeningPolicyOptions.FallbackLevels"/>, compared with cited thresholds after the contrast and kVp
/// adjustments the policy allows. It flags possible low bone density and never replaces DXA or QCT.
/// </summary>
/// <remarks>
/// A policy file is JSON in CtBone's shape (camelCase); every member is optional and overrides the default of
/// <see cref="ScreeningPolicyOptions"/>, an overridden threshold must carry its source, and an unknown member is an
/// error. <c>src/CtBone.Core/Screening/default-policy.json</c> spells out the defaults. For example:
/// <code>
/// { "name": "site-a", "version": "2025-06",
///   "normalAboveHu": { "hu": 150, "source": "Site A re-validation against DXA, 2025" },
///   "kvpCorrection": { "enabled": true } }
/// </code>
/// </remarks>
public sealed class ScreeningPolicy
{
    /// <summary>Appended to every recommendation (CLINICAL.md wording).</summary>
    public const string Disclaimer = "CtBone flags possible low bone density: it cannot rule it out and does not replace DXA or QCT.";

    private const string PrimaryLevel = "L1";
    /// <summary>The severity word of the findings (screening and QCT band alike).</summary>
    public const string Severe = "severe";

    // Tube voltages within this of the reference count as the reference (DICOM KVP is often written as 120.0 or 119.9).
    /// <summary>kVp read within this of a nominal value counts as that value (scanners write 119.9 for 120).</summary>
    internal const double KvpToleranceKv = 0.5;

    // CLINICAL.md: recommendation 1 of the fusion guideline applies from this age.
    private const double FusionAssessmentAgeYears = 60;

    public ScreeningPolicy(ScreeningPolicyOptions? options = null)
    {
        Options = options ?? new ScreeningPolicyOptions();
        var errors = Options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid screening policy: {string.Join("; ", errors)}.", nameof(options));
        }

        Thresholds = DescribeThresholds(Options);
    }

    /// <summary>The policy with CLINICAL.md's defaults.</summary>
    public static ScreeningPolicy Default { get; } = new();

    public ScreeningPolicyOptions Options { get; }

    /// <summary>Every number of the policy with its source: the <c>thresholds</c> block of each result.</summary>
    public IReadOnlyList<PolicyThreshold> Thresholds { get; }

    /// <summary>Reads a policy file's text; throws <see cref="FormatException"/> listing what is wrong.</summary>
    public static ScreeningPolicy FromJson(string json) => Parse(json, "screening policy");

    /// <summary>Reads a policy file (small, read once at start-up); throws <see cref="FormatException"/> naming the file and what is wrong.</summary>
    public static ScreeningPolicy Load(string path) => Parse(File.ReadAllText(path), $"screening policy '{path}'");

    /// <summary>
    /// Screens one series. <paramref name="levels"/> are the finder's levels (any order); <paramref name="acquisition"/>
    /// gives contrast phase, kVp and age; both it and <paramref name="labeling"/> may be missing, which the result says.
    /// </summary>
    public ScreeningResult Screen(IReadOnlyList<LevelFinding> levels, AcquisitionSummary? acquisition, LabelingSummary? labeling)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var caveats = new List<string>();
        var adjustments = StudyAdjustments(acquisition, caveats);
        var deltaHu = adjustments.Where(a => a.Applied).Sum(a => a.DeltaHu);
        var uncertain = LabelingUncertain(levels, labeling, caveats);
        var fractures = levels.Where(DensityLevels.IsFractured).ToList();
        var l1ToL4 = DensityLevels.UsableL1ToL4(levels);
        var (used, levelReason) = ChooseLevel(levels);

        var result = new ScreeningResult
        {
            Category = ScreeningCategory.Indeterminate,
            LevelUsedReason = levelReason,
            Adjustments = adjustments,
            L1ToL4MeanHu = l1ToL4.Count > 0 ? l1ToL4.Average(l => l.MeanHu!.Value + deltaHu) : null,
            L1ToL4LevelCount = l1ToL4.Count,
            L1ToL4Source = l1ToL4.Count > 0 ? ClinicalSources.Zou2020JNeurosurgSpine : null,
            Levels = [.. levels.Select(l => ScreenLevel(l, deltaHu))],
            PolicyName = Options.Name,
            PolicyVersion = Options.Version,
            Thresholds = Thresholds,
        };

        if (used is null)
        {
            return result with
            {
                Recommendation = $"Bone density could not be screened: {levelReason} Consider DXA or QCT. {Disclaimer}",
                Caveats = caveats,
            };
        }

        var rawHu = used.MeanHu!.Value;
        var hu = rawHu + deltaHu;
        var (category, severity, source) = Categorize(hu, fractures.Count > 0);
        var ageReference = AgeReferenceFor(hu, used.Level, acquisition, caveats);
        var confidence = Math.Min(used.Confidence, labeling?.Confidence ?? 1) * (uncertain ? Options.LabelingUncertainConfidenceFactor : 1);
        return result with
        {
            Category = category,
            Severity = severity,
            LevelUsed = used.Level,
            Hu = hu,
            RawHu = rawHu,
            Source = source,
            Recommendation = Recommend(category, severity, used.Level, hu, fractures, acquisition?.PatientAgeYears),
            RiskNotes = [.. Options.RiskNotes.Where(n => Applies(n, hu)).Select(n => new RiskNote(n.Id, n.Hu, n.Text, n.Source))],
            AgeReference = ageReference,
            Caveats = caveats,
            Confidence = Math.Clamp(confidence, 0, 1),
        };
    }

    private static ScreeningPolicy Parse(string json, string document)
    {
        var options = StrictJson.Deserialize<ScreeningPolicyOptions>(json, document);
        StrictJson.ThrowIfInvalid(options.Validate(), document);
        return new ScreeningPolicy(options);
    }

    private static bool Applies(RiskNoteRule note, double hu) => note.AtOrBelow ? hu <= note.Hu : hu < note.Hu;

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private (LevelFinding? Used, string Reason) ChooseLevel(IReadOnlyList<LevelFinding> levels)
    {
        var l1 = DensityLevels.Find(levels, PrimaryLevel);
        var whyNotL1 = DensityLevels.WhyUnusable(l1);
        if (whyNotL1 is null)
        {
            return (l1, "L1 is the primary level.");
        }

        var order = string.Join(", ", Options.FallbackLevels);
        var tried = new List<string> { $"L1 {whyNotL1}" };
        foreach (var name in Options.FallbackLevels)
        {
            var candidate = DensityLevels.Find(levels, name);
            var whyNot = DensityLevels.WhyUnusable(candidate);
            if (whyNot is null)
            {
                return (candidate, $"L1 {whyNotL1}; {candidate!.Level} is the nearest usable level (tried in the order {order}).");
            }

            tried.Add($"{name} {whyNot}");
        }

        return (null, $"No usable level: {string.Join("; ", tried)}.");
    }

    private ScreeningLevel ScreenLevel(LevelFinding level, double deltaHu)
    {
        var reason = DensityLevels.WhyUnusable(level);
        double? adjusted = level.MeanHu is { } raw && double.IsFinite(raw) ? raw + deltaHu : null;
        return new ScreeningLevel
        {
            Level = level.Level,
            RawHu = level.MeanHu,
            AdjustedHu = adjusted,
            Usable = reason is null,
            Reason = reason,
            RiskNotes = reason is null && adjusted is { } hu ? [.. Options.RiskNotes.Where(n => Applies(n, hu)).Select(n => n.Id)] : [],
        };
    }

    private (ScreeningCategory Category, string? Severity, string Source) Categorize(double hu, bool fracture)
    {
        var o = Options;
        if (hu > o.NormalAboveHu.Hu)
        {
            return (ScreeningCategory.Normal, null, o.NormalAboveHu.Source);
        }

        if (hu > o.OsteoporosisAtOrBelowHu.Hu)
        {
            return (ScreeningCategory.Osteopenia, null, Join(o.NormalAboveHu.Source, o.OsteoporosisAtOrBelowHu.Source));
        }

        var sources = new List<string> { o.OsteoporosisAtOrBelowHu.Source };
        if (hu <= o.SevereAtOrBelowHu.Hu)
        {
            sources.Add(o.SevereAtOrBelowHu.Source);
        }

        if (fracture)
        {
            sources.Add(o.FractureSeveritySource);
        }

        return (ScreeningCategory.Osteoporosis, sources.Count > 1 ? Severe : null, Join([.. sources]));
    }

    private static string Join(params string[] sources) => string.Join("; ", sources.Distinct(StringComparer.Ordinal));

    private string Recommend(ScreeningCategory category, string? severity, string level, double hu, List<LevelFinding> fractures, double? ageYears)
    {
        var o = Options;
        var at = $"at {level} ({Number(hu)} HU";
        var text = category switch
        {
            ScreeningCategory.Normal => $"Low bone density is not flagged {at}, above {Number(o.NormalAboveHu.Hu)} HU).",
            ScreeningCategory.Osteopenia =>
                $"Low bone density is possible {at}, between {Number(o.OsteoporosisAtOrBelowHu.Hu)} and {Number(o.NormalAboveHu.Hu)} HU): recommend DXA or QCT.",
            _ => $"Osteoporosis is likely {at}, at or below {Number(o.OsteoporosisAtOrBelowHu.Hu)} HU)"
                + (severity is null ? "" : hu <= o.SevereAtOrBelowHu.Hu ? $", likely severe (at or below {Number(o.SevereAtOrBelowHu.Hu)} HU)" : ", likely severe (with a vertebral fracture)")
                + ": recommend DXA or QCT.",
        };

        if (fractures.Count > 0)
        {
            var found = string.Join(", ", fractures.Select(f => f.FractureGrade switch
            {
                FractureGrade.Mild => $"{f.Level} (mild)",
                FractureGrade.Moderate => $"{f.Level} (moderate)",
                FractureGrade.Severe => $"{f.Level} (severe)",
                _ => f.Level,
            }));
            text += $" Possible vertebral fracture at {found}; fractured levels are left out of the density.";
        }

        if (ageYears >= FusionAssessmentAgeYears)
        {
            text += $" Fusion patients aged 60 or more should have BMD assessed before surgery ({ClinicalSources.ChineseFusionGuideline}).";
        }

        return $"{text} {Disclaimer}";
    }

    private List<HuAdjustment> StudyAdjustments(AcquisitionSummary? acquisition, List<string> caveats)
    {
        var adjustments = new List<HuAdjustment>();
        if (acquisition is null)
        {
            caveats.Add("No acquisition summary: contrast phase and tube voltage were not checked.");
            return adjustments;
        }

        var o = Options;
        var (kind, phase, offset) = acquisition.ContrastPhase switch
        {
            ContrastPhase.Arterial => ("contrast-arterial", "arterial", o.ArterialOffsetHu),
            ContrastPhase.PortalVenous => ("contrast-portal-venous", "portal venous", o.PortalVenousOffsetHu),
            _ => ((string?)null, (string?)null, (SourcedHu?)null),
        };
        if (kind is not null && offset is not null)
        {
            adjustments.Add(new HuAdjustment
            {
                Kind = kind,
                DeltaHu = -offset.Hu,
                Applied = o.ApplyContrastOffsets,
                Note = o.ApplyContrastOffsets
                    ? $"{Number(offset.Hu)} HU subtracted from every level for the {phase} phase before comparing with the thresholds."
                    : $"The {phase} phase offset of {Number(offset.Hu)} HU is not applied (policy).",
                Source = offset.Source,
            });
            caveats.Add(
                $"Contrast-enhanced series ({phase} phase): contrast raises trabecular HU and fixed cut-offs then give 7 to 25% false negatives; "
                + (o.ApplyContrastOffsets ? "the HU were adjusted, " : "the HU were not adjusted, ")
                + "and a non-contrast series of the study is preferable when there is one.");
        }
        else if (acquisition.ContrastPhase == ContrastPhase.Unknown)
        {
            caveats.Add(
                "Contrast is present or suspected but its phase is unknown: the HU are kept raw. Contrast raises trabecular HU "
                + $"({ClinicalSources.ContrastLiterature}), so low density may be missed.");
        }

        if (acquisition.KvP is not { } kvp)
        {
            caveats.Add("Tube voltage (kVp) is not recorded: the thresholds assume 120 kVp.");
        }
        else if (Math.Abs(kvp - o.KvpCorrection.ReferenceKvp) > KvpToleranceKv)
        {
            adjustments.AddRange(KvpAdjustment(kvp, caveats));
        }

        return adjustments;
    }

    private IEnumerable<HuAdjustment> KvpAdjustment(double kvp, List<string> caveats)
    {
        var correction = Options.KvpCorrection;
        var data = string.Join(", ", correction.MeanL1HuByKvp.Select(p => $"{Number(p.MeanHu)} HU at {Number(p.Kvp)} kVp"));
        var flag = $"Acquired at {Number(kvp)} kVp; the thresholds were published at {Number(correction.ReferenceKvp)} kVp (mean L1 {data}).";
        if (MeanL1HuAt(kvp) is not { } meanHu)
        {
            caveats.Add($"{flag} This voltage is outside the correction data, so the HU are not corrected.");
            yield break;
        }

        var delta = MeanL1HuAt(correction.ReferenceKvp)!.Value - meanHu;
        var signed = delta.ToString("+0.##;-0.##;0", CultureInfo.InvariantCulture);
        caveats.Add(correction.Enabled
            ? $"{flag} The HU were corrected by {signed} HU (population means)."
            : $"{flag} Not corrected (policy); the population-mean correction would be {signed} HU.");
        yield return new HuAdjustment
        {
            Kind = "kvp",
            DeltaHu = delta,
            Applied = correction.Enabled,
            Note = correction.Enabled
                ? $"{signed} HU added to every level: difference of the mean L1 HU at {Number(correction.ReferenceKvp)} and {Number(kvp)} kVp."
                : $"Suggested only ({signed} HU); the kVp correction is off in this policy.",
            Source = correction.Source,
        };
    }

    /// <summary>Mean L1 HU at a voltage, interpolated linearly between the data points; null outside them.</summary>
    private double? MeanL1HuAt(double kvp)
    {
        var points = Options.KvpCorrection.MeanL1HuByKvp;
        for (var i = 0; i < points.Count - 1; i++)
        {
            var (a, b) = (points[i], points[i + 1]);
            if (kvp >= a.Kvp && kvp <= b.Kvp)
            {
                return a.MeanHu + (b.MeanHu - a.MeanHu) * (kvp - a.Kvp) / (b.Kvp - a.Kvp);
            }
        }

        return null;
    }

    private static bool LabelingUncertain(IReadOnlyList<LevelFinding> levels, LabelingSummary? labeling, List<string> caveats)
    {
        var flagged = levels.Where(l => DensityLevels.HasFlag(l, LevelFlags.LabelingUncertain)).Select(l => l.Level).ToList();
        var countsDisagree = labeling is { CountsAgree: false, Method: LabelingMethods.RibsAndSacrum };
        if (flagged.Count == 0 && !countsDisagree)
        {
            return false;
        }

        var why = flagged.Count > 0 ? $"levels flagged labeling-uncertain: {string.Join(", ", flagged)}" : "the rib and sacrum counts disagree";
        caveats.Add(
            $"Vertebral labels are uncertain ({why}): the level called L1 may be T12 or L2 in transitional anatomy. "
            + "The category is kept and its confidence lowered." + (string.IsNullOrWhiteSpace(labeling?.Note) ? "" : $" Labeling: {labeling.Note}"));
        return true;
    }

    private AgeReference? AgeReferenceFor(double hu, string level, AcquisitionSummary? acquisition, List<string> caveats)
    {
        if (acquisition?.PatientAgeYears is not { } age)
        {
            caveats.Add("Patient age is not recorded: no age-referenced position is given (the age is never assumed).");
            return null;
        }

        var r = Options.AgeReference;
        var t = Math.Clamp((age - r.YoungAgeYears) / (r.OldAgeYears - r.YoungAgeYears), 0, 1);
        var meanHu = r.YoungMeanHu + t * (r.OldMeanHu - r.YoungMeanHu);
        var sdHu = r.YoungSdHu + t * (r.OldSdHu - r.YoungSdHu);
        var female = string.Equals(acquisition.PatientSex?.Trim(), "F", StringComparison.OrdinalIgnoreCase);
        var note = $"Reference data only: normative L1 mean {Number(meanHu)} ± {Number(sdHu)} HU at {Number(age)} years, "
            + $"interpolated linearly between the published groups ({Number(r.YoungMeanHu)} ± {Number(r.YoungSdHu)} HU under {Number(r.YoungAgeYears)}, "
            + $"{Number(r.OldMeanHu)} ± {Number(r.OldSdHu)} HU at {Number(r.OldAgeYears)} or more)."
            + (string.Equals(level, PrimaryLevel, StringComparison.OrdinalIgnoreCase) ? "" : $" The reference is for L1; {level} was compared with it.");
        return new AgeReference
        {
            AgeYears = age,
            ExpectedMeanHu = meanHu,
            ExpectedSdHu = sdHu,
            ZScore = (hu - meanHu) / sdHu,
            YoungWomenScore = female ? (hu - r.YoungWomenMeanHu) / r.YoungWomenSdHu : null,
            Note = note,
            Source = female ? Join(r.Source, r.YoungWomenSource) : r.Source,
        };
    }

    private static List<PolicyThreshold> DescribeThresholds(ScreeningPolicyOptions o)
    {
        const string Hu = "HU";
        var applied = o.ApplyContrastOffsets ? "subtracted from trabecular HU" : "not applied in this policy";
        var kvpUse = o.KvpCorrection.Enabled ? "used to correct other voltages" : "used to flag other voltages; correction off";
        var r = o.AgeReference;
        var list = new List<PolicyThreshold>
        {
            new("normal", o.NormalAboveHu.Hu, Hu, "normal above this L1 HU", o.NormalAboveHu.Source),
            new("osteoporosis", o.OsteoporosisAtOrBelowHu.Hu, Hu, "osteoporosis likely at or below; osteopenia between this and normal", o.OsteoporosisAtOrBelowHu.Source),
            new("severe", o.SevereAtOrBelowHu.Hu, Hu, "severe osteoporosis at or below (also osteoporosis with a fracture at any level)", o.SevereAtOrBelowHu.Source),
            new("contrast-arterial-offset", o.ArterialOffsetHu.Hu, Hu, $"arterial phase: {applied}", o.ArterialOffsetHu.Source),
            new("contrast-portal-venous-offset", o.PortalVenousOffsetHu.Hu, Hu, $"portal venous phase: {applied}", o.PortalVenousOffsetHu.Source),
        };
        list.AddRange(o.KvpCorrection.MeanL1HuByKvp.Select(p => new PolicyThreshold(
            $"kvp-{Number(p.Kvp)}-mean-l1", p.MeanHu, Hu, $"mean non-contrast L1 HU at {Number(p.Kvp)} kVp ({kvpUse})", o.KvpCorrection.Source)));
        list.AddRange(o.RiskNotes.Select(n => new PolicyThreshold(n.Id, n.Hu, Hu, n.Text, n.Source)));
        list.Add(new("age-reference-young", r.YoungMeanHu, Hu, $"normative L1 mean under {Number(r.YoungAgeYears)} years (SD {Number(r.YoungSdHu)} HU); reference data", r.Source));
        list.Add(new("age-reference-old", r.OldMeanHu, Hu, $"normative L1 mean at {Number(r.OldAgeYears)} years or more (SD {Number(r.OldSdHu)} HU); reference data", r.Source));
        list.Add(new("young-women-reference", r.YoungWomenMeanHu, Hu, $"young-women L1 mean (SD {Number(r.YoungWomenSdHu)} HU); reference data", r.YoungWomenSource));
        return list;
    }
}
