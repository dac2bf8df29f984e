using System.Globalization;

namespace CtBone.Pacs;

/// <summary>DICOM DA values (PS3.5 table 6.2-1: YYYYMMDD).</summary>
internal static class DicomDate
{
    private const string Format = "yyyyMMdd";

    public static DateOnly? Parse(string? value) =>
        DateOnly.TryParseExact(value?.Trim(), Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>A DA range for a query (PS3.4 C.2.2.2.5): "from-to", "from-", "-to", or null for no limit at all.</summary>
    public static string? Range(DateOnly? from, DateOnly? to) => (from, to) switch
    {
        (null, null) => null,
        _ => $"{from?.ToString(Format, CultureInfo.InvariantCulture)}-{to?.ToString(Format, CultureInfo.InvariantCulture)}",
    };
}
