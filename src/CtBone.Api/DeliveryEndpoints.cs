using CtBone.Core;
using CtBone.Store;
using CtBone.Worker;
using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CtBone.Api;

/// <summary>A resend of a failed delivery to PACS, asked for over the API or from the study page.</summary>
public static class DeliveryEndpoints
{
    public static IEndpointRouteBuilder MapDeliveries(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/analyses/{id}/delivery/retry", RetryAsync).WithTags("analyses").RequireAuthorization(Policies.Reviewer)
            .WithSummary("Send an analysis' DICOM objects to PACS again after a delivery failed: each failed delivery (the analysis' own objects or a reviewer's revision) becomes pending with its attempts reset and is tried at once; the answer lists the deliveries. 409 when none failed (pending, sent, or nowhere to send).");
        return routes;
    }

    private static async Task<IResult> RetryAsync(string id, HttpContext context, DeliveryResends resends)
    {
        var outcome = await resends.RetryAsync(context, id).ConfigureAwait(false);
        return outcome.Deliveries is { } all
            ? Results.Json(all.Select(d => DeliveryResource.From(d)), CtBoneJson.Options, statusCode: StatusCodes.Status202Accepted)
            : Problems.For(outcome.Status, outcome.Problem!);
    }
}

/// <summary>What a resend came to; <see cref="Deliveries"/> are the analysis' deliveries once the failed ones are back in the queue.</summary>
public sealed record ResendOutcome(int Status, string? Problem, IReadOnlyList<DeliveryRecord>? Deliveries);

/// <summary>
/// Puts an analysis' failed deliveries (its own objects, or a revision of them) back in the queue and enqueues
/// <see cref="ResultDeliveryJob"/>; the resend is audited with the failures it answers. Only a failed delivery is
/// resent: a pending one is still being tried, a sent one arrived.
/// </summary>
public sealed class DeliveryResends(AnalysisStore store, ResultDeliveries deliveries, IBackgroundJobClient jobs, AuditTrail audit)
{
    public async Task<ResendOutcome> RetryAsync(HttpContext context, string id)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await store.GetAsync(id, context.RequestAborted).ConfigureAwait(false) is null)
        {
            return new ResendOutcome(StatusCodes.Status404NotFound, $"no analysis {id}", null);
        }

        var all = await deliveries.AllAsync(id, context.RequestAborted).ConfigureAwait(false);
        var failed = all.Where(d => d.State == DeliveryState.Failed).ToList();
        var refusal = failed.Count > 0 ? null
            : all.Count == 0 ? $"analysis {id} made no DICOM objects for PACS: there is nothing to resend"
            : all.Any(d => d.State == DeliveryState.Pending) ? $"the delivery of analysis {id} is already pending"
            : all.All(d => d.State == DeliveryState.None) ? $"analysis {id} has no destination to send to: {all[0].Reason}"
            : $"the delivery of analysis {id} was sent: there is nothing to resend";
        // The state may change between the read and the update (a second resend, a worker recording an attempt): the
        // update itself requires "failed", so only one resend wins.
        if (refusal is not null || !await deliveries.RetryAsync(id, context.RequestAborted).ConfigureAwait(false))
        {
            return new ResendOutcome(StatusCodes.Status409Conflict, refusal ?? $"the delivery of analysis {id} is no longer failed", null);
        }

        await audit.RecordAsync(
            context, "delivery.retry", id, string.Join("; ", failed.Select(d => $"revision {d.Revision} resent after: {d.Reason}"))).ConfigureAwait(false);
        ResultDeliveryJob.Enqueue(jobs, id);
        return new ResendOutcome(StatusCodes.Status202Accepted, null, await deliveries.AllAsync(id, context.RequestAborted).ConfigureAwait(false));
    }
}
