namespace CtBone.Service.Tests;

/// <summary>A setting the service cannot use stops it before it serves: exit code 64 and a message naming the setting.</summary>
[Trait("Category", "Integration")]
public sealed class ApiConfigurationTests
{
    [Theory]
    [InlineData("CtBone__Worker__LeaseSeconds", "1", "CtBone:Worker:LeaseSeconds")]
    [InlineData("CtBone__Worker__LeaseSeconds", "soon", "CtBone:Worker:LeaseSeconds")]
    [InlineData("CtBone__Worker__ApiUrl", "notaurl", "CtBone:Worker:ApiUrl")]
    [InlineData("CtBone__Inbox__PollSeconds", "0", "CtBone:Inbox:PollSeconds")]
    [InlineData("CtBone__Fhir__PatientIdentifierSystem", "mrn", "CtBone:Fhir:PatientIdentifierSystem")]
    public async Task Serve_WhenASettingIsInvalid_Exit64NamingTheSettingBeforeServing(string variable, string value, string setting)
    {
        var data = Path.Combine(Path.GetTempPath(), "ctbone-config-" + Guid.NewGuid().ToString("N")[..8]);
        var url = $"http://127.0.0.1:{ServiceProcess.FreePort()}";

        var (exit, output) = await ServiceProcess.RunOnceAsync(new() { [variable] = value }, "serve", "--data", data, "--urls", url);

        Assert.Equal(64, exit);
        Assert.Contains(setting, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
        Assert.DoesNotContain("serving on", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data, "ctbone.db")), "a refused start wrote the database");
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public async Task ApiOrWorker_WithoutPostgres_Exit64SayingWhy(string verb)
    {
        var data = Path.Combine(Path.GetTempPath(), "ctbone-config-" + Guid.NewGuid().ToString("N")[..8]);

        var (exit, output) = await ServiceProcess.RunOnceAsync([], verb, "--data", data);

        Assert.Equal(64, exit);
        Assert.Contains($"`ctbone {verb}`", output, StringComparison.Ordinal);
        Assert.Contains("needs --postgres", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
