using CtBone.Core.Screening;
using Hl7.Fhir.Model;

namespace CtBone.Fhir;

/// <summary>The standard code systems the bundle uses, and the few codes taken from them.</summary>
internal static class Terminology
{
    public const string Ucum = "http://unitsofmeasure.org";
    public const string Snomed = "http://snomed.info/sct";
    public const string DicomDcm = "http://dicom.nema.org/resources/ontology/DCM";
    public const string DicomUid = "urn:dicom:uid";
    public const string Rfc3986 = "urn:ietf:rfc:3986";
    public const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";
    public const string DiagnosticServiceSection = "http://terminology.hl7.org/CodeSystem/v2-0074";
    public const string IdentifierType = "http://terminology.hl7.org/CodeSystem/v2-0203";
    public const string ObservationInterpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
    public const string DataAbsentReason = "http://terminology.hl7.org/CodeSystem/data-absent-reason";

    /// <summary>UCUM's Hounsfield unit (DICOM uses the same code for HU in SR and segmentation).</summary>
    public const string HounsfieldUcum = "[hnsf'U]";

    /// <summary>DICOM SOP Class UID of CT Image Storage, the class of every source slice.</summary>
    public const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";

    /// <summary>
    /// SNOMED CT body structures of the vertebrae CtBone labels, as DICOM CID 7603 "Vertebra" lists them (PS3.16), with
    /// its code meanings. Levels outside typical anatomy (T13, L6) or unlabelled ones (V1...) have none: text only.
    /// </summary>
    private static readonly Dictionary<string, string> s_vertebrae = new(StringComparer.Ordinal)
    {
        ["T9"] = "82687006",
        ["T10"] = "7610001",
        ["T11"] = "12989004",
        ["T12"] = "23215003",
        ["L1"] = "66794005",
        ["L2"] = "14293000",
        ["L3"] = "36470004",
        ["L4"] = "11994002",
        ["L5"] = "49668003",
    };

    public static CodeableConcept Vertebra(string level) => s_vertebrae.TryGetValue(level, out var code)
        ? new CodeableConcept { Coding = [new Coding(Snomed, code, $"{level} vertebra")], Text = level }
        : new CodeableConcept { Text = level };

    public static string? VertebraSnomedCode(string level) => s_vertebrae.GetValueOrDefault(level);

    public static Quantity Hu(double hu) => new() { Value = (decimal)hu, Unit = "HU", System = Ucum, Code = HounsfieldUcum };

    /// <summary>mg/cm³ to 0.1: the calibration behind it is good to several percent, more digits would claim more.</summary>
    public static Quantity MgPerCm3(double value) => new() { Value = Math.Round((decimal)value, 1), Unit = "mg/cm3", System = Ucum, Code = "mg/cm3" };

    public static Quantity Mm2(double value) => new() { Value = (decimal)value, Unit = "mm2", System = Ucum, Code = "mm2" };

    public static CodeableConcept ImagingCategory() => Coded(ObservationCategory, "imaging", "Imaging");

    public static CodeableConcept RadiologyCategory() => Coded(DiagnosticServiceSection, "RAD", "Radiology");

    /// <summary>The standard interpretation nearest to a category: the local category says exactly which one it is.</summary>
    public static CodeableConcept Interpretation(ScreeningCategory category) => category switch
    {
        ScreeningCategory.Normal => Coded(ObservationInterpretation, "N", "Normal"),
        ScreeningCategory.Osteopenia or ScreeningCategory.Osteoporosis => Coded(ObservationInterpretation, "L", "Low"),
        _ => Coded(ObservationInterpretation, "IND", "Indeterminate"),
    };

    /// <summary>One coding with its display (Firely's three-argument constructor would make the display the text instead).</summary>
    public static CodeableConcept Coded(string system, string code, string display) => new() { Coding = [new Coding(system, code, display)] };

    public static Coding CtModality() => new(DicomDcm, "CT", "Computed Tomography");
}
