using CtBone.Core.Screening;

namespace CtBone.Fhir;

/// <summary>
/// CtBone's local code system. The CT-derived numbers get codes of their own on purpose: the LOINC bone density codes
/// describe DXA (areal g/cm², T- and Z-scores), and a trabecular HU from an opportunistic CT is not that measurement
/// (CLINICAL.md; issue 5). Codes are stable: add, never rename.
/// </summary>
public static class CtBoneCodes
{
    /// <summary>The default system URL; a site may publish the code system elsewhere (<see cref="FhirExportOptions.CodeSystem"/>).</summary>
    public const string DefaultSystem = "https://ctbone.example/fhir/CodeSystem/ctbone";

    public static readonly LocalCode Report = new("ct-bone-density-screening-report", "Opportunistic CT bone density screening report (vertebral trabecular attenuation)");

    public static readonly LocalCode Screening = new("ct-bone-density-screening", "Opportunistic CT screening for possible low bone density (vertebral trabecular HU)");

    public static readonly LocalCode TrabecularAttenuation = new("vertebral-trabecular-attenuation", "Mean CT attenuation of vertebral trabecular bone in an ROI (HU)");

    public static readonly LocalCode TrabecularAttenuationSd = new("vertebral-trabecular-attenuation-sd", "Standard deviation of CT attenuation in the trabecular ROI (HU)");

    public static readonly LocalCode TrabecularAttenuationMedian = new("vertebral-trabecular-attenuation-median", "Median CT attenuation in the trabecular ROI (HU)");

    public static readonly LocalCode RoiArea = new("trabecular-roi-area", "Mean in-plane area of the trabecular ROI per slice (mm2)");

    public static readonly LocalCode EstimatedBmd = new("estimated-vbmd-ct", "Estimated volumetric BMD from CT attenuation (mg/cm3), not a QCT or DXA measurement");

    public static readonly LocalCode TrabecularRoiMethod = new("trabecular-roi-ct", "Trabecular ROI on CT: ellipse in the anterior and central vertebral body at mid-height, inset from the cortex");

    public static readonly LocalCode LevelUsed = new("screening-level-used", "Vertebral level whose HU decided the screening category");

    public static readonly LocalCode ScreeningHu = new("screening-hu", "HU compared with the screening thresholds (after any contrast or kVp adjustment)");

    public static readonly LocalCode ScreeningRawHu = new("screening-raw-hu", "HU of the level used, as measured");

    public static readonly LocalCode ScreeningSeverity = new("screening-severity", "Severity of the screening category");

    public static readonly LocalCode Severe = new("severe", "Severe");

    public static readonly LocalCode L1ToL4MeanHu = new("l1-l4-mean-hu", "Mean HU of the usable levels among L1 to L4");

    public static readonly LocalCode MeanEstimatedBmd = new("mean-estimated-vbmd-ct", "Mean estimated volumetric BMD of two lumbar vertebrae from CT (mg/cm3)");

    /// <summary>The screening categories of CLINICAL.md, worded as possibilities: CtBone never diagnoses.</summary>
    public static LocalCode Category(ScreeningCategory category) => category switch
    {
        ScreeningCategory.Normal => new("normal", "Osteoporosis unlikely (trabecular HU above the normal threshold)"),
        ScreeningCategory.Osteopenia => new("osteopenia", "Low bone density possible (HU between the thresholds): DXA or QCT recommended"),
        ScreeningCategory.Osteoporosis => new("osteoporosis", "Osteoporosis likely (HU at or below the osteoporosis threshold): DXA or QCT recommended"),
        ScreeningCategory.Indeterminate => new("indeterminate", "Indeterminate: no vertebral level could be trusted"),
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, "not a screening category"),
    };
}

/// <summary>A code of <see cref="CtBoneCodes"/> and its display text.</summary>
public sealed record LocalCode(string Code, string Display);
