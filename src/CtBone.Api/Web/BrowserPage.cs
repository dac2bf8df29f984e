using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CtBone.Api.Web;

/// <summary>
/// Marks an endpoint as a page for people: a refusal sends them to the sign-in page instead of answering 401, and the
/// answer carries the page headers (no caching of patient data, no framing, no scripts, no referrer).
/// </summary>
public sealed class BrowserPage
{
    private BrowserPage()
    {
    }

    public static BrowserPage Instance { get; } = new();

    public static bool Is(HttpContext context) => context?.GetEndpoint()?.Metadata.GetMetadata<BrowserPage>() is not null;

    /// <summary>Pages load only their own style sheet and images, run no script and post forms only to this service.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
}

/// <summary>The page conventions: <see cref="BrowserPage"/> metadata, left out of OpenAPI, with the page headers.</summary>
public static class BrowserPageExtensions
{
    public static RouteHandlerBuilder AsPage(this RouteHandlerBuilder builder) => builder
        .WithMetadata(BrowserPage.Instance)
        .ExcludeFromDescription()
        .AddEndpointFilter(async (context, next) =>
        {
            var headers = context.HttpContext.Response.Headers;
            headers.ContentSecurityPolicy = BrowserPage.ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-store";
            return await next(context).ConfigureAwait(false);
        });

    /// <summary>
    /// A form post must carry the antiforgery token of a page this service rendered. A caller that presents an API key in
    /// a header is no browser riding on a cookie, so there is nothing to forge and no token is asked for.
    /// </summary>
    public static RouteHandlerBuilder WithFormAntiforgery(this RouteHandlerBuilder builder) => builder.AddEndpointFilter(async (context, next) =>
    {
        var http = context.HttpContext;
        if (!http.Request.HasFormContentType
            || (ApiKeyAuthentication.PresentedKey(http.Request) is null
                && !await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http).ConfigureAwait(false)))
        {
            return PageResults.Message(
                StatusCodes.Status400BadRequest, "Form not accepted", "This form has expired or did not come from a CtBone page. Go back, reload the page and try again.");
        }

        return await next(context).ConfigureAwait(false);
    });
}
