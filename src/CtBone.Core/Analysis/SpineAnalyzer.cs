using System.Diagnostics;
using System.Globalization;
using CtBone.Core.Calibration;
using CtBone.Core.Screening;
using CtBone.Core.Series;
using CtBone.Core.Spine;
using CtBone.Core.Volumes;

namespace CtBone.Core.Analysis;

/// <summary>What the analysis needs to know about the series beside its voxels.</summary>
public sealed record SeriesContext
{
    public string? StudyInstanceUid { get; init; }

    public string? SeriesInstanceUid { get; init; }

    public AcquisitionInfo? Acquisition { get; init; }

    public StudyIdentity? Study { get; init; }

    /// <summary>Volume slice indices k that ingest filled by interpolation; ROIs avoid them.</summary>
    public IReadOnlyList<int> InterpolatedSlices { get; init; } = [];

    /// <summary>SOPInstanceUID of each volume slice k, when known, so that ROIs can name their image.</summary>
    public IReadOnlyList<string>? SopInstanceUids { get; init; }

    /// <summary>Warnings from ingest, carried into the findings.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Settings of the spine analysis; every default is what <see cref="SpineAnalyzer"/> uses when left alone.</summary>
public sealed record SpineAnalysisOptions
{
    /// <summary>Threads for the slice-parallel steps. Default: the machine's core count.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Largest angle (degrees) between the slice normal and the head-foot axis that still counts as axial. Default 20.</summary>
    public double MaxObliquityDegrees { get; init; } = 20;

    /// <summary>Least head-foot coverage (mm) worth analysing: about one vertebra and a disc. Default 40.</summary>
    public double MinCoverageMm { get; init; } = 40;

    /// <summary>
    /// Metal volume (mm³, voxels at 2000 HU or more) in a vertebra that excludes it. Default 200: a pedicle screw holds
    /// over 1000, the tip of a rod passing a neighbour far less; streaks reaching the ROI exclude it on their own.
    /// </summary>
    public double MetalExclusionMm3 { get; init; } = 200;

    /// <summary>Share of ROI voxels outside −200..1500 HU (streaks) that excludes a level. Default 0.01.</summary>
    public double StreakExclusionFraction { get; init; } = 0.01;
}

/// <summary>
/// Finds, labels and measures the vertebrae T12 to L5 of an axial CT volume and screens them for low bone density.
/// Pure and synchronous: expected outcomes (no spine, a level excluded for metal) are values in the findings, not
/// exceptions. See shared/DESIGN.md for the steps and CLINICAL.md for the figures behind them.
/// </summary>
public sealed class SpineAnalyzer
{
    /// <summary>Name and version of this algorithm; bumped whenever the same input could give different numbers.</summary>
    public const string AlgorithmVersion = "ctbone-spine 0.1.0";

    private readonly ScreeningPolicy _policy;
    private readonly BmdEstimator _bmd;
    private readonly ScannerCalibrationRegistry? _calibrations;
    private readonly SpineAnalysisOptions _options;

    public SpineAnalyzer(ScreeningPolicy? policy = null, BmdEstimator? bmd = null, ScannerCalibrationRegistry? calibrations = null, SpineAnalysisOptions? options = null)
    {
        _policy = policy ?? ScreeningPolicy.Default;
        _bmd = bmd ?? new BmdEstimator();
        _calibrations = calibrations;
        _options = options ?? new SpineAnalysisOptions();
    }

    public Findings Analyze(CtVolume volume, SeriesContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(context);
        var clock = Stopwatch.StartNew();
        var timings = new Dictionary<string, double>();
        void Lap(string step)
        {
            timings[step] = Math.Round(clock.Elapsed.TotalMilliseconds - timings.Values.Sum(), 1);
        }

        var warnings = new List<string>(context.Warnings);
        var acquisition = Summarize(context.Acquisition, volume.Geometry);
        Findings Rejected(string reason) => new()
        {
            Status = AnalysisStatus.Rejected,
            Reason = reason,
            StudyInstanceUid = context.StudyInstanceUid,
            SeriesInstanceUid = context.SeriesInstanceUid,
            Study = context.Study,
            AlgorithmVersion = AlgorithmVersion,
            Acquisition = acquisition,
            Warnings = warnings,
            TimingsMs = timings,
        };

        if (!AxialStack.IsAxial(volume.Geometry, _options.MaxObliquityDegrees))
        {
            return Rejected(Invariant($"not an axial series: the slice normal is {volume.Geometry.SliceNormal.AxisAngleDegrees(Vector3D.UnitZ):0}° from the head-foot axis"));
        }

        var stack = AxialStack.From(volume);
        var coverage = stack.Nz > 1 ? stack.SliceZMm[^1] - stack.SliceZMm[0] : 0;
        if (coverage < _options.MinCoverageMm)
        {
            return Rejected(Invariant($"the series covers only {coverage:0} mm head to foot; at least {_options.MinCoverageMm:0} mm are needed to find a vertebra"));
        }

        var column = SpineColumn.Find(stack, _options.MaxDegreeOfParallelism, cancellationToken, out var noColumn);
        Lap("column");
        if (column is null)
        {
            return Rejected(noColumn + "; this does not look like a CT of the lumbar spine");
        }

        var profile = ColumnProfile.Measure(stack, column, _options.MaxDegreeOfParallelism, cancellationToken);
        var segments = ColumnSegmenter.Split(profile);
        Lap("segments");
        if (segments.Count == 0)
        {
            return Rejected("no vertebral bodies separated by discs were found; this does not look like a CT of the lumbar spine");
        }

        var sizes = segments.Select(s => BodySize(stack, column, s)).ToList();
        // Metal, a fracture or the edge of the field can spoil one cross-section; such a size gives way to the typical one.
        var typicalWidth = SpineColumn.Median(sizes.Select(s => s.HalfWidthMm));
        var typicalDepth = SpineColumn.Median(sizes.Select(s => s.HalfDepthMm));
        sizes = sizes
            .Select(s => s.HalfWidthMm >= 0.6 * typicalWidth && s.HalfWidthMm <= 1.6 * typicalWidth ? s : (typicalWidth, typicalDepth))
            .ToList();
        (double, double) SizeAt(double z)
        {
            var nearest = Enumerable.Range(0, segments.Count).MinBy(i => Math.Abs(segments[i].CenterZMm - z));
            return (sizes[nearest].HalfWidthMm, sizes[nearest].HalfDepthMm);
        }

        var ribs = RibFinder.Find(stack, column, SizeAt, _options.MaxDegreeOfParallelism, cancellationToken);
        // Metal in each segment, measured once: it rules out the sacrum's wings and excludes a level from measurement.
        var metal = segments.Select((s, i) => VertebralQc.MetalVolumeMm3(stack, column, s, sizes[i].HalfDepthMm)).ToList();
        var instrumented = metal.Select(m => m >= _options.MetalExclusionMm3).ToList();
        var sacral = SacralSegments(stack, column, segments, sizes, ribs, instrumented);
        var (labelled, labeling) = LevelLabeler.Label(segments, sacral, ribs);
        Lap("labels");
        if (labelled.Count == 0)
        {
            return Rejected("only sacrum was found, no lumbar vertebra");
        }

        if (labeling.Method == LabelingMethods.None && labelled.Count(l => l.Segment.IsClosed) < 2)
        {
            return Rejected("no lumbar spine found: fewer than two whole vertebrae, and neither ribs nor the sacrum to name them");
        }

        if (labeling.LastRibBearingLevel is null && !labeling.SacrumFound && labelled.All(l => l.HasRibs))
        {
            return Rejected("every vertebra found carries ribs: the field of view holds thoracic spine only, no lumbar vertebra");
        }

        var avoid = context.InterpolatedSlices.Select(k => stack.StoredSlice(k)).ToHashSet();
        var levels = new List<(LabelledSegment Label, LevelFinding Finding, TrabecularMeasurement? Roi)>();
        foreach (var level in labelled.Reverse())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var index = Enumerable.Range(0, segments.Count).First(i => ReferenceEquals(segments[i], level.Segment));
            levels.Add(MeasureLevel(stack, column, level, metal[index], avoid, context, warnings));
        }

        levels = CheckNeighbours(levels, stack.SliceSpacingMm);
        levels = CheckRoiConsistency(levels);
        Lap("measure");

        var referenceSlices = levels
            .Where(l => l.Roi is not null && !l.Finding.Excluded && l.Finding.Level is "L1" or "L2" or "L3")
            .Select(l => (l.Roi!.MidSlice, l.Roi.HalfDepthMm))
            .ToList();
        if (referenceSlices.Count == 0)
        {
            referenceSlices = levels.Where(l => l.Roi is not null).Take(3).Select(l => (l.Roi!.MidSlice, l.Roi.HalfDepthMm)).ToList();
        }

        var (tissues, vessels) = ReferenceTissueSampler.Measure(stack, column, referenceSlices);
        var (phase, evidence) = ReferenceTissueSampler.Phase(vessels, context.Acquisition?.ContrastBolusAgent);
        acquisition = acquisition with
        {
            ContrastPhase = phase,
            ContrastEvidence = evidence,
            AortaHu = vessels.AortaHu is { } a ? Math.Round(a, 1) : null,
            InferiorVenaCavaHu = vessels.InferiorVenaCavaHu is { } c ? Math.Round(c, 1) : null,
        };
        Lap("reference-tissues");

        var findings = levels.Select(l => l.Finding).ToList();
        if (labeling.Note is { } note)
        {
            warnings.Add("labeling: " + note);
        }

        var screening = _policy.Screen(findings, acquisition, labeling);
        var bmd = _bmd.Estimate(findings, tissues, acquisition, _calibrations);
        if (bmd.Levels is { } bmdLevels)
        {
            findings = findings
                .Select(f => bmdLevels.FirstOrDefault(b => b.Level == f.Level) is { } b ? f with { EstimatedBmdMgPerCm3 = b.EstimatedBmdMgPerCm3 } : f)
                .ToList();
        }

        Lap("screening");
        return new Findings
        {
            Status = AnalysisStatus.Completed,
            StudyInstanceUid = context.StudyInstanceUid,
            SeriesInstanceUid = context.SeriesInstanceUid,
            Study = context.Study,
            AlgorithmVersion = AlgorithmVersion,
            Vertebrae = findings,
            Screening = screening,
            Bmd = bmd,
            Acquisition = acquisition,
            ReferenceTissues = tissues,
            Labeling = labeling,
            Warnings = warnings,
            TimingsMs = timings,
        };
    }

    private (LabelledSegment, LevelFinding, TrabecularMeasurement?) MeasureLevel(AxialStack stack, SpineColumn column, LabelledSegment level, double metalMm3, IReadOnlySet<int> avoid, SeriesContext context, List<string> warnings)
    {
        var segment = level.Segment;
        var flags = new List<string>();
        string? excluded = null;
        if (level.Uncertain)
        {
            flags.Add(LevelFlags.LabelingUncertain);
        }

        var centre = stack.ToPatientMm(column.At(segment.CenterZMm, stack));
        if (!segment.IsClosed)
        {
            flags.Add(LevelFlags.PartialCoverage);
            var where = segment.OpenAbove ? "top" : "bottom";
            var finding = new LevelFinding
            {
                Level = level.Level,
                CenterMm = Round(centre),
                Excluded = true,
                ExclusionReason = Invariant($"partial coverage: the body runs into the {where} of the field of view ({segment.LengthMm:0} mm of it is in view)"),
                Flags = flags,
                Confidence = level.Confidence,
            };
            return (level, finding, null);
        }

        if (segment.SplitWithoutDisc)
        {
            warnings.Add(Invariant($"{level.Level}: no disc showed between it and a neighbour (thick slices or metal); its ends were estimated from the typical body height"));
        }

        TrabecularMeasurement? roi = null;
        BodyHeights? heights = null;
        FractureGrade? grade = null;
        if (metalMm3 >= _options.MetalExclusionMm3)
        {
            // Screws and their streaks make any HU in the vertebra meaningless and corrupt its endplates: the level is
            // neither measured nor graded, only excluded with the reason.
            flags.Add(LevelFlags.Metal);
            excluded = Invariant($"metal: {metalMm3:0} mm³ at 2000 HU or more in the vertebra (screw, rod or cement)");
        }
        else
        {
            roi = TrabecularRoiPlacer.Place(stack, column, segment, avoid);
            heights = VertebralQc.Heights(stack, column, segment, roi?.HalfDepthMm ?? column.TypicalRadiusMm, roi?.Slices[0].RotationDegrees ?? 0);
            if (heights is { } h && VertebralQc.Grade(h.HeightLossFraction, stack.SliceSpacingMm) is var g && g != FractureGrade.None)
            {
                grade = g;
                flags.Add(LevelFlags.Fracture);
                excluded = Invariant($"fracture: {g.ToString().ToLowerInvariant()} (Genant), {h.HeightLossFraction:P0} height loss (anterior {h.AnteriorMm:0.#}, middle {h.MiddleMm:0.#}, posterior {h.PosteriorMm:0.#} mm)");
            }

            if (roi is null)
            {
                excluded ??= "no trabecular ROI could be placed: the cortex of the body was not found on its mid-height slices";
            }
            else if (roi.StreakFraction >= _options.StreakExclusionFraction)
            {
                flags.Add(LevelFlags.Metal);
                excluded ??= Invariant($"streak artifact: {roi.StreakFraction:P1} of the ROI reads below −200 or above 1500 HU");
                roi = null;
            }
            else
            {
                if (roi.Statistics.AreaMm2 < TrabecularRoiPlacer.SmallAreaMm2)
                {
                    flags.Add(LevelFlags.SmallRoi);
                }

                if (roi.HighDensityFraction >= 0.1 || roi.Statistics.MedianHu >= 400)
                {
                    flags.Add(LevelFlags.Sclerosis);
                }

                if (roi.OutlierFraction >= 0.02)
                {
                    flags.Add(LevelFlags.Outliers);
                }
            }
        }

        var mid = roi?.Slices.First(s => s.Slice == roi.MidSlice);
        var measured = new LevelFinding
        {
            Level = level.Level,
            MeanHu = roi is null ? null : Math.Round(roi.Statistics.MeanHu, 1),
            SdHu = roi is null ? null : Math.Round(roi.Statistics.SdHu, 1),
            MedianHu = roi is null ? null : Math.Round(roi.Statistics.MedianHu, 1),
            AreaMm2 = roi is null ? null : Math.Round(roi.Statistics.AreaMm2, 1),
            VoxelCount = roi?.Statistics.VoxelCount ?? 0,
            CenterMm = Round(mid is { } m ? stack.ToPatientMm(m.CenterMm) : centre),
            Excluded = excluded is not null,
            ExclusionReason = excluded,
            Flags = flags,
            Confidence = level.Confidence,
            FractureGrade = grade,
            Heights = heights,
            Roi = roi is null ? null : Geometry(stack, roi, context),
        };
        return (level, measured, roi);
    }

    /// <summary>
    /// A body much shorter than its whole neighbours has lost height evenly (a crush fracture, Genant's third shape),
    /// which its own front-to-back ratios cannot show.
    /// </summary>
    private static List<(LabelledSegment, LevelFinding, TrabecularMeasurement?)> CheckNeighbours(List<(LabelledSegment Label, LevelFinding Finding, TrabecularMeasurement? Roi)> levels, double spacingMm)
    {
        var result = new List<(LabelledSegment, LevelFinding, TrabecularMeasurement?)>();
        for (var i = 0; i < levels.Count; i++)
        {
            var (label, finding, roi) = levels[i];
            var neighbours = new[] { i - 1, i + 1 }
                .Where(j => j >= 0 && j < levels.Count && levels[j].Finding.Heights is not null && levels[j].Finding.FractureGrade is null && levels[j].Label.Segment.IsClosed)
                .Select(j => levels[j].Finding.Heights!.PosteriorMm)
                .ToList();
            if (finding.Heights is { } h && neighbours.Count > 0 && finding.FractureGrade is null && !finding.Flags.Contains(LevelFlags.Metal))
            {
                var expected = neighbours.Average();
                var loss = 1 - (Math.Max(h.PosteriorMm, Math.Max(h.AnteriorMm, h.MiddleMm)) / expected);
                if (VertebralQc.Grade(loss, spacingMm) is var g && g != FractureGrade.None)
                {
                    var flags = finding.Flags.Append(LevelFlags.Fracture).ToList();
                    var reason = Invariant($"fracture: {g.ToString().ToLowerInvariant()} (Genant), the body is {loss:P0} lower than its neighbours");
                    finding = finding with
                    {
                        FractureGrade = g,
                        Flags = flags,
                        Excluded = true,
                        ExclusionReason = finding.ExclusionReason is null ? reason : finding.ExclusionReason + "; " + reason,
                        Heights = h with { HeightLossFraction = Math.Round(Math.Max(h.HeightLossFraction, loss), 3) },
                    };
                }
            }

            result.Add((label, finding, roi));
        }

        return result;
    }

    /// <summary>
    /// An ROI much noisier or much smaller than the other levels' has caught cortex, an endplate or an artefact, or sits
    /// where no body was found: its number would mislead, so the level is excluded with the figures that show why.
    /// </summary>
    private static List<(LabelledSegment, LevelFinding, TrabecularMeasurement?)> CheckRoiConsistency(List<(LabelledSegment Label, LevelFinding Finding, TrabecularMeasurement? Roi)> levels)
    {
        var measured = levels.Where(l => !l.Finding.Excluded && l.Finding.SdHu is not null).Select(l => l.Finding).ToList();
        if (measured.Count < 3)
        {
            return levels.Select(l => (l.Label, l.Finding, l.Roi)).ToList();
        }

        var typicalSd = SpineColumn.Median(measured.Select(f => f.SdHu!.Value));
        var typicalArea = SpineColumn.Median(measured.Select(f => f.AreaMm2!.Value));
        return levels.Select(l =>
        {
            var f = l.Finding;
            string? reason = null;
            if (!f.Excluded && f.SdHu is { } sd && sd > 2 * Math.Max(typicalSd, 5))
            {
                reason = Invariant($"ROI not homogeneous: SD {sd:0} HU against {typicalSd:0} HU at the other levels (cortex, endplate or artefact inside it)");
            }
            else if (!f.Excluded && f.AreaMm2 is { } area && area < 0.5 * typicalArea)
            {
                reason = Invariant($"ROI too small: {area:0} mm² against {typicalArea:0} mm² at the other levels (the body's outline was not found cleanly)");
            }

            return reason is null ? (l.Label, f, l.Roi) : (l.Label, f with { Excluded = true, ExclusionReason = reason, Flags = f.Flags.Contains(LevelFlags.Outliers) ? f.Flags : [.. f.Flags, LevelFlags.Outliers] }, l.Roi);
        }).ToList();
    }

    private static RoiGeometry Geometry(AxialStack stack, TrabecularMeasurement roi, SeriesContext context)
    {
        var first = roi.Slices[0];
        var (sin, cos) = Math.SinCos(first.RotationDegrees * Math.PI / 180);
        // The body's left axis in the stack frame, carried into LPS through the stored geometry.
        var origin = stack.ToPatientMm(first.CenterMm);
        var major = (stack.ToPatientMm(first.CenterMm + new Vector3D(cos, sin, 0)) - origin).Normalized();
        var stored = roi.Slices.Select(s => stack.StoredSlice(s.Slice)).ToList();
        var midStored = stack.StoredSlice(roi.MidSlice);
        return new RoiGeometry
        {
            SemiAxisMajorMm = Math.Round(first.SemiLateralMm, 2),
            SemiAxisMinorMm = Math.Round(first.SemiAnteriorMm, 2),
            MajorAxis = [Math.Round(major.X, 4), Math.Round(major.Y, 4), Math.Round(major.Z, 4)],
            MidSlice = midStored,
            Slices = stored,
            SliceCentersMm = roi.Slices.Select(s => Round(stack.ToPatientMm(s.CenterMm))).ToList(),
            MidSliceSopInstanceUid = context.SopInstanceUids is { } uids && midStored < uids.Count && uids[midStored].Length > 0 ? uids[midStored] : null,
        };
    }

    private static (double HalfWidthMm, double HalfDepthMm) BodySize(AxialStack stack, SpineColumn column, ColumnSegment segment)
    {
        var point = column.At(segment.CenterZMm, stack);
        var section = BodyCrossSection.Measure(stack, point, Vector3D.UnitX, Vector3D.UnitY, (1.6 * column.TypicalRadiusMm) + 12);
        return section.IsBody && !double.IsNaN(section.HalfWidthMm)
            ? (section.HalfWidthMm, section.HalfDepthMm)
            : (column.TypicalRadiusMm * 1.4, column.TypicalRadiusMm);
    }

    /// <summary>
    /// Marks the sacral segments from the bottom up. The first sacral segment's alae are thick wings of bone reaching far
    /// beyond a lumbar transverse process: on at least 8 mm of the segment's upper part (two slices at least), bone joined
    /// to the body reaches 25 mm past its sides on both sides and is 12 mm or more thick front to back just beyond them;
    /// no rib is rooted on the segment and it holds no screw. The first segment above that fails ends the sacrum.
    /// </summary>
    private static List<bool> SacralSegments(AxialStack stack, SpineColumn column, IReadOnlyList<ColumnSegment> segments, List<(double HalfWidthMm, double HalfDepthMm)> sizes, IReadOnlyList<RibFinding> ribs, List<bool> instrumented)
    {
        bool Winged(int i)
        {
            var segment = segments[i];
            var halfWidth = sizes[i].HalfWidthMm;
            var winged = new List<int>();
            var k0 = (int)Math.Ceiling(stack.SliceAt(Math.Max(stack.SliceZMm[0], segment.CenterZMm - (0.2 * segment.LengthMm))));
            var k1 = (int)Math.Floor(stack.SliceAt(Math.Min(stack.SliceZMm[^1], segment.TopZMm - 2)));
            for (var k = Math.Max(0, k0); k <= k1; k++)
            {
                var point = column.At(stack.SliceZMm[k], stack);
                var (reach, thickness) = LateralBoneReach.Measure(stack, k, point.X, point.Y, halfWidth);
                if (reach >= halfWidth + 25 && thickness >= 12)
                {
                    winged.Add(k);
                }
            }

            var spanMm = winged.Count == 0 ? 0 : stack.SliceZMm[winged[^1]] - stack.SliceZMm[winged[0]] + stack.SliceSpacingMm;
            // Ribs reach as far as alae do; a segment with a rib rooted on it is thoracic. Screws and rods reach sideways
            // too, and sit in lumbar vertebrae far more often than in S1, so an instrumented segment ends the sacrum.
            var rooted = ribs.Any(r => r.RootZMm >= segment.BottomZMm - 5 && r.RootZMm <= segment.TopZMm + 5);
            return winged.Count >= 2 && spanMm >= 8 && !rooted && !instrumented[i];
        }

        var sacral = new List<bool>(new bool[segments.Count]);
        // The lowest piece, cut by the field of view, may be too little of the sacrum to show its wings; the sacrum may
        // then start one segment up.
        var first = segments.Count > 0 && Winged(0) ? 0 : segments.Count > 1 && segments[0].OpenBelow && Winged(1) ? 1 : -1;
        if (first < 0)
        {
            return sacral;
        }

        for (var i = 0; i < first; i++)
        {
            sacral[i] = true;
        }

        for (var i = first; i < segments.Count && (i == first || Winged(i)); i++)
        {
            sacral[i] = true;
        }

        return sacral;
    }

    private static AcquisitionSummary Summarize(AcquisitionInfo? info, VolumeGeometry geometry) => new()
    {
        KvP = info?.KvP,
        ContrastPhase = ContrastPhase.Unknown,
        ContrastBolusAgent = info?.ContrastBolusAgent,
        SliceThicknessMm = info?.SliceThicknessMm,
        SliceSpacingMm = Math.Round(geometry.SliceSpacingMm, 3),
        PixelSpacingMm = Math.Round(geometry.RowSpacingMm, 3),
        ConvolutionKernel = info?.ConvolutionKernel,
        Manufacturer = info?.Manufacturer,
        ManufacturerModelName = info?.ManufacturerModelName,
        PatientAgeYears = info?.PatientAge?.Years,
        PatientSex = info?.PatientSex,
    };

    private static double[] Round(Vector3D p) => [Math.Round(p.X, 1), Math.Round(p.Y, 1), Math.Round(p.Z, 1)];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
