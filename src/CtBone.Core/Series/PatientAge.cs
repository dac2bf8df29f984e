using System.Globalization;

namespace CtBone.Core.Series;

/// <summary>Patient age in years with where it came from. A missing age stays missing (CLINICAL.md: never default it).</summary>
public sealed record PatientAge(double Years, string Source)
{
    /// <summary>
    /// Age from PatientAge (0010,1010, "nnnD|W|M|Y"), or else from PatientBirthDate and StudyDate.
    /// Returns null when neither gives a plausible value.
    /// </summary>
    public static PatientAge? From(string? patientAge, DateOnly? birthDate, DateOnly? studyDate)
    {
        if (TryParseAgeString(patientAge, out var years))
        {
            return new PatientAge(years, "PatientAge");
        }

        if (birthDate is { } born && studyDate is { } studied && studied >= born)
        {
            var whole = studied.Year - born.Year;
            if (studied < born.AddYears(whole))
            {
                whole--;
            }

            return whole <= 130 ? new PatientAge(whole, "PatientBirthDate and StudyDate") : null;
        }

        return null;
    }

    private static bool TryParseAgeString(string? text, out double years)
    {
        years = 0;
        if (text is null || text.Length < 2)
        {
            return false;
        }

        var unit = char.ToUpperInvariant(text[^1]);
        if (!int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            return false;
        }

        years = unit switch
        {
            'Y' => count,
            'M' => count / 12.0,
            'W' => count * 7 / 365.25,
            'D' => count / 365.25,
            _ => -1,
        };
        return years is >= 0 and <= 130;
    }
}
