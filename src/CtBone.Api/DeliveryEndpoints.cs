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
            .WithSummary("Send an analysis' DICOM objects to PACS again after the delivery failed: the delivery becomes pending with its attempts reset, and is tried at once. 409 when nothing failed (pending, sent, or nowhere to send).");
        return routes;
    }

    private static async Task<IResult> RetryAsync(string id, HttpContext context, DeliveryResends resends)
    {
        var outcome = await resends.RetryAsync(context, id).ConfigureAwait(false);
        return outcome.Delivery is { } delivery
            ? Results.Json(DeliveryResource.From(delivery), CtBoneJson.Options, statusCode: StatusCodes.Status202Accepted)
            : Problems.For(outcome.Status, outcome.Problem!);
    }
}

/// <summary>What a resend came to; <see cref="Delivery"/> is the delivery put back in the queue.</summary>
public sealed record ResendOutcome(int Status, string? Problem, DeliveryRecord? Delivery);

/// <summary>
/// Puts a failed delivery back in the queue and enqueues <see cref="ResultDeliveryJob"/>; the resend is audited with the
/// failure it answers. Only a failed delivery is resent: a pending one is still being tried, a sent one arrived.
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

        var delivery = await deliveries.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        var refusal = delivery?.State switch
        {
            null => $"analysis {id} made no DICOM objects for PACS: there is nothing to resend",
            DeliveryState.None => $"analysis {id} has no destination to send to: {delivery.Reason}",
            DeliveryState.Pending => $"the delivery of analysis {id} is already pending",
            DeliveryState.Sent => $"the delivery of analysis {id} was sent at {delivery.SentAt:u}: there is nothing to resend",
            _ => null,
        };
        // The state may change between the read and the update (a second resend, a worker recording an attempt): the
        // update itself requires "failed", so only one resend wins.
        if (refusal is not null || !await deliveries.RetryAsync(id, context.RequestAborted).ConfigureAwait(false))
        {
            return new ResendOutcome(StatusCodes.Status409Conflict, refusal ?? $"the delivery of analysis {id} is no longer failed", null);
        }

        await audit.RecordAsync(context, "delivery.retry", id, $"resend after: {delivery!.Reason}").ConfigureAwait(false);
        ResultDeliveryJob.Enqueue(jobs, id);
        return new ResendOutcome(StatusCodes.Status202Accepted, null, await deliveries.GetAsync(id, context.RequestAborted).ConfigureAwait(false));
    }
}
