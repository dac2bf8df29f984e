using CtBone.Core;
using CtBone.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CtBone.Api;

/// <summary>Reviewer corrections as JSON: the same review the study page's forms make.</summary>
public static class ReviewEndpoints
{
    public static IEndpointRouteBuilder MapReviews(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/analyses/{id}/review", ReviewAsync).WithTags("analyses").RequireAuthorization(Policies.Reviewer)
            .WithSummary("Review a completed analysis: shiftLabels ('up': what was called L1 is T12, or 'down'), exclude and include [{level, reason}] (levels named after the shift), flag ('confirmed' or 'rejected'), note. The screening is recomputed from the stored measurements; the answer is the analysis with the corrected findings, the original ones and the review.");
        return routes;
    }

    private static async Task<IResult> ReviewAsync(string id, ReviewRequest request, HttpContext context, AnalysisReviews reviews, AnalysisStore store)
    {
        var outcome = await reviews.ReviewAsync(context, id, request).ConfigureAwait(false);
        if (outcome.Record is not { } record)
        {
            return Problems.For(outcome.Status, outcome.Problem!);
        }

        var images = await store.KeyImageNamesAsync(id, context.RequestAborted).ConfigureAwait(false);
        return Results.Json(AnalysisResource.From(record, images), CtBoneJson.Options);
    }
}
