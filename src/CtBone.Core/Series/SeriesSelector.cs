using System.Globalization;

namespace CtBone.Core.Series;

/// <summary>
/// Picks the series to measure bone in: an original axial CT stack with consistent geometry, preferring, when the
/// study offers a choice, no contrast (contrast raises trabecular HU by 11 to 26 HU, CLINICAL.md), thin slices,
/// a soft-tissue kernel and the widest coverage. Every other series gets the reason it was not chosen.
/// </summary>
public sealed class SeriesSelector(SeriesSelectorOptions? options = null)
{
    private readonly SeriesSelectorOptions _options = options ?? new SeriesSelectorOptions();

    public SeriesSelection Select(IEnumerable<SliceHeader> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var evaluated = images
            .GroupBy(h => (h.StudyInstanceUid, h.SeriesInstanceUid))
            .Select(g => Evaluate(g.ToList()))
            .ToList();

        var eligible = evaluated.Where(e => e.Candidate.Eligible).OrderBy(e => e, RankComparer.Instance).ToList();
        if (eligible.Count == 0)
        {
            var reason = evaluated.Count switch
            {
                0 => "no DICOM images found",
                <= 3 => "no usable axial CT series: " + string.Join("; ", evaluated.Select(e => $"{e.Candidate.Label}: {e.Candidate.Reason}")),
                _ => $"no usable axial CT series among {evaluated.Count} series: " + string.Join(", ", evaluated
                    .GroupBy(e => Category(e.Candidate.Reason!))
                    .OrderByDescending(g => g.Count())
                    .Select(g => $"{g.Count()} {g.Key}")),
            };
            return new SeriesSelection(null, null, evaluated.Select(e => e.Candidate).ToList(), reason, []);
        }

        var best = eligible[0];
        var candidates = new List<SeriesCandidate>();
        foreach (var e in evaluated)
        {
            if (e == best)
            {
                candidates.Add(e.Candidate with { Chosen = true, Reason = "chosen: " + Describe(best) });
            }
            else if (e.Candidate.Eligible)
            {
                candidates.Add(e.Candidate with { Reason = "usable, but ranked below the chosen series: " + WhyLower(e, best) });
            }
            else
            {
                candidates.Add(e.Candidate);
            }
        }

        var warnings = new List<string>();
        var studies = evaluated.Select(e => e.Candidate.StudyInstanceUid).Distinct(StringComparer.Ordinal).Count();
        if (studies > 1)
        {
            warnings.Add($"the input holds {studies} studies; the series was chosen among all of them");
        }

        warnings.AddRange(best.Stack!.Warnings);
        if (best.Contrast is { } contrast)
        {
            warnings.Add($"the chosen series has contrast ({contrast}); trabecular HU reads higher than without");
        }

        if (best.Images.Any(i => i.IsLossy))
        {
            warnings.Add("the chosen series is stored with a lossy transfer syntax; HU may differ slightly from the original");
        }

        return new SeriesSelection(best.Candidate.SeriesInstanceUid, best.Stack, candidates, null, warnings)
        {
            Acquisition = AcquisitionInfo.From(best.Images[0]),
            Study = StudyIdentity.From(best.Images[0]),
            StudyInstanceUid = best.Candidate.StudyInstanceUid,
        };
    }

    private Evaluation Evaluate(List<SliceHeader> images)
    {
        var first = images.OrderBy(i => i.InstanceNumber ?? int.MaxValue).First();
        var imageType = images.SelectMany(i => i.ImageType).Distinct(StringComparer.Ordinal).ToList();
        var contrast = ContrastEvidence(first);
        var kernel = ReconstructionKernel.Classify(first.ConvolutionKernel);
        var candidate = new SeriesCandidate
        {
            StudyInstanceUid = first.StudyInstanceUid,
            SeriesInstanceUid = first.SeriesInstanceUid,
            SeriesNumber = first.SeriesNumber,
            SeriesDescription = first.SeriesDescription,
            Modality = first.Modality,
            ImageCount = images.Count,
            ImageType = string.Join('\\', first.ImageType),
            SliceThicknessMm = first.SliceThicknessMm,
            ConvolutionKernel = first.ConvolutionKernel,
            KernelSharpness = kernel,
            Contrast = contrast,
            Plane = Plane(first),
        };

        string? Reject()
        {
            if (first.Modality != "CT")
            {
                return $"modality {first.Modality ?? "missing"}, not CT";
            }

            if (imageType.Contains("LOCALIZER") || images.Count == 1 && (first.SeriesDescription ?? string.Empty).Contains("SCOUT", StringComparison.OrdinalIgnoreCase))
            {
                return "localizer (scout) image";
            }

            var reformat = imageType.FirstOrDefault(t => t is "REFORMATTED" or "MPR" or "MIP" or "MINIP" or "CURVED" or "PROJECTION IMAGE" or "VOLUME" or "CPR" or "VRT" or "3D");
            if (reformat is not null)
            {
                return $"derived reformat (ImageType {candidate.ImageType})";
            }

            if (images.Any(i => i.NumberOfFrames > 1))
            {
                return "multi-frame (enhanced) CT images are not supported yet";
            }

            if (images.Any(i => i.SamplesPerPixel != 1))
            {
                return "colour images, not CT densities";
            }

            if (first.SliceNormal is not { } normal)
            {
                return "no ImageOrientationPatient";
            }

            var tiltFromAxial = normal.AxisAngleDegrees(Volumes.Vector3D.UnitZ);
            if (tiltFromAxial > _options.AxialToleranceDegrees)
            {
                return string.Create(CultureInfo.InvariantCulture, $"not axial: {candidate.Plane} (slice normal {tiltFromAxial:0}° from the head-foot axis, limit {_options.AxialToleranceDegrees:0}°)");
            }

            if (images.Count < _options.MinimumSlices)
            {
                return $"only {images.Count} image(s); at least {_options.MinimumSlices} are needed";
            }

            return null;
        }

        var reason = Reject();
        StackOutcome? stacked = null;
        if (reason is null)
        {
            stacked = SliceStacker.Stack(images, _options.Stacking);
            reason = stacked.RejectionReason;
            if (reason is null && stacked.Stack!.Slots.Count < _options.MinimumSlices)
            {
                reason = $"only {stacked.Stack.Slots.Count} distinct slice positions; at least {_options.MinimumSlices} are needed";
            }
        }

        var stack = reason is null ? stacked!.Stack : null;
        var spacing = stack?.Geometry.SliceSpacingMm;
        candidate = candidate with
        {
            Eligible = reason is null,
            Reason = reason,
            SliceSpacingMm = spacing,
            CoverageMm = stack is null ? null : stack.Geometry.SliceSpacingMm * (stack.Geometry.Slices - 1),
            Dropped = stacked?.Dropped ?? [],
        };
        return new Evaluation(candidate, images, stack, contrast, first.ImageType.Count > 0 && first.ImageType[0] == "DERIVED");
    }

    /// <summary>The kind of a rejection reason, for a one-line summary over many series.</summary>
    private static string Category(string reason)
    {
        var cut = reason.IndexOfAny([':', ';', '(']);
        var head = cut > 0 ? reason[..cut] : reason;
        return head.StartsWith("modality", StringComparison.Ordinal) ? "not CT"
            : head.StartsWith("only", StringComparison.Ordinal) ? "with too few images"
            : head.Trim();
    }

    private static string? ContrastEvidence(SliceHeader header)
    {
        var agent = header.ContrastBolusAgent?.Trim();
        if (!string.IsNullOrEmpty(agent) && !IsNone(agent))
        {
            return $"ContrastBolusAgent '{agent}'";
        }

        var description = header.SeriesDescription?.ToUpperInvariant() ?? string.Empty;
        foreach (var word in s_contrastWords)
        {
            if (description.Contains(word, StringComparison.Ordinal))
            {
                return $"series description says '{word.Trim()}'";
            }
        }

        return null;
    }

    private static bool IsNone(string agent) =>
        agent.ToUpperInvariant() is "NONE" or "NO" or "N" or "0" or "NO CONTRAST" or "NON-CONTRAST" or "NATIVE" or "-";

    private static readonly string[] s_contrastWords = ["C+", "CONTRAST", "ARTERIAL", "PORTAL", "VENOUS", " KM", "ENHANCED", "ANGIO"];

    private static string Plane(SliceHeader header)
    {
        if (header.SliceNormal is not { } n)
        {
            return "unknown plane";
        }

        var (x, y, z) = (Math.Abs(n.X), Math.Abs(n.Y), Math.Abs(n.Z));
        return z >= x && z >= y ? "axial" : x >= y ? "sagittal" : "coronal";
    }

    private static string Describe(Evaluation e)
    {
        var parts = new List<string> { e.Derived ? "derived axial CT" : "original axial CT" };
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"{e.Stack!.Geometry.Slices} slices"));
        if (e.Candidate.SliceThicknessMm is { } t)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{t:0.##} mm thick"));
        }

        parts.Add(e.Contrast is null ? "no contrast" : "contrast: " + e.Contrast);
        parts.Add(e.Candidate.KernelSharpness switch
        {
            KernelSharpness.Soft => $"soft-tissue kernel {e.Candidate.ConvolutionKernel}",
            KernelSharpness.Sharp => $"sharp kernel {e.Candidate.ConvolutionKernel}",
            _ => "kernel " + (e.Candidate.ConvolutionKernel ?? "not recorded"),
        });
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"{e.Candidate.CoverageMm:0} mm coverage"));
        return string.Join(", ", parts);
    }

    private static string WhyLower(Evaluation e, Evaluation best)
    {
        if (e.Derived && !best.Derived)
        {
            return "it is a derived series and the chosen one is original";
        }

        if (e.Contrast is not null && best.Contrast is null)
        {
            return $"it has contrast ({e.Contrast}) and the chosen one has none";
        }

        if (!RankComparer.IsThin(e) && RankComparer.IsThin(best))
        {
            return string.Create(CultureInfo.InvariantCulture, $"its slices are {RankComparer.Thickness(e):0.##} mm, the chosen series' {RankComparer.Thickness(best):0.##} mm");
        }

        if (e.Candidate.KernelSharpness != KernelSharpness.Soft && best.Candidate.KernelSharpness == KernelSharpness.Soft)
        {
            return $"its kernel {e.Candidate.ConvolutionKernel ?? "(none)"} is not a soft-tissue kernel like the chosen {best.Candidate.ConvolutionKernel}";
        }

        return "it covers less, has thicker slices or more interpolated or dropped slices: " + Describe(e);
    }

    private sealed record Evaluation(SeriesCandidate Candidate, List<SliceHeader> Images, StackedSeries? Stack, string? Contrast, bool Derived);

    private sealed class RankComparer : IComparer<Evaluation>
    {
        public static readonly RankComparer Instance = new();

        public static double Thickness(Evaluation e) => e.Candidate.SliceThicknessMm ?? e.Stack!.Geometry.SliceSpacingMm;

        public static bool IsThin(Evaluation e) => Thickness(e) <= 3.0 + 1e-6;

        public int Compare(Evaluation? a, Evaluation? b)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(b);
            int c;
            if ((c = a.Derived.CompareTo(b.Derived)) != 0 ||
                (c = (a.Contrast is not null).CompareTo(b.Contrast is not null)) != 0 ||
                (c = IsThin(b).CompareTo(IsThin(a))) != 0 ||
                (c = Sharpness(a).CompareTo(Sharpness(b))) != 0 ||
                (c = (a.Stack!.InterpolatedCount + a.Candidate.Dropped.Count).CompareTo(b.Stack!.InterpolatedCount + b.Candidate.Dropped.Count)) != 0 ||
                (c = Math.Round(b.Candidate.CoverageMm ?? 0).CompareTo(Math.Round(a.Candidate.CoverageMm ?? 0))) != 0 ||
                (c = Thickness(a).CompareTo(Thickness(b))) != 0)
            {
                return c;
            }

            return string.CompareOrdinal(a.Candidate.SeriesInstanceUid, b.Candidate.SeriesInstanceUid);
        }

        private static int Sharpness(Evaluation e) => e.Candidate.KernelSharpness switch
        {
            KernelSharpness.Soft => 0,
            KernelSharpness.Unknown => 1,
            _ => 2,
        };
    }
}

/// <summary>One series as the selector saw it.</summary>
public sealed record SeriesCandidate
{
    public required string StudyInstanceUid { get; init; }

    public required string SeriesInstanceUid { get; init; }

    public int? SeriesNumber { get; init; }

    public string? SeriesDescription { get; init; }

    public string? Modality { get; init; }

    public int ImageCount { get; init; }

    public string ImageType { get; init; } = string.Empty;

    public string Plane { get; init; } = string.Empty;

    public double? SliceThicknessMm { get; init; }

    public double? SliceSpacingMm { get; init; }

    public double? CoverageMm { get; init; }

    public string? ConvolutionKernel { get; init; }

    public KernelSharpness KernelSharpness { get; init; }

    /// <summary>What says the series has contrast, or null when nothing does.</summary>
    public string? Contrast { get; init; }

    public bool Eligible { get; init; }

    public bool Chosen { get; init; }

    /// <summary>Why it was chosen, ranked lower or not usable.</summary>
    public string? Reason { get; init; }

    public IReadOnlyList<FileIssue> Dropped { get; init; } = [];

    public string Label => SeriesNumber is { } n ? $"series {n} ({SeriesDescription ?? "no description"})" : $"series {SeriesInstanceUid}";
}

/// <summary>The chosen series (null when none qualifies, with <see cref="Reason"/>), and every candidate.</summary>
public sealed record SeriesSelection(
    string? SeriesInstanceUid,
    StackedSeries? Stack,
    IReadOnlyList<SeriesCandidate> Candidates,
    string? Reason,
    IReadOnlyList<string> Warnings)
{
    public string? StudyInstanceUid { get; init; }

    public AcquisitionInfo? Acquisition { get; init; }

    public StudyIdentity? Study { get; init; }
}

/// <summary>Rules for <see cref="SeriesSelector"/>.</summary>
public sealed record SeriesSelectorOptions
{
    /// <summary>Fewest slices a usable series has. Default 16.</summary>
    public int MinimumSlices { get; init; } = 16;

    /// <summary>Largest angle between the slice normal and the head-foot axis that still counts as axial (gantry tilt included). Default 30°.</summary>
    public double AxialToleranceDegrees { get; init; } = 30;

    public SliceStackerOptions Stacking { get; init; } = new();
}
