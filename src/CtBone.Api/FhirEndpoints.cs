using System.Text;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Analysis;
using CtBone.Fhir;
using CtBone.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace CtBone.Api;

/// <summary>An analysis for hospital systems that read FHIR rather than DICOM SR: a FHIR R4 Bundle written by CtBone.Fhir.</summary>
public static class FhirEndpoints
{
    /// <summary>FHIR JSON, naming the release (FHIR R4 http.html#version-parameter).</summary>
    private const string ContentType = AnalysisBundleWriter.MediaType + "; fhirVersion=4.0";

    public static IEndpointRouteBuilder MapFhirReports(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/analyses/{id}/fhir", ReportAsync).WithTags("analyses").RequireAuthorization(Policies.Viewer)
            .Produces(StatusCodes.Status200OK, contentType: AnalysisBundleWriter.MediaType)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("A completed analysis as a FHIR R4 Bundle (collection): DiagnosticReport, a screening Observation and one per level, Patient, ImagingStudy, the algorithm's Device. 409 while it is queued or running, or when it was rejected or failed.");
        return routes;
    }

    private static async Task<IResult> ReportAsync(string id, HttpContext context, AnalysisStore store, AuditTrail audit, IOptions<FhirExportOptions> options, TimeProvider clock)
    {
        var record = await store.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (record is null)
        {
            return Problems.NotFound($"no analysis {id}");
        }

        // 409, not 404: the analysis exists, it has no report (yet, or ever). Its own resource says which and why.
        if (record.State != AnalysisState.Completed || record.ResultFindingsJson is not { } json)
        {
            var state = AnalysisStore.Text(record.State);
            return Problems.Conflict(record.IsFinal
                ? $"analysis {id} is {state}: only a completed analysis has a FHIR report; GET /api/analyses/{id} says why"
                : $"analysis {id} is {state}: its FHIR report exists once it has completed; follow GET /api/analyses/{id}");
        }

        var findings = JsonSerializer.Deserialize<Findings>(json, CtBoneJson.Options)
            ?? throw new InvalidOperationException($"analysis {id} holds no findings document");
        await audit.RecordAsync(context, "fhir-report.read", id).ConfigureAwait(false);
        // A reviewer's correction is the result: the report carries it, marked amended.
        var source = new AnalysisReportSource { AnalysisId = record.Id, Findings = findings, FinishedAt = record.FinishedAt ?? record.CreatedAt, Amended = record.IsReviewed };
        return Results.Text(new AnalysisBundleWriter(options.Value).ToJson(source, clock.GetUtcNow()), ContentType, Encoding.UTF8);
    }
}
