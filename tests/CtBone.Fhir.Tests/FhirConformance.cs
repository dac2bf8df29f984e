using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Analysis;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Validation;

namespace CtBone.Fhir.Tests;

/// <summary>
/// What a receiving FHIR system does with a bundle: parse it with Firely's strict JSON deserializer (the SDK 6 successor
/// of FhirJsonParser, which it now marks obsolete), then validate the POCOs structurally, recursively: cardinality,
/// required elements, primitive formats (id, uri, dateTime, decimal), allowed reference and choice types.
/// </summary>
internal static class FhirConformance
{
    private static readonly FhirJsonDeserializer s_strict = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));

    /// <summary>Parses <paramref name="json"/> strictly; any parse or content error throws, naming where it is.</summary>
    public static Bundle ParseStrict(string json) => s_strict.Deserialize<Bundle>(json);

    /// <summary>The findings of <c>ctbone analyze test-dicoms/fracture-l1</c>, as kept in Resources.</summary>
    public static Findings FractureL1() =>
        JsonSerializer.Deserialize<Findings>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Resources", "fracture-l1.findings.json")), CtBoneJson.Options)!;

    /// <summary>Every structural error, as "path: message"; empty when the instance is valid.</summary>
    public static List<string> StructuralErrors(Base instance) =>
        [.. instance.Validate(ModelInfo.ModelInspector, NarrativeValidationKind.FhirXhtml, validator: null, validateRecursively: true)
            .Select(e => $"{e.InstancePath}: {e.Message}")];
}
