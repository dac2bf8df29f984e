using System.Globalization;

namespace CtBone.Core.Calibration;

/// <summary>
/// A reference tissue of the phantomless calibration: the density assumed for it and the HU range (open interval) in
/// which a measurement of it is believable at 120 kVp without contrast.
/// </summary>
public sealed record ReferenceTissueDensity
{
    /// <summary>A name of <see cref="ReferenceTissues"/>.</summary>
    public required string Tissue { get; init; }

    /// <summary>Density the fit assigns to the tissue, mg/cm³ (equivalent density on the calibration's scale).</summary>
    public required double EquivalentDensityMgPerCm3 { get; init; }

    /// <summary>A measurement at or below this HU is implausible.</summary>
    public required double MinPlausibleHu { get; init; }

    /// <summary>A measurement at or above this HU is implausible.</summary>
    public required double MaxPlausibleHu { get; init; }

    /// <summary>False: measured and reported for QA, but not fitted.</summary>
    public bool UseInFit { get; init; } = true;

    /// <summary>Why the tissue is (not) used, shown next to it.</summary>
    public string? Note { get; init; }
}

/// <summary>
/// How <see cref="BmdEstimator"/> calibrates and bands. Phantomless defaults: a least-squares line through air and fat
/// (plus unenhanced aortic blood when measured), the way Comp2Comp calibrates on air (−1000 HU) and visceral fat (−95 HU);
/// internal calibration came within about 8% RMSD of QCT (Kaesmacher 2017).
/// </summary>
/// <remarks>
/// No trustworthy published K2HPO4-equivalent densities of fat, muscle or blood were found (searches of Comp2Comp,
/// Mindways QCT Pro, O.N. Diagnostics and the internal-calibration literature gave methods but not the numbers). The
/// default equivalent densities are therefore each tissue's nominal unenhanced 120 kVp HU at 1 mg/cm³ per HU with water
/// at 0: air −1000 (the definition of the HU scale), visceral fat −95 (Comp2Comp), subcutaneous fat −100, aortic blood 40
/// and muscle 50 (textbook CT numbers, the same as the phantom's TissueHu). Such a line standardises the patient's HU scale
/// rather than calibrating it against mineral; the mg/cm³ stay approximate until a site registers a phantom calibration.
/// </remarks>
public sealed record BmdEstimatorOptions
{
    public const string SectionName = "Bmd";

    public IReadOnlyList<ReferenceTissueDensity> ReferenceTissues { get; init; } =
    [
        new() { Tissue = Calibration.ReferenceTissues.Air, EquivalentDensityMgPerCm3 = -1000, MinPlausibleHu = -1100, MaxPlausibleHu = -800 },
        new() { Tissue = Calibration.ReferenceTissues.VisceralFat, EquivalentDensityMgPerCm3 = -95, MinPlausibleHu = -150, MaxPlausibleHu = -50 },
        new() { Tissue = Calibration.ReferenceTissues.SubcutaneousFat, EquivalentDensityMgPerCm3 = -100, MinPlausibleHu = -150, MaxPlausibleHu = -50 },
        new()
        {
            Tissue = Calibration.ReferenceTissues.AorticBlood,
            EquivalentDensityMgPerCm3 = 40,
            MinPlausibleHu = 10,
            MaxPlausibleHu = 90,
            Note = "used only without contrast; its HU also follows the haematocrit",
        },
        new()
        {
            Tissue = Calibration.ReferenceTissues.Muscle,
            EquivalentDensityMgPerCm3 = 50,
            MinPlausibleHu = 0,
            MaxPlausibleHu = 100,
            UseInFit = false,
            Note = "reported for QA only: muscle HU falls with fatty infiltration in the older patients being screened",
        },
    ];

    /// <summary>Shown as the <c>source</c> of every phantomless estimate.</summary>
    public string PhantomlessSource { get; init; } =
        "Phantomless internal calibration: least-squares line through air, fat and (without contrast) aortic blood, as Comp2Comp "
        + "calibrates on air (-1000 HU) and visceral fat (-95 HU); " + ClinicalSources.Kaesmacher2017 + ". "
        + "UNVERIFIED DENSITIES: no trustworthy published K2HPO4-equivalent densities of fat or blood were found, so each tissue is "
        + "assumed at its nominal 120 kVp HU at 1 mg/cm3 per HU (air -1000, visceral fat -95, subcutaneous fat -100, aortic blood 40). "
        + "This standardises the HU scale rather than calibrating it against mineral: treat the mg/cm3 as approximate and register a "
        + "phantom calibration for the scanner.";

    /// <summary>A fitted slope below this (mg/cm³ per HU, default 0.8) means the tissue measurements are implausible.</summary>
    public double MinSlopeMgPerCm3PerHu { get; init; } = 0.8;

    /// <summary>A fitted slope above this (default 1.25) means the tissue measurements are implausible.</summary>
    public double MaxSlopeMgPerCm3PerHu { get; init; } = 1.25;

    /// <summary>QCT normal above this mean of two vertebrae (default 120 mg/cm³).</summary>
    public double NormalAboveMgPerCm3 { get; init; } = 120;

    /// <summary>QCT osteoporosis below this (default 80 mg/cm³); from here to <see cref="NormalAboveMgPerCm3"/>, low bone mass.</summary>
    public double OsteoporosisBelowMgPerCm3 { get; init; } = 80;

    public string QctBandSource { get; init; } =
        ClinicalSources.AcrIscdQct + ": above 120 mg/cm3 normal, 80 to 120 low bone mass, below 80 osteoporosis, below 80 with a fragility "
        + "fracture severe (a 2025 Chinese thoracolumbar-fixation guideline puts osteoporosis at 80 mg/cm3 or below)";

    /// <summary>Every problem with these options; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var t in ReferenceTissues)
        {
            if (string.IsNullOrWhiteSpace(t.Tissue))
            {
                errors.Add("referenceTissues: a tissue has no name");
            }
            else if (!(t.MinPlausibleHu < t.MaxPlausibleHu) || !double.IsFinite(t.EquivalentDensityMgPerCm3))
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"referenceTissues '{t.Tissue}': needs a finite density and minPlausibleHu below maxPlausibleHu"));
            }
        }

        if (ReferenceTissues.Select(t => t.Tissue).Distinct(StringComparer.OrdinalIgnoreCase).Count() != ReferenceTissues.Count)
        {
            errors.Add("referenceTissues must not repeat a tissue");
        }

        var fitted = ReferenceTissues.Where(t => t.UseInFit).Select(t => t.Tissue).ToList();
        if (!fitted.Contains(Calibration.ReferenceTissues.Air, StringComparer.OrdinalIgnoreCase) || !fitted.Any(Calibration.ReferenceTissues.IsFat))
        {
            errors.Add("referenceTissues must fit air and at least one fat (visceral-fat or subcutaneous-fat)");
        }

        if (!(MinSlopeMgPerCm3PerHu > 0 && MinSlopeMgPerCm3PerHu < MaxSlopeMgPerCm3PerHu))
        {
            errors.Add("minSlopeMgPerCm3PerHu must be positive and below maxSlopeMgPerCm3PerHu");
        }

        if (!(OsteoporosisBelowMgPerCm3 < NormalAboveMgPerCm3))
        {
            errors.Add("osteoporosisBelowMgPerCm3 must be below normalAboveMgPerCm3");
        }

        if (string.IsNullOrWhiteSpace(PhantomlessSource) || string.IsNullOrWhiteSpace(QctBandSource))
        {
            errors.Add("phantomlessSource and qctBandSource must not be empty");
        }

        return errors;
    }
}
