namespace CtBone.Core.Phantoms;

/// <summary>Named starting points for <see cref="PhantomOptions"/>; every option can still be changed afterwards.</summary>
public static class PhantomPresets
{
    /// <summary>
    /// Unenhanced trabecular HU of a healthy adult in the mid-fifties. L1 at 180 HU sits above the 160 HU cut-off
    /// (Pickhardt 2013) and near the 50–59 year norm of Jang 2019 (L1 falls about 2.5 HU a year from 226 HU under 30);
    /// the thoracic levels read a little higher and the sacrum lower, as in those cohorts.
    /// </summary>
    public static IReadOnlyDictionary<string, double> HealthyTrabecularHu { get; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase)
    {
        ["T9"] = 200, ["T10"] = 197, ["T11"] = 193, ["T12"] = 188, ["T13"] = 184,
        ["L1"] = 180, ["L2"] = 176, ["L3"] = 172, ["L4"] = 170, ["L5"] = 174, ["L6"] = 172,
        ["S1"] = 165, ["S2"] = 160, ["S3"] = 155,
    };

    public static IReadOnlyList<string> Names { get; } = ["standard", "osteopenic", "osteoporotic"];

    /// <summary>
    /// The options of a preset: "standard" (healthy, L1 180 HU), "osteopenic" (L1 about 130 HU, in Pickhardt's 110–160 band)
    /// or "osteoporotic" (L1 about 75 HU, below the 80 HU "severe" mark of the Chinese fusion cohort, thinner and less dense cortex).
    /// </summary>
    public static PhantomOptions Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToUpperInvariant() switch
        {
            "STANDARD" => new PhantomOptions { Name = "standard" },
            "OSTEOPENIC" => new PhantomOptions
            {
                Name = "osteopenic",
                TrabecularHu = Scaled(130.0 / 180),
                CorticalHu = 750,
                CorticalThicknessMm = 1.2,
                PatientAgeYears = 66,
            },
            "OSTEOPOROTIC" => new PhantomOptions
            {
                Name = "osteoporotic",
                TrabecularHu = Scaled(75.0 / 180),
                CorticalHu = 620,
                CorticalThicknessMm = 1.0,
                PatientAgeYears = 74,
            },
            _ => throw new ArgumentException($"Unknown preset '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    /// <summary>Unenhanced trabecular HU of a level: the option's value when given, else the healthy default.</summary>
    public static double TrabecularHuOf(PhantomOptions options, string level)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (key, value) in options.TrabecularHu)
        {
            if (string.Equals(key, level, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return HealthyTrabecularHu[level];
    }

    private static Dictionary<string, double> Scaled(double factor) =>
        HealthyTrabecularHu.ToDictionary(p => p.Key, p => Math.Round(p.Value * factor), StringComparer.OrdinalIgnoreCase);
}
