using System.Text.Json;
using CtBone.Api.Web.Pages;
using CtBone.Core;
using CtBone.Core.Analysis;
using CtBone.Core.Review;
using CtBone.Core.Screening;
using CtBone.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CtBone.Api.Web;

/// <summary>
/// The surgeons' pages: sign-in, the worklist, the study page with its planning panel, timeline and review forms, and
/// the printable report. They use the same policies as the API; reading a page with patient data is audited like an
/// API read. Forms post back here with an antiforgery token and redirect (post, redirect, get).
/// </summary>
public static class PageEndpoints
{
    public const string StyleSheetPath = "/static/ctbone.css";

    private static readonly Lazy<byte[]> s_styleSheet = new(() =>
    {
        using var stream = typeof(PageEndpoints).Assembly.GetManifestResourceStream("CtBone.Api.Web.ctbone.css")!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", () => Results.Redirect("/worklist")).AsPage().RequireAuthorization(Policies.Viewer);
        routes.MapGet(BrowserSessions.SignInPath, SignInForm).AsPage().AllowAnonymous();
        routes.MapPost(BrowserSessions.SignInPath, SignInAsync).AsPage().AllowAnonymous().WithFormAntiforgery();
        routes.MapPost(BrowserSessions.SignOutPath, SignOutAsync).AsPage().RequireAuthorization().WithFormAntiforgery();
        routes.MapGet("/worklist", WorklistAsync).AsPage().RequireAuthorization(Policies.Viewer);
        routes.MapGet("/studies/{id}", (string id, HttpContext context, PageData data) => StudyAsync(context, data, id, print: false))
            .AsPage().RequireAuthorization(Policies.Viewer);
        routes.MapGet("/studies/{id}/report", (string id, HttpContext context, PageData data) => StudyAsync(context, data, id, print: true))
            .AsPage().RequireAuthorization(Policies.Viewer);
        routes.MapPost("/studies/{id}/review", ReviewAsync).AsPage().RequireAuthorization(Policies.Reviewer).WithFormAntiforgery();
        routes.MapPost("/studies/{id}/delivery/retry", ResendAsync).AsPage().RequireAuthorization(Policies.Reviewer).WithFormAntiforgery();
        routes.MapGet(StyleSheetPath, () => Results.Bytes(s_styleSheet.Value, "text/css; charset=utf-8")).AllowAnonymous().ExcludeFromDescription();
        return routes;
    }

    private static RazorComponentResult SignInForm(HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
        PageResults.Page<SignInPage>(new SignInView(antiforgery.GetAndStoreTokens(context), LocalOrHome(returnUrl), null, SignedInAs(context)));

    private static async Task<IResult> SignInAsync(HttpContext context, IAntiforgery antiforgery, ApiKeyStore keys, AuditTrail audit)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var returnUrl = LocalOrHome(form[BrowserSessions.ReturnUrlParameter]);
        var key = await keys.FindAsync(form["key"].ToString().Trim(), context.RequestAborted).ConfigureAwait(false);
        if (key is null)
        {
            return PageResults.Page<SignInPage>(
                new SignInView(antiforgery.GetAndStoreTokens(context), returnUrl, "That key is not known or has been revoked.", null), StatusCodes.Status401Unauthorized);
        }

        var principal = BrowserSessions.Principal(key);
        await context.SignInAsync(BrowserSessions.CookieScheme, principal).ConfigureAwait(false);
        context.User = principal;
        await audit.RecordAsync(context, "session.signin", null).ConfigureAwait(false);
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, AuditTrail audit)
    {
        await audit.RecordAsync(context, "session.signout", null).ConfigureAwait(false);
        await context.SignOutAsync(BrowserSessions.CookieScheme).ConfigureAwait(false);
        return Results.Redirect(BrowserSessions.SignInPath);
    }

    private static async Task<IResult> WorklistAsync(HttpContext context, PageData data)
    {
        var problems = new List<string>();
        var (filter, query) = WorklistFilter.Parse(context.Request.Query, problems);
        var page = await data.Store.ListAsync(query, context.RequestAborted).ConfigureAwait(false);
        var scanners = await data.Store.ScannersAsync(context.RequestAborted).ConfigureAwait(false);
        await data.Audit.RecordAsync(
            context, "worklist.read", "worklist", $"filters: {filter.Audited()}; {page.Items.Count} of {page.Total}: {string.Join(',', page.Items.Select(i => i.Id))}").ConfigureAwait(false);
        return PageResults.Page<WorklistPage>(new WorklistView(data.User(context), filter, page, scanners, problems));
    }

    private static async Task<IResult> StudyAsync(
        HttpContext context, PageData data, string id, bool print, string? reviewProblem = null, int status = StatusCodes.Status200OK, string? deliveryProblem = null)
    {
        var user = data.User(context);
        var record = await data.Store.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (record is null)
        {
            return PageResults.Message(StatusCodes.Status404NotFound, "No such study", $"There is no analysis {id}.", user);
        }

        var planned = context.Request.Query["levels"].Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => l!.Trim()).Take(30).ToList();
        var findings = Parse(record.ResultFindingsJson);
        var timeline = record.PatientId is { } patient && findings?.Screening is not null
            ? await TimelineAsync(data.Store, patient, context.RequestAborted).ConfigureAwait(false)
            : null;
        var view = new StudyView
        {
            User = user,
            Record = record,
            Findings = findings,
            Original = record.IsReviewed ? Parse(record.FindingsJson) : null,
            Review = ReviewDocument.Parse(record.ReviewJson),
            ImageNames = await data.Store.KeyImageNamesAsync(id, context.RequestAborted).ConfigureAwait(false),
            PlannedLevels = planned,
            Plan = planned.Count > 0 && findings?.Screening is { } screening ? FusionPlanning.Plan(screening, planned) : null,
            Timeline = timeline,
            Print = print,
            ReviewProblem = reviewProblem,
            Deliveries = await data.Deliveries.AllAsync(id, context.RequestAborted).ConfigureAwait(false),
            DeliveryProblem = deliveryProblem,
        };
        var others = timeline is null ? "" : "; timeline: " + string.Join(',', timeline.Scans.Select(s => s.AnalysisId).Where(s => s != id));
        await data.Audit.RecordAsync(context, print ? "study-report.read" : "study-page.read", id, (print ? "printable report" : "study page") + others).ConfigureAwait(false);
        return PageResults.Page<StudyPage>(view, status);
    }

    private static async Task<DensityTimeline?> TimelineAsync(AnalysisStore store, string patientId, CancellationToken cancellationToken)
    {
        var history = await store.PatientHistoryAsync(patientId, cancellationToken).ConfigureAwait(false);
        var scans = history
            .Select(r => (r, Parse(r.ResultFindingsJson)?.Screening))
            .Where(s => s.Item1.StudyDate is not null && s.Screening is not null)
            .Select(s => new TimelineScan(s.Item1.Id, s.Item1.StudyDate!.Value, s.Screening!))
            .ToList();
        return scans.Count > 1 ? DensityTimeline.Build(scans) : null;
    }

    /// <summary>The review forms: one action per form (shift, exclude, include, confirm, reject, note), then back to the study.</summary>
    private static async Task<IResult> ReviewAsync(string id, HttpContext context, PageData data, AnalysisReviews reviews)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var level = form["level"].ToString();
        var reason = form["reason"].ToString();
        var request = form["action"].ToString() switch
        {
            "shift-up" => new ReviewRequest { ShiftLabels = LabelShift.Up },
            "shift-down" => new ReviewRequest { ShiftLabels = LabelShift.Down },
            "exclude" => new ReviewRequest { Exclude = [new LevelDecision(level, reason)] },
            "include" => new ReviewRequest { Include = [new LevelDecision(level, reason)] },
            "confirm" => new ReviewRequest { Flag = FlagDecision.Confirmed },
            "reject" => new ReviewRequest { Flag = FlagDecision.Rejected },
            "note" => new ReviewRequest(),
            _ => null,
        };
        if (request is null)
        {
            return await StudyAsync(context, data, id, print: false, "Unknown review action.", StatusCodes.Status400BadRequest).ConfigureAwait(false);
        }

        var outcome = await reviews.ReviewAsync(context, id, request with { Note = form["note"].ToString() }).ConfigureAwait(false);
        return outcome.Record is null
            ? await StudyAsync(context, data, id, print: false, outcome.Problem, outcome.Status).ConfigureAwait(false)
            : Results.Redirect($"/studies/{Uri.EscapeDataString(id)}#review");
    }

    /// <summary>The study page's resend button: a failed delivery to PACS is tried again, then back to the study.</summary>
    private static async Task<IResult> ResendAsync(string id, HttpContext context, PageData data, DeliveryResends resends)
    {
        var outcome = await resends.RetryAsync(context, id).ConfigureAwait(false);
        return outcome.Deliveries is null
            ? await StudyAsync(context, data, id, print: false, status: outcome.Status, deliveryProblem: outcome.Problem).ConfigureAwait(false)
            : Results.Redirect($"/studies/{Uri.EscapeDataString(id)}#delivery");
    }

    private static Findings? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize<Findings>(json, CtBoneJson.Options);

    private static string LocalOrHome(string? url) => !string.IsNullOrEmpty(url) && RedirectHttpResult.IsLocalUrl(url) ? url : "/worklist";

    private static string? SignedInAs(HttpContext context) => context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : null;
}

/// <summary>What every page handler needs: the stores, the audit trail and the antiforgery tokens of the signed-in user.</summary>
public sealed class PageData(AnalysisStore store, ResultDeliveries deliveries, AuditTrail audit, IAntiforgery antiforgery)
{
    public AnalysisStore Store => store;

    public ResultDeliveries Deliveries => deliveries;

    public AuditTrail Audit => audit;

    public PageUser User(HttpContext context) => PageUser.From(context, antiforgery);
}
