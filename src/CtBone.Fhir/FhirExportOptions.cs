using System.ComponentModel.DataAnnotations;

namespace CtBone.Fhir;

/// <summary>
/// How analyses are written as FHIR (section "CtBone:Fhir"). The defaults are placeholders under ctbone.example: a site
/// that hands the bundles to other systems sets the identifier systems its EHR uses.
/// </summary>
public sealed class FhirExportOptions : IValidatableObject
{
    public const string Section = "CtBone:Fhir";

    /// <summary>CtBone's own code system (report, observation and screening-category codes). Default <see cref="CtBoneCodes.DefaultSystem"/>.</summary>
    public string CodeSystem { get; set; } = CtBoneCodes.DefaultSystem;

    /// <summary>The system of the patient's MRN (DICOM PatientID), as the hospital's EHR names it. Default https://ctbone.example/fhir/sid/mrn.</summary>
    public string PatientIdentifierSystem { get; set; } = "https://ctbone.example/fhir/sid/mrn";

    /// <summary>The system of the DiagnosticReport identifier, whose value is the analysis id. Default https://ctbone.example/fhir/sid/analysis.</summary>
    public string AnalysisIdentifierSystem { get; set; } = "https://ctbone.example/fhir/sid/analysis";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[]
        {
            (nameof(CodeSystem), CodeSystem),
            (nameof(PatientIdentifierSystem), PatientIdentifierSystem),
            (nameof(AnalysisIdentifierSystem), AnalysisIdentifierSystem),
        })
        {
            // FHIR system values are absolute URIs (http(s) URLs, urn:oid: or urn:uuid:), without spaces or a fragment.
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || value.Any(char.IsWhiteSpace) || uri.Fragment.Length > 0)
            {
                yield return new ValidationResult($"must be an absolute URI (for example https://hospital.example/fhir/sid/mrn or urn:oid:1.2.3), not '{value}'", [name]);
            }
        }
    }
}
