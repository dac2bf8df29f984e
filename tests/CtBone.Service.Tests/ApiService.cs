using System.Net;
using System.Text.Json;

namespace CtBone.Service.Tests;

/// <summary>
/// One <c>ctbone serve</c> shared by the tests of a class (an xunit class fixture), with a named key of each role.
/// Subclasses add environment settings and seed what their tests read.
/// </summary>
public class ApiService : IAsyncLifetime
{
    public const string ViewerName = "dr viewer";
    public const string IngestName = "pacs hook";
    public const string ReviewerName = "dr reviewer";

    internal ServiceProcess Service { get; private set; } = null!;

    internal string ViewerKey { get; private set; } = string.Empty;

    internal string IngestKey { get; private set; } = string.Empty;

    internal string AdminKey => Service.AdminKey;

    protected virtual Dictionary<string, string> Environment => [];

    public async Task InitializeAsync()
    {
        Service = await ServiceProcess.StartAsync(Environment);
        ViewerKey = await Service.CreateKeyAsync("viewer", ViewerName);
        IngestKey = await Service.CreateKeyAsync("ingest", IngestName);
        await SeedAsync();
    }

    public virtual async Task DisposeAsync() => await Service.DisposeAsync();

    internal HttpClient Client(string? key = null) => Service.Client(key);

    protected virtual Task SeedAsync() => Task.CompletedTask;
}

/// <summary>What every error answer must be: an RFC 9457 problem document with a plain reason and nothing of the server's insides.</summary>
internal static class Problem
{
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string? detailContains = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {status}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        foreach (var inside in new[] { "Exception", "   at ", "System.", "CtBone.", ".cs:line" })
        {
            Assert.DoesNotContain(inside, text, StringComparison.Ordinal);
        }

        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }

        return problem;
    }
}
