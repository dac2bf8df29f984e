using CtBone.Core.Analysis;

namespace CtBone.Fhir;

/// <summary>What a FHIR report is made from: one completed analysis, as the service stores it.</summary>
public sealed record AnalysisReportSource
{
    /// <summary>The analysis id: the DiagnosticReport's identifier, and the seed of every entry's urn:uuid.</summary>
    public required string AnalysisId { get; init; }

    /// <summary>The findings document (status completed).</summary>
    public required Findings Findings { get; init; }

    /// <summary>When the analysis finished: DiagnosticReport.issued and Observation.issued.</summary>
    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>
    /// True when a reviewer corrected the findings (issue 5: relabelled levels, excluded or included a level, confirmed or
    /// rejected the flag): the report and its observations are then 'amended' rather than 'final'.
    /// </summary>
    public bool Amended { get; init; }
}
