using System.Text.Json;
using System.Text.Json.Serialization;

namespace CtBone.Core;

/// <summary>
/// Reads the files a site writes by hand (policies, calibrations): CtBone's JSON shape, but an unknown or null member
/// is an error, because a misspelt threshold that silently keeps its default is worse than a refusal.
/// </summary>
internal static class StrictJson
{
    private static readonly JsonSerializerOptions Options = new(CtBoneJson.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Throws <see cref="FormatException"/> naming the document and where it went wrong.</summary>
    public static T Deserialize<T>(string json, string document)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new FormatException($"The {document} is empty (JSON null).");
        }
        catch (JsonException e)
        {
            throw new FormatException($"The {document} is not valid: {e.Message}", e);
        }
    }

    /// <summary>Throws <see cref="FormatException"/> listing every problem when there is any.</summary>
    public static void ThrowIfInvalid(IReadOnlyList<string> errors, string document)
    {
        if (errors.Count > 0)
        {
            throw new FormatException($"The {document} is not valid: {string.Join("; ", errors)}.");
        }
    }
}
