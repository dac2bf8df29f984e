using System.Globalization;

namespace CtBone.Core.Screening;

/// <summary>An HU value and where it comes from; the source travels with the number into every result.</summary>
public sealed record SourcedHu
{
    /// <summary>Hounsfield units.</summary>
    public required double Hu { get; init; }

    /// <summary>Publication or site decision behind <see cref="Hu"/>; required, also when a site overrides the value.</summary>
    public required string Source { get; init; }
}

/// <summary>A literature risk note shown when the screened HU is below (or at) <see cref="Hu"/>.</summary>
public sealed record RiskNoteRule
{
    /// <summary>Stable identifier, e.g. "cns-2021-instrumentation"; per-level results refer to it.</summary>
    public required string Id { get; init; }

    /// <summary>Threshold, HU (after the policy's contrast and kVp adjustments).</summary>
    public required double Hu { get; init; }

    /// <summary>True: applies at or below <see cref="Hu"/>; false (default): strictly below.</summary>
    public bool AtOrBelow { get; init; }

    public required string Text { get; init; }

    public required string Source { get; init; }
}

/// <summary>Mean L1 HU at one tube voltage, from the population data behind the kVp correction.</summary>
public sealed record KvpMeanHu
{
    /// <summary>Peak tube voltage, kV.</summary>
    public required double Kvp { get; init; }

    /// <summary>Mean non-contrast L1 trabecular HU at <see cref="Kvp"/>.</summary>
    public required double MeanHu { get; init; }
}

/// <summary>
/// Correction of HU measured at a tube voltage other than <see cref="ReferenceKvp"/>: the difference of the population
/// means, interpolated linearly between the listed voltages; outside them nothing is corrected.
/// </summary>
public sealed record KvpCorrectionOptions
{
    /// <summary>
    /// Off by default. The means come from different patients at each voltage (not paired scans), so the shift is a
    /// population difference that may partly reflect who is scanned at 100 or 140 kVp; applying it to one patient can move
    /// them across a threshold. Off, the flag and the suggested shift are still reported.
    /// </summary>
    public bool Enabled { get; init; }

    /// <summary>Voltage the thresholds were published for, kV (default 120).</summary>
    public double ReferenceKvp { get; init; } = 120;

    /// <summary>Default: 148, 141 and 131 HU at 100, 120 and 140 kVp.</summary>
    public IReadOnlyList<KvpMeanHu> MeanL1HuByKvp { get; init; } =
    [
        new() { Kvp = 100, MeanHu = 148 },
        new() { Kvp = 120, MeanHu = 141 },
        new() { Kvp = 140, MeanHu = 131 },
    ];

    public string Source { get; init; } = ClinicalSources.KvpStudy;
}

/// <summary>
/// Normative L1 HU by age (reference data only): the mean and SD interpolated linearly between the youngest
/// and oldest published groups, constant outside them. Defaults: Jang et al., Radiology 2019, 226 ± 44 HU under 30 and
/// 89 ± 38 HU at 90 or more (about 2.5 HU a year).
/// </summary>
public sealed record AgeReferenceOptions
{
    public double YoungAgeYears { get; init; } = 30;

    public double YoungMeanHu { get; init; } = 226;

    public double YoungSdHu { get; init; } = 44;

    public double OldAgeYears { get; init; } = 90;

    public double OldMeanHu { get; init; } = 89;

    public double OldSdHu { get; init; } = 38;

    public string Source { get; init; } = ClinicalSources.Jang2019;

    /// <summary>Young-women reference L1 HU (default 236 ± 42), reported for female patients.</summary>
    public double YoungWomenMeanHu { get; init; } = 236;

    public double YoungWomenSdHu { get; init; } = 42;

    public string YoungWomenSource { get; init; } = ClinicalSources.Hendrickson2018;
}

/// <summary>
/// Everything the screening policy decides with. Defaults are CLINICAL.md's; a site overrides any of them with a policy
/// file (<see cref="ScreeningPolicy.FromJson"/>), and every result names <see cref="Name"/> and <see cref="Version"/>.
/// </summary>
public sealed record ScreeningPolicyOptions
{
    public const string SectionName = "Screening";

    /// <summary>Shown in every result so a reader knows which policy decided it.</summary>
    public string Name { get; init; } = "ctbone-default";

    public string Version { get; init; } = "1";

    /// <summary>Normal above this L1 HU (default 160: 90% sensitive, Pickhardt 2013).</summary>
    public SourcedHu NormalAboveHu { get; init; } = new()
    {
        Hu = 160,
        Source = ClinicalSources.Pickhardt2013 + ": above 160 HU osteoporosis is unlikely (90% sensitive cut-off)",
    };

    /// <summary>Osteoporosis likely at or below this HU (default 110: over 90% specific); between the two, osteopenia.</summary>
    public SourcedHu OsteoporosisAtOrBelowHu { get; init; } = new()
    {
        Hu = 110,
        Source = ClinicalSources.Pickhardt2013 + ": at or below 110 HU osteoporosis is likely (over 90% specific); " + ClinicalSources.Zou2020Spine,
    };

    /// <summary>Severe osteoporosis at or below this HU (default 80).</summary>
    public SourcedHu SevereAtOrBelowHu { get; init; } = new()
    {
        Hu = 80,
        Source = ClinicalSources.ShangZouLi + ": at or below 80 HU severe osteoporosis",
    };

    /// <summary>Why osteoporosis with a prevalent fracture at any level is severe.</summary>
    public string FractureSeveritySource { get; init; } =
        "A prevalent fracture plus low density means severe osteoporosis (CtBone CLINICAL.md; ACR/ISCD QCT: osteoporosis with a fragility fracture is severe)";

    /// <summary>
    /// Levels tried, in order, when L1 cannot be used. Default L2, T12, L3: nearest to L1 first, and of the two neighbours
    /// L2 first, because trabecular density falls from T12 to L3, so T12 would read higher than L1 and could hide low density,
    /// and because T12's label rests on the rib count that transitional anatomy makes uncertain. Pickhardt 2013 found similar
    /// performance from T12 to L5.
    /// </summary>
    public IReadOnlyList<string> FallbackLevels { get; init; } = ["L2", "T12", "L3"];

    /// <summary>
    /// Subtract the phase offset from the measured HU (default true). The thresholds stay as published and the HU is
    /// adjusted instead, which compares the same as raising every threshold by the offset but keeps one set of cited numbers;
    /// results carry both the raw and the adjusted HU.
    /// </summary>
    public bool ApplyContrastOffsets { get; init; } = true;

    /// <summary>Subtracted in the arterial phase (default 20 HU, as TotalSegmentator's spine report raises its threshold).</summary>
    public SourcedHu ArterialOffsetHu { get; init; } = new()
    {
        Hu = 20,
        Source = "TotalSegmentator spine report raises its threshold by 20 HU in the arterial phase; " + ClinicalSources.ContrastLiterature,
    };

    /// <summary>Subtracted in the portal venous phase (default 14.75 HU, TotalSegmentator).</summary>
    public SourcedHu PortalVenousOffsetHu { get; init; } = new()
    {
        Hu = 14.75,
        Source = "TotalSegmentator spine report raises its threshold by 14.75 HU in the portal venous phase; " + ClinicalSources.ContrastLiterature,
    };

    public KvpCorrectionOptions KvpCorrection { get; init; } = new();

    /// <summary>Result confidence is multiplied by this (0 to 1, default 0.5) when levels carry "labeling-uncertain".</summary>
    public double LabelingUncertainConfidenceFactor { get; init; } = 0.5;

    /// <summary>Literature risk notes (default: CNS 2021 below 97.9 HU, Sci Rep 2023 below 117 HU, Pickhardt 2013 at or below 145 HU).</summary>
    public IReadOnlyList<RiskNoteRule> RiskNotes { get; init; } =
    [
        new()
        {
            Id = "cns-2021-instrumentation",
            Hu = 97.9,
            Text = "Below 97.9 HU: higher risk of osteoporosis-related adverse events after spinal instrumentation.",
            Source = ClinicalSources.Cns2021,
        },
        new()
        {
            Id = "sci-rep-2023-mi-tlif",
            Hu = 117,
            Text = "Below 117 HU: 4.1-fold risk of screw loosening or cage subsidence after MI-TLIF.",
            Source = ClinicalSources.SciRep2023,
        },
        new()
        {
            Id = "pickhardt-2013-fracture",
            Hu = 145,
            AtOrBelow = true,
            Text = "At or below 145 HU: 97% of patients with moderate or severe vertebral fractures were at or below this value.",
            Source = ClinicalSources.Pickhardt2013,
        },
    ];

    public AgeReferenceOptions AgeReference { get; init; } = new();

    /// <summary>Every problem with these options, each naming the JSON member; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        // A hand-written file can hold [null] in a list, which nullable annotations do not stop.
        if (FallbackLevels.Contains(null!) || RiskNotes.Contains(null!) || KvpCorrection.MeanL1HuByKvp.Contains(null!))
        {
            return ["fallbackLevels, riskNotes and kvpCorrection.meanL1HuByKvp must not contain null"];
        }

        static bool Finite(double value) => double.IsFinite(value);
        static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

        Check(!string.IsNullOrWhiteSpace(Name), "name must not be empty");
        Check(!string.IsNullOrWhiteSpace(Version), "version must not be empty");
        foreach (var (member, value) in new[]
        {
            ("normalAboveHu", NormalAboveHu), ("osteoporosisAtOrBelowHu", OsteoporosisAtOrBelowHu), ("severeAtOrBelowHu", SevereAtOrBelowHu),
            ("arterialOffsetHu", ArterialOffsetHu), ("portalVenousOffsetHu", PortalVenousOffsetHu),
        })
        {
            Check(Finite(value.Hu), $"{member}.hu must be a finite number");
            Check(!string.IsNullOrWhiteSpace(value.Source), $"{member}.source must name where the value comes from");
        }

        Check(
            NormalAboveHu.Hu > OsteoporosisAtOrBelowHu.Hu,
            $"normalAboveHu ({Text(NormalAboveHu.Hu)}) must exceed osteoporosisAtOrBelowHu ({Text(OsteoporosisAtOrBelowHu.Hu)})");
        Check(
            SevereAtOrBelowHu.Hu <= OsteoporosisAtOrBelowHu.Hu,
            $"severeAtOrBelowHu ({Text(SevereAtOrBelowHu.Hu)}) must not exceed osteoporosisAtOrBelowHu ({Text(OsteoporosisAtOrBelowHu.Hu)})");
        Check(ArterialOffsetHu.Hu is >= 0 and <= 100, "arterialOffsetHu.hu must be 0 to 100 (it is subtracted)");
        Check(PortalVenousOffsetHu.Hu is >= 0 and <= 100, "portalVenousOffsetHu.hu must be 0 to 100 (it is subtracted)");
        Check(!string.IsNullOrWhiteSpace(FractureSeveritySource), "fractureSeveritySource must not be empty");

        Check(FallbackLevels.Count > 0, "fallbackLevels must list at least one level");
        Check(FallbackLevels.All(l => !string.IsNullOrWhiteSpace(l)), "fallbackLevels must not contain empty names");
        Check(!FallbackLevels.Contains("L1", StringComparer.OrdinalIgnoreCase), "fallbackLevels must not contain L1 (it is the primary level)");
        Check(
            FallbackLevels.Distinct(StringComparer.OrdinalIgnoreCase).Count() == FallbackLevels.Count,
            "fallbackLevels must not repeat a level");

        Check(LabelingUncertainConfidenceFactor is > 0 and <= 1, "labelingUncertainConfidenceFactor must be above 0 and at most 1");

        var kvp = KvpCorrection;
        Check(kvp.MeanL1HuByKvp.Count >= 2, "kvpCorrection.meanL1HuByKvp needs at least two voltages");
        Check(
            kvp.MeanL1HuByKvp.Zip(kvp.MeanL1HuByKvp.Skip(1)).All(p => p.First.Kvp < p.Second.Kvp),
            "kvpCorrection.meanL1HuByKvp must be in strictly increasing kvp order");
        Check(kvp.MeanL1HuByKvp.All(p => Finite(p.Kvp) && Finite(p.MeanHu)), "kvpCorrection.meanL1HuByKvp values must be finite");
        Check(
            kvp.MeanL1HuByKvp.Count == 0 || kvp.ReferenceKvp >= kvp.MeanL1HuByKvp[0].Kvp && kvp.ReferenceKvp <= kvp.MeanL1HuByKvp[^1].Kvp,
            "kvpCorrection.referenceKvp must lie within the listed voltages");
        Check(!string.IsNullOrWhiteSpace(kvp.Source), "kvpCorrection.source must not be empty");

        for (var i = 0; i < RiskNotes.Count; i++)
        {
            var note = RiskNotes[i];
            Check(!string.IsNullOrWhiteSpace(note.Id), $"riskNotes[{i}].id must not be empty");
            Check(Finite(note.Hu), $"riskNotes[{i}].hu must be a finite number");
            Check(!string.IsNullOrWhiteSpace(note.Text), $"riskNotes[{i}].text must not be empty");
            Check(!string.IsNullOrWhiteSpace(note.Source), $"riskNotes[{i}].source must name where the note comes from");
        }

        Check(
            RiskNotes.Select(n => n.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count() == RiskNotes.Count,
            "riskNotes ids must be unique");

        var age = AgeReference;
        Check(age.YoungAgeYears < age.OldAgeYears, "ageReference.youngAgeYears must be below ageReference.oldAgeYears");
        Check(age.YoungSdHu > 0 && age.OldSdHu > 0 && age.YoungWomenSdHu > 0, "ageReference standard deviations must be positive");
        Check(
            Finite(age.YoungMeanHu) && Finite(age.OldMeanHu) && Finite(age.YoungWomenMeanHu),
            "ageReference means must be finite numbers");
        Check(
            !string.IsNullOrWhiteSpace(age.Source) && !string.IsNullOrWhiteSpace(age.YoungWomenSource),
            "ageReference sources must not be empty");
        return errors;
    }
}
