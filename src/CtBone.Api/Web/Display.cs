using System.Globalization;

namespace CtBone.Api.Web;

/// <summary>How pages write numbers, dates, names and screening categories: one wording everywhere.</summary>
public static class Display
{
    public const string Missing = "—";

    /// <summary>Every page says this (CLINICAL.md wording).</summary>
    public const string Disclaimer = "CtBone flags possible low bone density from CT. It cannot rule it out and does not replace DXA or QCT.";

    public static string Hu(double? hu) => hu is { } v && double.IsFinite(v) ? v.ToString("0", CultureInfo.InvariantCulture) + " HU" : Missing;

    public static string Number(double? value, string format = "0.#") =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : Missing;

    public static string Change(double value, string format = "+0.#;−0.#;0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? Missing;

    public static string Time(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? Missing;

    /// <summary>A DICOM person name (family^given^middle^prefix^suffix) as "FAMILY, Given Middle".</summary>
    public static string PersonName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "Unnamed patient";
        }

        var parts = name.Split('^').Select(p => p.Trim()).ToArray();
        var given = string.Join(' ', parts.Skip(1).Take(2).Where(p => p.Length > 0));
        return given.Length == 0 ? parts[0] : $"{parts[0]}, {given}";
    }

    /// <summary>The screening category in CLINICAL.md's words: possible or likely, never diagnosed.</summary>
    public static string Category(string? category, string? severity) => category switch
    {
        "normal" => "Low density not flagged",
        "osteopenia" => "Low bone density possible",
        "osteoporosis" => severity is null ? "Osteoporosis likely" : $"Osteoporosis likely, {severity}",
        "indeterminate" => "Could not be screened",
        null => Missing,
        _ => category,
    };

    public static string CategoryClass(string? category) => "cat cat-" + (category ?? "none");

    /// <summary>A delivery's state as the study page says it.</summary>
    public static string DeliveryState(CtBone.Store.DeliveryState state) => state switch
    {
        CtBone.Store.DeliveryState.Pending => "Pending",
        CtBone.Store.DeliveryState.Sent => "Sent",
        CtBone.Store.DeliveryState.Failed => "Failed",
        _ => "Not sent",
    };

    /// <summary>When a delivery arrived, or when it is tried next.</summary>
    public static string DeliveryWhen(CtBone.Store.DeliveryRecord delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return delivery switch
        {
            { State: CtBone.Store.DeliveryState.Sent } => "sent " + Time(delivery.SentAt),
            { State: CtBone.Store.DeliveryState.Pending, NextAttemptAt: { } next } => "next attempt " + Time(next),
            { State: CtBone.Store.DeliveryState.Pending } => "queued",
            _ => Missing,
        };
    }

    public static string Lower(Enum value) => value?.ToString().ToLowerInvariant() ?? Missing;
}
