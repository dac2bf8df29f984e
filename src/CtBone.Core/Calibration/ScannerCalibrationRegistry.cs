using System.Globalization;
using CtBone.Core.Screening;

namespace CtBone.Core.Calibration;

/// <summary>A known (HU, density) pair of a site's phantom scan.</summary>
public sealed record CalibrationPoint
{
    public required double Hu { get; init; }

    public required double DensityMgPerCm3 { get; init; }
}

/// <summary>
/// A site's calibration of one scanner model at one tube voltage (for example from an asynchronous phantom scan, which
/// reaches 1.4 to 6.7% accuracy, Mindways): either <see cref="SlopeMgPerCm3PerHu"/> and <see cref="InterceptMgPerCm3"/>,
/// or at least two <see cref="Points"/> that a line is fitted through.
/// </summary>
public sealed record ScannerCalibration
{
    /// <summary>DICOM Manufacturer (0008,0070), matched ignoring case and surrounding spaces.</summary>
    public required string Manufacturer { get; init; }

    /// <summary>DICOM ManufacturerModelName (0008,1090), matched ignoring case and surrounding spaces.</summary>
    public required string Model { get; init; }

    /// <summary>DICOM KVP (0018,0060), kV; a series matches within ±0.5 kV.</summary>
    public required double Kvp { get; init; }

    public double? SlopeMgPerCm3PerHu { get; init; }

    public double? InterceptMgPerCm3 { get; init; }

    public IReadOnlyList<CalibrationPoint>? Points { get; init; }

    /// <summary>What was scanned and by whom, shown in every estimate that uses this calibration.</summary>
    public required string Description { get; init; }

    /// <summary>When the calibration was measured.</summary>
    public DateOnly? Date { get; init; }

    /// <summary>The calibration line; null when the entry gives neither a complete slope and intercept nor two distinct points.</summary>
    public CalibrationLine? ToLine() =>
        SlopeMgPerCm3PerHu is { } slope && InterceptMgPerCm3 is { } intercept
            ? new CalibrationLine { SlopeMgPerCm3PerHu = slope, InterceptMgPerCm3 = intercept }
            : Points is { } points ? LinearFit.Fit([.. points.Select(p => (p.Hu, p.DensityMgPerCm3))]) : null;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Manufacturer} {Model} at {Kvp:0.#} kVp: {Description}")
        + (Date is { } date ? date.ToString(" (yyyy-MM-dd)", CultureInfo.InvariantCulture) : "");
}

/// <summary>
/// Per-scanner calibrations a site registered; a matching entry takes precedence over the phantomless calibration.
/// The file is JSON in CtBone's shape; an unknown member is an error. For example:
/// <code>
/// { "calibrations": [
///   { "manufacturer": "SIEMENS", "model": "SOMATOM Definition AS", "kvp": 120,
///     "slopeMgPerCm3PerHu": 0.81, "interceptMgPerCm3": -2.4,
///     "description": "Mindways Model 3 asynchronous phantom, CT room 2", "date": "2025-03-14" },
///   { "manufacturer": "GE MEDICAL SYSTEMS", "model": "Revolution CT", "kvp": 100,
///     "points": [ { "hu": 2, "densityMgPerCm3": 0 }, { "hu": 130, "densityMgPerCm3": 100 }, { "hu": 255, "densityMgPerCm3": 200 } ],
///     "description": "QRM phantom rods, 2025 annual QA" } ] }
/// </code>
/// </summary>
public sealed class ScannerCalibrationRegistry
{
    private const string Document = "scanner calibration registry";

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid or duplicate entry.</summary>
    public ScannerCalibrationRegistry(IEnumerable<ScannerCalibration> calibrations)
    {
        ArgumentNullException.ThrowIfNull(calibrations);
        Calibrations = [.. calibrations];
        var errors = Validate(Calibrations);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid {Document}: {string.Join("; ", errors)}.", nameof(calibrations));
        }
    }

    public IReadOnlyList<ScannerCalibration> Calibrations { get; }

    /// <summary>Reads a registry file's text; throws <see cref="FormatException"/> listing what is wrong.</summary>
    public static ScannerCalibrationRegistry FromJson(string json) => Parse(json, Document);

    /// <summary>Reads a registry file (small, read once at start-up); throws <see cref="FormatException"/> naming the file.</summary>
    public static ScannerCalibrationRegistry Load(string path) => Parse(File.ReadAllText(path), $"{Document} '{path}'");

    /// <summary>The entry for this scanner and voltage; null when any of the three is unknown or nothing matches.</summary>
    public ScannerCalibration? Find(string? manufacturer, string? model, double? kvp) =>
        manufacturer is null || model is null || kvp is null
            ? null
            : Calibrations.FirstOrDefault(c => Same(c.Manufacturer, manufacturer) && Same(c.Model, model) && Math.Abs(c.Kvp - kvp.Value) <= ScreeningPolicy.KvpToleranceKv);

    /// <summary>Every problem with the entries, each naming its index; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<ScannerCalibration> calibrations)
    {
        ArgumentNullException.ThrowIfNull(calibrations);
        if (calibrations.Any(c => c is null || c.Points?.Contains(null!) == true))
        {
            return ["calibrations and their points must not contain null"];
        }

        var errors = new List<string>();
        for (var i = 0; i < calibrations.Count; i++)
        {
            var c = calibrations[i];
            var at = $"calibrations[{i}]";
            if (string.IsNullOrWhiteSpace(c.Manufacturer) || string.IsNullOrWhiteSpace(c.Model))
            {
                errors.Add($"{at}: manufacturer and model must not be empty");
            }

            if (!(c.Kvp is >= 40 and <= 200))
            {
                errors.Add($"{at}: kvp must be 40 to 200");
            }

            if (string.IsNullOrWhiteSpace(c.Description))
            {
                errors.Add($"{at}: description must say what was scanned");
            }

            var hasLine = c.SlopeMgPerCm3PerHu is not null || c.InterceptMgPerCm3 is not null;
            if (hasLine == c.Points is not null)
            {
                errors.Add($"{at}: give either slopeMgPerCm3PerHu and interceptMgPerCm3, or points, not both or neither");
            }
            else if (hasLine && (c.SlopeMgPerCm3PerHu is null || c.InterceptMgPerCm3 is null))
            {
                errors.Add($"{at}: slopeMgPerCm3PerHu and interceptMgPerCm3 go together");
            }
            else if (c.Points is { } points && (points.Count < 2 || points.Select(p => p.Hu).Distinct().Count() < 2))
            {
                errors.Add($"{at}: points need at least two distinct hu values");
            }
            else if (c.ToLine() is not { } line || !(line.SlopeMgPerCm3PerHu > 0) || !double.IsFinite(line.InterceptMgPerCm3))
            {
                errors.Add($"{at}: the calibration line must rise (density grows with HU)");
            }
        }

        // Two entries that one kVp reading could both match (Find's tolerance either side) are a duplicate.
        var named = calibrations.Where(c => c.Manufacturer is not null && c.Model is not null).ToList();
        var duplicates = named
            .Where((c, i) => named.Skip(i + 1).Any(o => Key(o.Manufacturer) == Key(c.Manufacturer) && Key(o.Model) == Key(c.Model)
                && Math.Abs(o.Kvp - c.Kvp) <= 2 * ScreeningPolicy.KvpToleranceKv))
            .Select(c => c.ToString());
        errors.AddRange(duplicates.Select(d => $"more than one calibration for the scanner and voltage of '{d}'"));
        return errors;
    }

    private static ScannerCalibrationRegistry Parse(string json, string document)
    {
        var file = StrictJson.Deserialize<RegistryFile>(json, document);
        StrictJson.ThrowIfInvalid(Validate(file.Calibrations), document);
        return new ScannerCalibrationRegistry(file.Calibrations);
    }

    private static bool Same(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    private static string Key(string text) => text.Trim().ToUpperInvariant();

    private sealed record RegistryFile
    {
        public required IReadOnlyList<ScannerCalibration> Calibrations { get; init; }
    }
}
