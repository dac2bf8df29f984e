using CtBone.Core;
using CtBone.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace CtBone.Api;

/// <summary>Admin routes: API keys (shown once when made, stored hashed) and the audit log.</summary>
public static class AdminEndpoints
{
    public sealed record KeyRequest(string? Name, string? Role);

    public sealed record CreatedKey(string Id, string Name, string Role, string Key);

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/api").WithTags("admin").RequireAuthorization(Policies.Admin);
        admin.MapPost("/keys", async ([FromBody] KeyRequest request, ApiKeyStore keys, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name) || request.Role is null || !Roles.IsKnown(request.Role))
            {
                return Problems.BadRequest($"a key needs a name and a role: {Roles.Known}");
            }

            var (identity, key) = await keys.CreateAsync(request.Name, request.Role, cancellationToken).ConfigureAwait(false);
            return Results.Json(new CreatedKey(identity.Id, identity.Name, identity.Role, key), CtBoneJson.Options, statusCode: StatusCodes.Status201Created);
        }).WithSummary("Make an API key; the key is in this answer only.");
        admin.MapGet("/keys", async (ApiKeyStore keys, CancellationToken cancellationToken) =>
            Results.Json(await keys.ListAsync(cancellationToken).ConfigureAwait(false), CtBoneJson.Options)).WithSummary("The keys in use (names and roles, never the keys).");
        admin.MapDelete("/keys/{id}", async (string id, ApiKeyStore keys, CancellationToken cancellationToken) =>
            await keys.RevokeAsync(id, cancellationToken).ConfigureAwait(false) ? Results.NoContent() : Problems.NotFound($"no key {id} in use")).WithSummary("Revoke a key.");
        admin.MapGet("/audit", async (string? resource, int? limit, AuditLog log, CancellationToken cancellationToken) =>
            Results.Json(await log.ReadAsync(resource, limit ?? 100, cancellationToken).ConfigureAwait(false), CtBoneJson.Options)).WithSummary("Who read which patient data, newest first.");
        return routes;
    }
}
