namespace CtBone.Service.Tests;

/// <summary><c>ctbone serve</c> as a service manager runs it: a stop request ends it.</summary>
[Trait("Category", "Integration")]
public sealed class ApiHostTests
{
    [Fact]
    public async Task Serve_WhenSentSigterm_StopsWithinTheShutdownTimeAndExits0()
    {
        await using var service = await ServiceProcess.StartAsync();
        using (var client = service.Client())
        {
            (await client.GetAsync("/health/ready")).EnsureSuccessStatusCode();
        }

        var exit = await service.TerminateAsync(TimeSpan.FromSeconds(20));

        Assert.True(exit == 0, $"exit {exit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: still running 20 s after SIGTERM"}\n{service.Log}");
    }
}
