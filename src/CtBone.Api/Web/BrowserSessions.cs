using System.Security.Claims;
using CtBone.Store;
using CtBone.Worker;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CtBone.Api.Web;

/// <summary>
/// People in a browser cannot send a bearer header, so they paste their API key once at <c>/signin</c>. The key is
/// checked and forgotten: the session cookie holds an encrypted, signed ticket with the key's id, name and role, never
/// the key. Every request re-checks that the key is still in use, so revoking it ends its sessions at once.
/// </summary>
/// <remarks>
/// Callers that present a key (header) are authenticated by <see cref="ApiKeyAuthentication"/>; others by the cookie.
/// Refusals follow the route: pages send a person to the sign-in page (or show a 403 page), every other route answers
/// with a 401 or 403 problem document, as before.
/// </remarks>
public static class BrowserSessions
{
    public const string CookieScheme = "Session";
    public const string CookieName = "ctbone-session";
    public const string AntiforgeryCookieName = "ctbone-antiforgery";
    public const string SignInPath = "/signin";
    public const string SignOutPath = "/signout";
    public const string ReturnUrlParameter = "returnUrl";

    /// <summary>A session lasts this long after its last use, a working day at most without activity.</summary>
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromHours(8);

    private const string SelectingScheme = "ApiKeyOrSession";
    private const string RefusingScheme = "SignInOrProblem";

    public static IServiceCollection AddBrowserSessions(this IServiceCollection services)
    {
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = SelectingScheme;
                options.DefaultChallengeScheme = RefusingScheme;
                options.DefaultForbidScheme = RefusingScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null)
            .AddPolicyScheme(SelectingScheme, null, options => options.ForwardDefaultSelector = context =>
                ApiKeyAuthentication.PresentedKey(context.Request) is null ? CookieScheme : ApiKeyAuthentication.SchemeName)
            .AddPolicyScheme(RefusingScheme, null, options => options.ForwardDefaultSelector = context =>
                BrowserPage.Is(context) ? CookieScheme : ApiKeyAuthentication.SchemeName)
            .AddCookie(CookieScheme, options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                // Secure whenever the page came over HTTPS; a loopback or test deployment on plain HTTP still works.
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.Cookie.IsEssential = true;
                options.ExpireTimeSpan = IdleLifetime;
                options.SlidingExpiration = true;
                options.LoginPath = SignInPath;
                options.LogoutPath = SignOutPath;
                options.ReturnUrlParameter = ReturnUrlParameter;
                options.Events = new CookieAuthenticationEvents
                {
                    OnValidatePrincipal = EnsureKeyInUseAsync,
                    OnRedirectToAccessDenied = context => PageResults.Message(
                        StatusCodes.Status403Forbidden, "Not allowed", "Your role may not use this page or action. Ask an admin for a key with the right role.").ExecuteAsync(context.HttpContext),
                };
            });
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = AntiforgeryCookieName;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        // Session tickets are encrypted with keys kept in the data folder (owner only), so a restart keeps people signed in.
        services.AddDataProtection().SetApplicationName("CtBone");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<ServiceOptions>, ILoggerFactory>((options, service, logs) =>
        {
            var folder = Path.Combine(service.Value.DataDirectory, "session-keys");
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            options.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(folder), logs);
        });
        return services;
    }

    /// <summary>The ticket of a signed-in key: its id (re-checked on every request), name and role.</summary>
    public static ClaimsPrincipal Principal(ApiKeyIdentity key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, key.Id), new Claim(ClaimTypes.Name, key.Name), new Claim(ClaimTypes.Role, key.Role)],
            CookieScheme));
    }

    private static async Task EnsureKeyInUseAsync(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var keys = context.HttpContext.RequestServices.GetRequiredService<ApiKeyStore>();
        var key = id is null ? null : await keys.FindByIdAsync(id, context.HttpContext.RequestAborted).ConfigureAwait(false);
        if (key is null || key.Role != context.Principal!.FindFirstValue(ClaimTypes.Role))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme).ConfigureAwait(false);
        }
    }
}
