using System.Security.Claims;
using CtBone.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace CtBone.Api.Web;

/// <summary>Who is looking at a page, what they may do there, and the token their forms carry back.</summary>
public sealed record PageUser(string Name, string Role, bool HasSession, AntiforgeryTokenSet Tokens)
{
    public bool CanReview => Role is Roles.Reviewer or Roles.Admin;

    public static PageUser From(HttpContext context, IAntiforgery antiforgery)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(antiforgery);
        return new PageUser(
            context.User.FindFirstValue(ClaimTypes.Name) ?? "unknown",
            context.User.FindFirstValue(ClaimTypes.Role) ?? "none",
            context.User.Identity?.AuthenticationType == BrowserSessions.CookieScheme,
            antiforgery.GetAndStoreTokens(context));
    }
}
