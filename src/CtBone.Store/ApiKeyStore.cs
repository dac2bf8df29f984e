using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace CtBone.Store;

/// <summary>The roles a key can have. Admin can do everything the others can.</summary>
public static class Roles
{
    /// <summary>Workers and PACS hooks: queue studies, post findings.</summary>
    public const string Ingest = "ingest";

    /// <summary>Surgeons: read findings and key images.</summary>
    public const string Viewer = "viewer";

    public const string Admin = "admin";

    /// <summary>Radiologists or surgeons who correct results (labels, exclusions, the flag); they also read what viewers read.</summary>
    public const string Reviewer = "reviewer";

    /// <summary>Every role, for messages.</summary>
    public static string Known => $"{Ingest}, {Viewer}, {Reviewer} or {Admin}";

    public static bool IsKnown(string role) => role is Ingest or Viewer or Reviewer or Admin;
}

/// <summary>Who a presented key belongs to.</summary>
public sealed record ApiKeyIdentity(string Id, string Name, string Role);

/// <summary>
/// API keys. Only a SHA-256 of each key is stored: keys are 256 random bits, so a fast hash is enough (no dictionary to
/// guess from), and a stolen database holds no usable key.
/// </summary>
public sealed class ApiKeyStore(FindingsDatabase database, TimeProvider clock)
{
    private const string Prefix = "ctb_";

    /// <summary>A new key's text: the prefix and 256 random bits.</summary>
    public static string NewKey() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Makes a key and returns it in plain text, once: it cannot be read back.</summary>
    public async Task<(ApiKeyIdentity Identity, string Key)> CreateAsync(string name, string role, CancellationToken cancellationToken = default)
    {
        var key = NewKey();
        return (await RegisterAsync(name, role, key, cancellationToken).ConfigureAwait(false), key);
    }

    /// <summary>Puts in use a key made with <see cref="NewKey"/> before the database could be written to.</summary>
    public async Task<ApiKeyIdentity> RegisterAsync(string name, string role, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!Roles.IsKnown(role))
        {
            throw new ArgumentException($"unknown role '{role}': use {Roles.Known}", nameof(role));
        }

        var identity = new ApiKeyIdentity(Guid.NewGuid().ToString("N"), name.Trim(), role);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(
                "insert into api_keys (id, name, role, key_hash, created_at) values (@Id, @Name, @Role, @hash, @now)",
                new { identity.Id, identity.Name, identity.Role, hash = Hash(key), now = StoreTime.Text(clock.GetUtcNow()) }).ConfigureAwait(false);
        }

        return identity;
    }

    /// <summary>The identity of a key that exists and is not revoked; null otherwise.</summary>
    public async Task<ApiKeyIdentity?> FindAsync(string presentedKey, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(presentedKey) || presentedKey.Length > 200 || !presentedKey.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.QuerySingleOrDefaultAsync<ApiKeyIdentity>(
                "select id, name, role from api_keys where key_hash = @hash and revoked_at is null", new { hash = Hash(presentedKey) }).ConfigureAwait(false);
        }
    }

    /// <summary>The identity of a key id that is not revoked; null otherwise. Sessions made from a key check it with this.</summary>
    public async Task<ApiKeyIdentity?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.QuerySingleOrDefaultAsync<ApiKeyIdentity>(
                "select id, name, role from api_keys where id = @id and revoked_at is null", new { id }).ConfigureAwait(false);
        }
    }

    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(
                "update api_keys set revoked_at = @now where id = @id and revoked_at is null", new { id, now = StoreTime.Text(clock.GetUtcNow()) }).ConfigureAwait(false) == 1;
        }
    }

    public async Task<IReadOnlyList<ApiKeyIdentity>> ListAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return [.. await connection.QueryAsync<ApiKeyIdentity>("select id, name, role from api_keys where revoked_at is null order by created_at").ConfigureAwait(false)];
        }
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
