using System.Globalization;
using System.Text.Json;

namespace CtBone.Pacs;

/// <summary>The DICOM JSON model (PS3.18 annex F) as QIDO-RS and STOW-RS answer with it: tags as 8 hex digits, each with a Value array.</summary>
internal static class DicomJson
{
    public const string StudyInstanceUid = "0020000D";
    public const string StudyDate = "00080020";
    public const string NumberOfStudyRelatedInstances = "00201208";
    public const string PatientId = "00100020";
    public const string PatientName = "00100010";
    public const string AccessionNumber = "00080050";
    public const string StudyDescription = "00081030";
    public const string ModalitiesInStudy = "00080061";
    public const string ReferencedSopSequence = "00081199";
    public const string FailedSopSequence = "00081198";
    public const string ReferencedSopInstanceUid = "00081155";
    public const string FailureReason = "00081197";

    /// <summary>The attributes a study search asks for (QIDO-RS includefield), besides those every server returns.</summary>
    public static readonly IReadOnlyList<string> StudySearchFields =
        [StudyInstanceUid, StudyDate, NumberOfStudyRelatedInstances, PatientId, PatientName, AccessionNumber, StudyDescription, ModalitiesInStudy];

    public static IReadOnlyList<DicomWebStudy> ParseStudies(JsonElement matches)
    {
        if (matches.ValueKind != JsonValueKind.Array)
        {
            throw new PacsException("the QIDO-RS answer is not a JSON array", isTransient: false);
        }

        return [.. matches.EnumerateArray().Select(ParseStudy)];
    }

    public static DicomWebStudy ParseStudy(JsonElement dataset)
    {
        var uid = Text(dataset, StudyInstanceUid);
        if (uid.Length == 0)
        {
            throw new PacsException("a QIDO-RS match has no StudyInstanceUID (0020,000D)", isTransient: false);
        }

        return new DicomWebStudy(
            uid,
            DicomDate.Parse(Text(dataset, StudyDate)),
            Integer(dataset, NumberOfStudyRelatedInstances),
            Text(dataset, PatientId),
            PersonName(dataset, PatientName),
            Text(dataset, AccessionNumber),
            Text(dataset, StudyDescription),
            [.. Values(dataset, ModalitiesInStudy).Select(ValueText).Where(m => m.Length > 0)]);
    }

    public static StowOutcome ParseStowResponse(System.Net.HttpStatusCode status, JsonElement? response)
    {
        if (response is not { ValueKind: JsonValueKind.Object } dataset)
        {
            return new StowOutcome(status, [], []);
        }

        var stored = Items(dataset, ReferencedSopSequence).Select(i => Text(i, ReferencedSopInstanceUid)).ToList();
        var failed = Items(dataset, FailedSopSequence).Select(i => new StowFailure(Text(i, ReferencedSopInstanceUid), Integer(i, FailureReason))).ToList();
        return new StowOutcome(status, stored, failed);
    }

    /// <summary>The first value as text, trimmed; empty when the attribute or its value is missing.</summary>
    public static string Text(JsonElement dataset, string tag) => Values(dataset, tag).Select(ValueText).FirstOrDefault() ?? string.Empty;

    /// <summary>IS and US values: JSON numbers by the standard, but some servers send strings.</summary>
    public static int? Integer(JsonElement dataset, string tag)
    {
        var value = Values(dataset, tag).FirstOrDefault();
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out var number) => number,
            JsonValueKind.String when int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) => number,
            _ => null,
        };
    }

    /// <summary>A PN value's Alphabetic group (PS3.18 F.2.2), as DICOM writes it ("FAMILY^GIVEN").</summary>
    public static string PersonName(JsonElement dataset, string tag)
    {
        var value = Values(dataset, tag).FirstOrDefault();
        return value.ValueKind == JsonValueKind.Object && value.TryGetProperty("Alphabetic", out var alphabetic) && alphabetic.ValueKind == JsonValueKind.String
            ? alphabetic.GetString()!.Trim()
            : string.Empty;
    }

    private static IEnumerable<JsonElement> Values(JsonElement dataset, string tag) =>
        dataset.ValueKind == JsonValueKind.Object
        && (dataset.TryGetProperty(tag, out var attribute) || dataset.TryGetProperty(tag.ToLowerInvariant(), out attribute))
        && attribute.ValueKind == JsonValueKind.Object
        && attribute.TryGetProperty("Value", out var values)
        && values.ValueKind == JsonValueKind.Array
            ? values.EnumerateArray()
            : Enumerable.Empty<JsonElement>();

    private static IEnumerable<JsonElement> Items(JsonElement dataset, string tag) => Values(dataset, tag).Where(i => i.ValueKind == JsonValueKind.Object);

    private static string ValueText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!.Trim(),
        JsonValueKind.Number => value.GetRawText(),
        _ => string.Empty,
    };
}
