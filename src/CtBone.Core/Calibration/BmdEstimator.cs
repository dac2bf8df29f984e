using System.Globalization;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Core.Series;

namespace CtBone.Core.Calibration;

/// <summary>
/// Estimates volumetric BMD (mg/cm³) from level HU: through a site's registered scanner calibration when one matches the
/// series (manufacturer, model, kVp), otherwise through a phantomless line fitted to the patient's reference tissues
/// (<see cref="BmdEstimatorOptions"/>), and bands the mean of two lumbar vertebrae as QCT does. The calibration is
/// scanner- and kVp-specific by construction: the phantomless line is refitted on every series.
/// </summary>
public sealed class BmdEstimator
{
    public BmdEstimator(BmdEstimatorOptions? options = null)
    {
        Options = options ?? new BmdEstimatorOptions();
        var errors = Options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid BMD estimator options: {string.Join("; ", errors)}.", nameof(options));
        }
    }

    public BmdEstimatorOptions Options { get; }

    /// <summary>
    /// Always returns an estimate object: with a calibration line, per-level estimates, the mean of the first two usable
    /// of L1 to L4 and its QCT band, or with <see cref="BmdEstimate.Reason"/> saying why there is none.
    /// </summary>
    public BmdEstimate Estimate(
        IReadOnlyList<LevelFinding> levels,
        IReadOnlyList<ReferenceTissueMeasurement> tissues,
        AcquisitionSummary? acquisition,
        ScannerCalibrationRegistry? registry)
    {
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(tissues);
        var caveats = new List<string>();
        // Contrast is ruled out only by a series known to be unenhanced; without acquisition data it may be there.
        var enhanced = acquisition?.ContrastPhase is not ContrastPhase.None;
        if (enhanced)
        {
            caveats.Add(
                "Contrast is present, suspected or not ruled out: contrast raises trabecular HU, and BMD estimated from enhanced scans was biased by more "
                + "than 6 mg/mL against QCT (Kaesmacher 2017). The estimate is not corrected for it.");
        }

        var points = TissuePoints(tissues, enhanced);
        var registered = registry?.Find(acquisition?.Manufacturer, acquisition?.ManufacturerModelName, acquisition?.KvP);
        BmdEstimate estimate;
        if (registered?.ToLine() is { } registeredLine)
        {
            estimate = new BmdEstimate
            {
                Method = BmdMethods.ScannerCalibration,
                Source = $"Registered scanner calibration: {registered}",
                Calibration = registered.ToString(),
                Fit = registeredLine,
                ReferenceTissues = [.. points.Select(p => p with { UsedInFit = false })],
            };
        }
        else
        {
            if (registry is not null)
            {
                caveats.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"No registered calibration for {acquisition?.Manufacturer ?? "unknown manufacturer"} {acquisition?.ManufacturerModelName ?? "unknown model"} at {acquisition?.KvP?.ToString("0.#", CultureInfo.InvariantCulture) ?? "unknown"} kVp: the phantomless calibration was used."));
            }

            var (line, reason) = FitPhantomless(points);
            if (line is null)
            {
                return new BmdEstimate
                {
                    Method = BmdMethods.None,
                    Reason = reason,
                    Source = Options.PhantomlessSource,
                    ReferenceTissues = [.. points.Select(p => p with { UsedInFit = false })],
                    Caveats = caveats,
                };
            }

            estimate = new BmdEstimate
            {
                Method = BmdMethods.PhantomlessInternal,
                Source = Options.PhantomlessSource,
                Fit = line,
                ReferenceTissues = points,
            };
        }

        return Band(estimate, levels, caveats);
    }

    private BmdEstimate Band(BmdEstimate estimate, IReadOnlyList<LevelFinding> levels, List<string> caveats)
    {
        var line = estimate.Fit!;
        var perLevel = levels
            .Where(DensityLevels.IsUsable)
            .Select(l => new LevelBmd(l.Level, l.MeanHu!.Value, line.BmdMgPerCm3(l.MeanHu!.Value)))
            .ToList();
        var pair = DensityLevels.UsableL1ToL4(levels, 2);
        if (pair.Count < 2)
        {
            return estimate with
            {
                Levels = perLevel,
                Reason = $"Fewer than two usable vertebrae among L1 to L4 ({pair.Count}): QCT bands the mean of two, so no mean or band is given.",
                Caveats = caveats,
            };
        }

        var mean = pair.Average(l => line.BmdMgPerCm3(l.MeanHu!.Value));
        var category = mean > Options.NormalAboveMgPerCm3 ? QctCategory.Normal
            : mean >= Options.OsteoporosisBelowMgPerCm3 ? QctCategory.LowBoneMass
            : QctCategory.Osteoporosis;
        return estimate with
        {
            Levels = perLevel,
            MeanLevels = [.. pair.Select(l => l.Level)],
            MeanBmdMgPerCm3 = mean,
            Category = category,
            Severity = category == QctCategory.Osteoporosis && DensityLevels.HasFracture(levels) ? ScreeningPolicy.Severe : null,
            CategorySource = Options.QctBandSource,
            Caveats = caveats,
        };
    }

    private static bool IsPlausible(ReferenceTissueDensity tissue, double? hu) => hu > tissue.MinPlausibleHu && hu < tissue.MaxPlausibleHu;

    private List<TissueCalibrationPoint> TissuePoints(IReadOnlyList<ReferenceTissueMeasurement> measurements, bool enhanced)
    {
        var points = new List<TissueCalibrationPoint>();
        foreach (var tissue in Options.ReferenceTissues)
        {
            var measured = measurements
                .Where(m => string.Equals(m.Tissue, tissue.Tissue, StringComparison.OrdinalIgnoreCase) && double.IsFinite(m.MeanHu))
                .ToList();
            double? hu = measured.Count == 0 ? null
                : measured.Sum(m => m.VoxelCount) > 0 ? measured.Sum(m => m.MeanHu * m.VoxelCount) / measured.Sum(m => m.VoxelCount)
                : measured.Average(m => m.MeanHu);
            var plausible = IsPlausible(tissue, hu);
            var bloodUnderContrast = enhanced && string.Equals(tissue.Tissue, ReferenceTissues.AorticBlood, StringComparison.OrdinalIgnoreCase);
            var note = hu is null ? "not measured"
                : !plausible ? string.Create(CultureInfo.InvariantCulture, $"measured {hu:0.#} HU, outside the plausible {tissue.MinPlausibleHu:0.#} to {tissue.MaxPlausibleHu:0.#} HU")
                : bloodUnderContrast ? "not used: contrast may be present"
                : tissue.Note;
            points.Add(new TissueCalibrationPoint
            {
                Tissue = tissue.Tissue,
                MeasuredHu = hu,
                AssumedDensityMgPerCm3 = tissue.EquivalentDensityMgPerCm3,
                UsedInFit = plausible && tissue.UseInFit && !bloodUnderContrast,
                Note = note,
            });
        }

        return points;
    }

    private (CalibrationLine? Line, string? Reason) FitPhantomless(List<TissueCalibrationPoint> points)
    {
        const string Needs = "the phantomless calibration needs air and visceral or subcutaneous fat";
        var air = points.Single(p => string.Equals(p.Tissue, ReferenceTissues.Air, StringComparison.OrdinalIgnoreCase));
        var fats = points.Where(p => ReferenceTissues.IsFat(p.Tissue) && p.MeasuredHu is not null).ToList();
        if (air.MeasuredHu is null)
        {
            return (null, $"Air was not measured: {Needs}.");
        }

        if (fats.Count == 0)
        {
            return (null, $"No fat was measured: {Needs}.");
        }

        // A required tissue read out of range means a misplaced region or a broken HU scale: better no estimate than a wrong one.
        var implausible = new[] { air }.Concat(fats)
            .FirstOrDefault(p => !IsPlausible(Options.ReferenceTissues.First(t => string.Equals(t.Tissue, p.Tissue, StringComparison.OrdinalIgnoreCase)), p.MeasuredHu));
        if (implausible is not null)
        {
            return (null, $"{implausible.Tissue} {implausible.Note}: the calibration would be implausible.");
        }

        var line = LinearFit.Fit([.. points.Where(p => p.UsedInFit).Select(p => (p.MeasuredHu!.Value, p.AssumedDensityMgPerCm3))]);
        if (line is null)
        {
            return (null, $"The reference tissues do not determine a line: {Needs} at different HU.");
        }

        if (line.SlopeMgPerCm3PerHu < Options.MinSlopeMgPerCm3PerHu || line.SlopeMgPerCm3PerHu > Options.MaxSlopeMgPerCm3PerHu)
        {
            return (null, string.Create(
                CultureInfo.InvariantCulture,
                $"The fitted slope {line.SlopeMgPerCm3PerHu:0.###} mg/cm3 per HU is outside the plausible {Options.MinSlopeMgPerCm3PerHu:0.###} to {Options.MaxSlopeMgPerCm3PerHu:0.###}: the reference tissues are inconsistent."));
        }

        return (line, null);
    }
}
