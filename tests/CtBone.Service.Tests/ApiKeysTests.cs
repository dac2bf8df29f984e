using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CtBone.Service.Tests;

/// <summary><c>ctbone keys</c> on a running service's data folder, and what the database keeps of a key: its hash, never the key.</summary>
[Trait("Category", "Integration")]
public sealed partial class ApiKeysTests(ApiService fixture) : IClassFixture<ApiService>
{
    [Fact]
    public async Task KeysCreate_WhenRunOnTheDataFolder_PrintsAWorkingKeyOfItsRoleThatRevokeEnds()
    {
        var (created, output) = await KeysAsync("create", "--role", "viewer", "--name", "cli viewer");
        Assert.Equal(0, created);
        var key = KeyPattern().Match(output).Value;
        var id = CreatedPattern().Match(output).Groups[1].Value;
        Assert.NotEmpty(key);
        Assert.NotEmpty(id);
        using var client = fixture.Client(key);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/analyses")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/keys")).StatusCode);
        var (listed, list) = await KeysAsync("list");
        Assert.Equal(0, listed);
        Assert.Contains($"{id}  viewer   cli viewer", list, StringComparison.Ordinal);
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);

        Assert.Equal(0, (await KeysAsync("revoke", id)).ExitCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/analyses")).StatusCode);
        Assert.DoesNotContain(id, (await KeysAsync("list")).Output, StringComparison.Ordinal);
        Assert.Equal(2, (await KeysAsync("revoke", id)).ExitCode);
    }

    [Theory]
    [InlineData("superuser", "unknown role 'superuser'")]
    [InlineData("Admin", "unknown role 'Admin'")]
    public async Task KeysCreate_WhenRoleUnknown_Exit64AndNoKey(string role, string message)
    {
        var (exit, output) = await KeysAsync("create", "--role", role, "--name", "nobody");

        Assert.Equal(64, exit);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.DoesNotMatch(KeyPattern(), output);
        Assert.DoesNotContain("nobody", (await KeysAsync("list")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Database_AfterKeysMadeByCliAndApi_HoldsEachKeysHashButNeverTheKey()
    {
        var cliKey = KeyPattern().Match((await KeysAsync("create", "--role", "ingest", "--name", "hashed")).Output).Value;
        var files = Directory.GetFiles(fixture.Service.DataDirectory, "ctbone.db*").Select(ReadShared).ToList();

        foreach (var key in new[] { cliKey, fixture.ViewerKey, fixture.IngestKey, fixture.AdminKey })
        {
            Assert.StartsWith("ctb_", key, StringComparison.Ordinal);
            var hash = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))));
            Assert.Contains(files, bytes => bytes.AsSpan().IndexOf(hash) >= 0);
            Assert.All(files, bytes => Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(key)) < 0, "a key is stored in plain text"));
            Assert.All(files, bytes => Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(key["ctb_".Length..])) < 0, "a key is stored in plain text"));
        }
    }

    private Task<(int ExitCode, string Output)> KeysAsync(params string[] args) =>
        ServiceProcess.RunOnceAsync([], ["keys", .. args, "--data", fixture.Service.DataDirectory]);

    /// <summary>The live database and its write-ahead log, read beside the service that has them open.</summary>
    private static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }

    [GeneratedRegex("ctb_[A-Za-z0-9_-]{20,}")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("key ([0-9a-f]{32}) for 'cli viewer' \\(viewer\\)")]
    private static partial Regex CreatedPattern();
}
