using System.Security.Claims;
using System.Text.Encodings.Web;
using CtBone.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CtBone.Api;

/// <summary>
/// Callers present an API key as a bearer token (<c>Authorization: Bearer ctb_...</c>) or in <c>X-Api-Key</c>. The key's
/// role becomes the caller's role; the key's name is who the audit log says read what.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string KeyHeader = "X-Api-Key";

    /// <summary>The key the request presents, or null: a request without one is a browser's, with its session cookie.</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.TryGetValue(KeyHeader, out var header))
        {
            return header.ToString();
        }

        return request.Headers.TryGetValue(HeaderNames.Authorization, out var authorization)
            && authorization.ToString() is var value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? value["Bearer ".Length..].Trim()
            : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey(Request);
        if (string.IsNullOrEmpty(presented))
        {
            return AuthenticateResult.NoResult();
        }

        var identity = await keys.FindAsync(presented, Context.RequestAborted).ConfigureAwait(false);
        if (identity is null)
        {
            return AuthenticateResult.Fail("unknown or revoked API key");
        }

        var claims = new[]
        {
            new Claim(ClaimTypes.NameIdentifier, identity.Id),
            new Claim(ClaimTypes.Name, identity.Name),
            new Claim(ClaimTypes.Role, identity.Role),
        };
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }
}

/// <summary>The authorization policies routes and pages name: each role, with admin allowed everywhere and reviewers reading what viewers read.</summary>
public static class Policies
{
    public const string Ingest = "ingest";
    public const string Viewer = "viewer";
    public const string Admin = "admin";

    /// <summary>Reviewer corrections: reviewers and admins.</summary>
    public const string Reviewer = "reviewer";
}
