using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Store;

namespace CtBone.Api.Web;

/// <summary>Everything the study page (and its printed report) shows of one analysis.</summary>
public sealed record StudyView
{
    public required PageUser User { get; init; }

    public required AnalysisRecord Record { get; init; }

    /// <summary>The result shown: the reviewer's corrected findings when reviewed, else the analysis' own; null until done.</summary>
    public Findings? Findings { get; init; }

    /// <summary>The analysis' own findings, when a reviewer corrected them.</summary>
    public Findings? Original { get; init; }

    public ReviewDocument? Review { get; init; }

    public IReadOnlyList<string> ImageNames { get; init; } = [];

    public IReadOnlyList<string> PlannedLevels { get; init; } = [];

    public FusionPlan? Plan { get; init; }

    /// <summary>The patient's CTs with this one, when there is more than one.</summary>
    public DensityTimeline? Timeline { get; init; }

    /// <summary>The print-friendly report: no navigation, no forms.</summary>
    public bool Print { get; init; }

    /// <summary>Why the last review form was refused, shown above the review forms.</summary>
    public string? ReviewProblem { get; init; }

    /// <summary>The deliveries of the analysis' DICOM objects to PACS; empty when it made none.</summary>
    public IReadOnlyList<DeliveryRecord> Deliveries { get; init; } = [];

    /// <summary>Why the last resend was refused, shown above the deliveries.</summary>
    public string? DeliveryProblem { get; init; }

    public string Href => "/studies/" + Record.Id;

    public string ReportHref => Href + "/report" + PlanQuery;

    public string PlanQuery => PlannedLevels.Count == 0 ? "" : "?" + string.Join('&', PlannedLevels.Select(l => "levels=" + Uri.EscapeDataString(l)));

    public string? SagittalImage => Image(KeyImageNames.Sagittal);

    /// <summary>The axial key image of the level at <paramref name="index"/>: named by the analysis' own label, which a review may have changed.</summary>
    public string? AxialImage(int index) => AnalysisLabel(index) is { } label ? Image(KeyImageNames.Axial(label)) : null;

    /// <summary>The label the analysis gave the level at <paramref name="index"/> (and burned into its key image).</summary>
    public string? AnalysisLabel(int index) => (Original ?? Findings)?.Vertebrae is { } levels && index < levels.Count ? levels[index].Level : null;

    private string? Image(string name) => ImageNames.Contains(name, StringComparer.Ordinal) ? $"/api/analyses/{Record.Id}/images/{Uri.EscapeDataString(name)}" : null;
}

/// <summary>The file names the worker gives key images (CtBone.Imaging's KeyImageRenderer).</summary>
public static class KeyImageNames
{
    public const string Sagittal = "sagittal.png";

    public static string Axial(string level) => level + "_axial.png";
}
