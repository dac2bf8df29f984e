using System.Text.Json;
using CtBone.Api.Web;
using CtBone.Core;
using CtBone.Fhir;
using CtBone.Core.Calibration;
using CtBone.Core.Review;
using CtBone.Core.Screening;
using CtBone.Store;
using CtBone.Worker;
using Hangfire;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CtBone.Api;

/// <summary>The REST API's pieces, for the hosts that serve it (<c>ctbone api</c> and <c>ctbone serve</c>).</summary>
public static class ApiSetup
{
    public static IServiceCollection AddCtBoneApi(this IServiceCollection services)
    {
        services.AddBrowserSessions();
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Ingest, policy => policy.RequireRole(Roles.Ingest, Roles.Admin))
            .AddPolicy(Policies.Viewer, policy => policy.RequireRole(Roles.Viewer, Roles.Reviewer, Roles.Admin))
            .AddPolicy(Policies.Reviewer, policy => policy.RequireRole(Roles.Reviewer, Roles.Admin))
            .AddPolicy(Policies.Admin, policy => policy.RequireRole(Roles.Admin))
            // A route added without a policy is closed to anonymous callers rather than open to everyone.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context => context.ProblemDetails.Detail ??= context.HttpContext.Response.StatusCode switch
        {
            // The answers the framework writes without a body (authentication, authorization, limits) say what to do.
            StatusCodes.Status401Unauthorized => $"present an API key as 'Authorization: Bearer ctb_...' or '{ApiKeyAuthentication.KeyHeader}' (in a browser, sign in at {BrowserSessions.SignInPath}); unknown and revoked keys are refused",
            StatusCodes.Status403Forbidden => "this API key's role may not use this route",
            StatusCodes.Status413PayloadTooLarge => "the body is larger than this route takes",
            StatusCodes.Status415UnsupportedMediaType => "this route takes another Content-Type (application/json for a JSON body)",
            _ => null,
        });
        // Binding failures are thrown (not answered with an empty 400) so that BadRequestHandler can say what was wrong.
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestHandler>();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            foreach (var converter in CtBoneJson.Options.Converters)
            {
                json.SerializerOptions.Converters.Add(converter);
            }
        });
        services.AddOpenApi();
        services.AddSingleton<AuditTrail>();
        services.AddSettings<FhirExportOptions>(FhirExportOptions.Section);
        // The service analyses with the default policy (the worker runs `ctbone analyze` without --policy), so reviews re-screen with it too.
        services.AddSingleton(ScreeningPolicy.Default);
        services.AddSingleton(new BmdEstimator());
        services.AddSingleton<FindingsReview>();
        services.AddSingleton<AnalysisReviews>();
        services.AddSingleton<DeliveryResends>();
        services.AddSingleton<PageData>();
        services.AddRazorComponents();
        services.AddHealthChecks().AddCheck<DatabaseHealth>("database", tags: ["ready"]);
        return services;
    }

    public static WebApplication MapCtBoneApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        app.MapAnalyses();
        app.MapFhirReports();
        app.MapReviews();
        app.MapDeliveries();
        app.MapBatches();
        app.MapAdmin();
        app.MapPages();
        // The dashboard shows job arguments (analysis ids only) and lets one delete or requeue jobs: admins only.
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], AsyncAuthorization = [], DisplayStorageConnectionString = false })
            .RequireAuthorization(Policies.Admin);
        return app;
    }

    /// <summary>Ready means the findings database answers; the job storage lives in it or in this process.</summary>
    private sealed class DatabaseHealth(FindingsDatabase database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = "select count(*) from analyses where 1 = 0";
                    await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                }

                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("the findings database does not answer: " + e.GetType().Name);
            }
        }
    }
}
