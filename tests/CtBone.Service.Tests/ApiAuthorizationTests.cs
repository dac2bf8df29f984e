using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CtBone.Api;
using CtBone.Core.Screening;
using CtBone.Worker;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;

namespace CtBone.Service.Tests;

/// <summary>
/// Who may call which route. The matrix below is the contract: every route the service maps (as OpenAPI describes it,
/// and as the endpoint table holds it) must be in it, so a route added without a decision about its callers fails here.
/// Each route is then called for real, with real analysis ids, by every kind of caller.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ApiAuthorizationTests(ApiAuthorizationTests.Fixture fixture) : IClassFixture<ApiAuthorizationTests.Fixture>
{
    private const string Anyone = "anyone";
    private const string Authenticated = "authenticated";

    private static readonly Route[] s_matrix =
    [
        new("POST", "/api/analyses", Policies.Ingest, HttpStatusCode.Accepted),
        new("GET", "/api/analyses", Policies.Viewer, HttpStatusCode.OK),
        new("GET", "/api/analyses/{id}", Policies.Viewer, HttpStatusCode.OK),
        new("GET", "/api/analyses/{id}/images/{name}", Policies.Viewer, HttpStatusCode.OK),
        new("GET", "/api/analyses/{id}/fhir", Policies.Viewer, HttpStatusCode.OK),
        new("GET", "/api/analyses/{id}/dicom/{name}", Policies.Viewer, HttpStatusCode.OK),
        new("POST", "/api/analyses/{id}/findings", Policies.Ingest, HttpStatusCode.OK),
        new("POST", "/api/analyses/{id}/review", Policies.Reviewer, HttpStatusCode.OK),
        // The seeded analysis came from a file drop and has nowhere to send to: an allowed resend reaches the check and is
        // refused; resends that succeed are ResultDeliveryTests'.
        new("POST", "/api/analyses/{id}/delivery/retry", Policies.Reviewer, HttpStatusCode.Conflict),
        new("POST", "/api/batches", Policies.Admin, HttpStatusCode.Accepted),
        new("GET", "/api/batches", Policies.Viewer, HttpStatusCode.OK),
        new("GET", "/api/batches/{id}", Policies.Viewer, HttpStatusCode.OK),
        new("GET", "/api/batches/{id}/results.csv", Policies.Viewer, HttpStatusCode.OK),
        // The fixture's batch (an empty archive) is done at once: an allowed cancel reaches the check and is refused.
        new("POST", "/api/batches/{id}/cancel", Policies.Admin, HttpStatusCode.Conflict),
        new("POST", "/api/keys", Policies.Admin, HttpStatusCode.Created),
        new("GET", "/api/keys", Policies.Admin, HttpStatusCode.OK),
        new("DELETE", "/api/keys/{id}", Policies.Admin, HttpStatusCode.NoContent),
        new("GET", "/api/audit", Policies.Admin, HttpStatusCode.OK),
        new("*", "/hangfire/{**path}", Policies.Admin, HttpStatusCode.OK, InOpenApi: false, RequestPath: "/hangfire"),
        new("*", "/health/live", Anyone, HttpStatusCode.OK, InOpenApi: false),
        new("*", "/health/ready", Anyone, HttpStatusCode.OK, InOpenApi: false),
        new("GET", "/openapi/{documentName}.json", Anyone, HttpStatusCode.OK, InOpenApi: false, RequestPath: "/openapi/v1.json"),
        // Pages: a person who is not signed in is sent to the sign-in page; a refused role gets a 403 page.
        new("GET", "/", Policies.Viewer, HttpStatusCode.Redirect, InOpenApi: false, Page: true),
        new("GET", "/signin", Anyone, HttpStatusCode.OK, InOpenApi: false, Page: true),
        // Without its antiforgery token (the page's form carries it) the sign-in form is refused; CtBone.Web.Tests signs in for real.
        new("POST", "/signin", Anyone, HttpStatusCode.BadRequest, InOpenApi: false, Page: true),
        new("POST", "/signout", Authenticated, HttpStatusCode.Redirect, InOpenApi: false, Page: true),
        new("GET", "/worklist", Policies.Viewer, HttpStatusCode.OK, InOpenApi: false, Page: true),
        new("GET", "/studies/{id}", Policies.Viewer, HttpStatusCode.OK, InOpenApi: false, Page: true),
        new("GET", "/studies/{id}/report", Policies.Viewer, HttpStatusCode.OK, InOpenApi: false, Page: true),
        new("POST", "/studies/{id}/review", Policies.Reviewer, HttpStatusCode.Redirect, InOpenApi: false, Page: true),
        new("POST", "/studies/{id}/delivery/retry", Policies.Reviewer, HttpStatusCode.Conflict, InOpenApi: false, Page: true),
        new("GET", "/static/ctbone.css", Anyone, HttpStatusCode.OK, InOpenApi: false),
    ];

    [Fact]
    public async Task OpenApi_EveryDescribedRoute_IsInTheMatrix()
    {
        var described = await DescribedRoutesAsync();

        Assert.Equal(
            s_matrix.Where(r => r.InOpenApi).Select(r => r.Name).Order(StringComparer.Ordinal),
            described.Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task MappedEndpoints_EachIsInTheMatrixWithItsPolicy()
    {
        var data = Path.Combine(Path.GetTempPath(), "ctbone-endpoints-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["CtBone:DataDirectory"] = data });
        var options = builder.Services.AddServiceOptions(builder.Configuration);
        builder.Services.AddStoreAndJobs(options).AddStudySources(builder.Configuration).AddCtBoneApi();
        var app = builder.Build();
        await using (app)
        {
            app.MapCtBoneApi();
            var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
                .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(method =>
                    $"{method} {Normalize(e.RoutePattern.RawText!)} {(e.Metadata.GetMetadata<IAllowAnonymous>() is not null ? Anyone : string.Join('+', e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy ?? Authenticated).Distinct()))}"));

            Assert.Equal(s_matrix.Select(r => $"{r.Name} {r.Policy}").Order(StringComparer.Ordinal), mapped.Order(StringComparer.Ordinal));
        }

        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task EveryRoute_WhenAnonymousOrKeyGarbageOrRevoked_401ProblemUnlessOpen()
    {
        var routes = (await DescribedRoutesAsync()).Concat(s_matrix.Where(r => !r.InOpenApi)).ToList();
        var callers = new (string Name, Action<HttpRequestMessage> Present)[]
        {
            ("anonymous", _ => { }),
            ("garbage bearer key", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "ctb_" + Guid.NewGuid().ToString("N"))),
            ("bearer token that is no key", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "hello")),
            ("revoked key in X-Api-Key", r => r.Headers.Add(ApiKeyAuthentication.KeyHeader, fixture.RevokedKey)),
        };
        using var client = fixture.Client();

        var seen = new List<string>();
        foreach (var route in routes)
        {
            foreach (var (name, present) in callers)
            {
                using var request = await RequestAsync(route, mayChange: false);
                present(request);
                using var response = await client.SendAsync(request);
                if (route.Policy == Anyone)
                {
                    Assert.True(response.StatusCode == route.Success, $"{route.Name} for {name}: {response.StatusCode}");
                }
                else if (route.Page)
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{route.Name} for {name}: {response.StatusCode}");
                    Assert.StartsWith("/signin?returnUrl=", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
                }
                else
                {
                    await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, "present an API key");
                }

                seen.Add(route.Name);
            }
        }

        Assert.Equal(s_matrix.Length * callers.Length, seen.Count);
    }

    [Fact]
    public async Task EveryRoute_ForEachRole_AllowedRolesSucceedAndOthersGet403Problem()
    {
        var routes = (await DescribedRoutesAsync()).Concat(s_matrix.Where(r => !r.InOpenApi && r.Policy != Anyone)).ToList();
        var roles = new (string Role, string Key)[]
        {
            (Policies.Ingest, fixture.IngestKey), (Policies.Viewer, fixture.ViewerKey), (Policies.Reviewer, fixture.ReviewerKey), (Policies.Admin, fixture.AdminKey),
        };

        var calls = 0;
        foreach (var route in routes)
        {
            foreach (var (role, key) in roles)
            {
                using var client = fixture.Client(key);
                // Reviewers read what viewers read.
                var allowed = role == Policies.Admin || role == route.Policy || route.Policy == Authenticated || (route.Policy == Policies.Viewer && role == Policies.Reviewer);
                using var request = await RequestAsync(route, mayChange: allowed);
                using var response = await client.SendAsync(request);
                if (allowed)
                {
                    Assert.True(response.StatusCode == route.Success, $"{route.Name} as {role}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
                else if (route.Page)
                {
                    Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                    Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
                    Assert.Contains("Your role may not use this page", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                }
                else
                {
                    await Problem.AssertAsync(response, HttpStatusCode.Forbidden, "role may not use this route");
                }

                calls++;
            }
        }

        Assert.Equal((s_matrix.Count(r => r.Policy != Anyone)) * roles.Length, calls);
    }

    [Fact]
    public async Task Hangfire_WhenAnonymousWithBrowserAccept_401NotARedirectToALoginPage()
    {
        using var client = fixture.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire/jobs/enqueued");
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        using var response = await client.SendAsync(request);

        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, "present an API key");
        Assert.Null(response.Headers.Location);
    }

    /// <summary>Every method and path OpenAPI describes, each looked up in the matrix (a route missing from it fails here).</summary>
    private async Task<List<Route>> DescribedRoutesAsync()
    {
        using var client = fixture.Client();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var routes = new List<Route>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var route = s_matrix.FirstOrDefault(r => r.Name == name);
                Assert.True(route is not null, $"{name} is served but not in the authorization matrix: decide who may call it and add it there");
                routes.Add(route);
            }
        }

        return routes;
    }

    /// <summary>
    /// A request that succeeds for a caller the route allows: real ids, a real body. Only a caller that may change
    /// things gets a key of its own to revoke.
    /// </summary>
    private async Task<HttpRequestMessage> RequestAsync(Route route, bool mayChange)
    {
        var id = route.Pattern switch
        {
            "/api/keys/{id}" => mayChange ? (await fixture.Service.CreateKeyWithIdAsync("viewer", "to revoke")).Id : fixture.RevokedKeyId,
            "/api/analyses/{id}/findings" => fixture.QueuedId,
            "/api/batches/{id}" or "/api/batches/{id}/results.csv" or "/api/batches/{id}/cancel" => fixture.BatchId,
            // Each allowed review confirms the flag again; a refused one must leave no trace.
            _ => fixture.CompletedId,
        };
        var request = new HttpRequestMessage(new HttpMethod(route.Method == "*" ? "GET" : route.Method), (route.RequestPath ?? route.Pattern).Replace("{id}", id, StringComparison.Ordinal).Replace("{name}", route.Pattern.Contains("/dicom/", StringComparison.Ordinal) ? "report-sr.dcm" : "sagittal.png", StringComparison.Ordinal))
        {
            Content = route.Pattern switch
            {
                "/api/analyses" when route.Method == "POST" => JsonContent.Create(new { studyInstanceUid = "2.25.42", source = "dicomweb" }),
                "/api/analyses/{id}/findings" => StoreSeeding.FindingsForm(StoreSeeding.Json(StoreSeeding.Completed("AUTH-1", "MATRIX^ROUTE", "A1", new DateOnly(2024, 5, 1), ScreeningCategory.Normal))),
                "/api/keys" when route.Method == "POST" => JsonContent.Create(new { name = "made by the matrix", role = "viewer" }),
                "/api/batches" when route.Method == "POST" => JsonContent.Create(new { folder = fixture.Archive }),
                "/api/analyses/{id}/review" => JsonContent.Create(new { flag = "confirmed" }),
                "/studies/{id}/review" => new FormUrlEncodedContent([new("action", "confirm")]),
                "/signout" or "/studies/{id}/delivery/retry" => new FormUrlEncodedContent([]),
                _ => null,
            },
        };
        return request;
    }

    private static string Normalize(string pattern) => pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;

    /// <summary>A route (method "*": any), the policy that guards it (or <see cref="Anyone"/>), and what an allowed call answers.</summary>
    /// <remarks><paramref name="Page"/>: a page for people (refusals are a sign-in redirect or a 403 page, not problem documents).</remarks>
    private sealed record Route(string Method, string Pattern, string Policy, HttpStatusCode Success, bool InOpenApi = true, string? RequestPath = null, bool Page = false)
    {
        public string Name => $"{Method} {Pattern}";
    }

    /// <summary>A service with a completed analysis (with a key image), a queued one, a revoked key and a batch of an empty archive.</summary>
    public sealed class Fixture : ApiService
    {
        internal string Archive { get; } = Directory.CreateTempSubdirectory("ctbone-archive-").FullName;

        internal string BatchId { get; private set; } = string.Empty;

        internal string CompletedId { get; private set; } = string.Empty;

        internal string QueuedId { get; private set; } = string.Empty;

        internal string RevokedKey { get; private set; } = string.Empty;

        internal string RevokedKeyId { get; private set; } = string.Empty;

        internal string ReviewerKey { get; private set; } = string.Empty;

        // Nothing listens on port 9 (discard): a DICOMweb study can be queued, never fetched.
        protected override Dictionary<string, string> Environment => new() { ["CtBone__DicomWeb__Url"] = "http://127.0.0.1:9", ["CtBone__Batches__Roots__0"] = Archive };

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(Archive, recursive: true);
        }

        protected override async Task SeedAsync()
        {
            CompletedId = await StoreSeeding.CompletedAsync(Service, IngestKey, StoreSeeding.Completed("AUTH-0", "MATRIX^SEED", "A0", new DateOnly(2024, 4, 1), ScreeningCategory.Osteopenia), withDicom: true);
            QueuedId = await StoreSeeding.QueueAsync(Service);
            ReviewerKey = await Service.CreateKeyAsync("reviewer", "dr reviewer");
            (RevokedKeyId, RevokedKey) = await Service.CreateKeyWithIdAsync("admin", "revoked admin");
            using var admin = Client(AdminKey);
            using var revoked = await admin.DeleteAsync("/api/keys/" + RevokedKeyId);
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
            using var batch = await admin.PostAsJsonAsync("/api/batches", new { folder = Archive });
            Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
            BatchId = (await batch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
    }
}
