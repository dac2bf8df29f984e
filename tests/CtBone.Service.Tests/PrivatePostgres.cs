using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace CtBone.Service.Tests;

/// <summary>
/// A throwaway PostgreSQL 15 cluster from Debian's packages (shared/STACK.md): <c>pg_createcluster</c> on a free
/// non-default port, listening on 127.0.0.1 only (password login there, peer login on its own Unix socket), data,
/// socket and log in one folder of its own, dropped with everything in it on dispose. Nothing needs a network beyond
/// loopback, so it works inside <c>unshare -n</c>. Needs root: the cluster's configuration goes to /etc/postgresql.
/// The service tests use it, and the service benchmark links this file.
/// </summary>
internal sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Version = "15";
    private const string NamePrefix = "ctbone-test-";

    /// <summary>The role tests and services log in as: it owns the databases it makes (CREATEDB).</summary>
    public const string Role = "ctbone";

    private readonly string _password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private PrivatePostgres(string name, int port, string folder)
    {
        Name = name;
        Port = port;
        Folder = folder;
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>Holds the data directory, the Unix socket and the server log.</summary>
    public string Folder { get; }

    public string LogFile => Path.Combine(Folder, "postgresql.log");

    /// <summary>
    /// Creates and starts a cluster. <paramref name="durable"/> false turns fsync off: tests only need a database that
    /// survives its clients, not a machine crash. Clusters that earlier runs left (their process is gone) are dropped first.
    /// </summary>
    public static async Task<PrivatePostgres> StartAsync(bool durable = false)
    {
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("a private PostgreSQL cluster needs root (pg_createcluster writes /etc/postgresql); CI runs as root");
        }

        if (!File.Exists("/usr/bin/pg_createcluster"))
        {
            throw new InvalidOperationException("pg_createcluster is missing: run .ci/setup, which installs Debian's postgresql");
        }

        await DropAbandonedAsync().ConfigureAwait(false);
        var name = NamePrefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var folder = Path.Combine(Path.GetTempPath(), name);
        var cluster = new PrivatePostgres(name, FreePort(), folder);
        try
        {
            await cluster.CreateAsync(durable).ConfigureAwait(false);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return cluster;
    }

    /// <summary>A connection string to a database of this cluster (over 127.0.0.1, with the password).</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Role,
        Password = _password,
        Database = database,
        Timeout = 15,
    }.ConnectionString;

    /// <summary>A new empty database owned by <see cref="Role"/>; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        if (!name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException("database names here are lower-case letters, digits and '_'", nameof(name));
        }

        var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            using var command = new NpgsqlCommand($"create database {name}", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Directory.Exists($"/etc/postgresql/{Version}/{Name}"))
        {
            await DropAsync(Name).ConfigureAwait(false);
        }

        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    private async Task CreateAsync(bool durable)
    {
        // The folder belongs to postgres, which runs the server; the pid file goes to /var/run/postgresql, which a
        // fresh boot may not have yet.
        await RunAsync("install", "-d", "-o", "postgres", "-g", "postgres", "-m", "0700", Folder).ConfigureAwait(false);
        await RunAsync("install", "-d", "-o", "postgres", "-g", "postgres", "-m", "2775", "/var/run/postgresql").ConfigureAwait(false);
        var port = Port.ToString(CultureInfo.InvariantCulture);
        await RunAsync(
            "pg_createcluster", Version, Name, "-p", port, "-d", Path.Combine(Folder, "data"), "-s", Folder, "-l", LogFile,
            "--locale", "C.UTF-8", "-e", "UTF8").ConfigureAwait(false);

        // pg_createcluster's -o writes values unquoted, and 127.0.0.1 then does not parse: a conf.d file of our own.
        var settings = "listen_addresses = '127.0.0.1'\nmax_connections = 200\n" + (durable ? string.Empty : "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        await File.WriteAllTextAsync($"/etc/postgresql/{Version}/{Name}/conf.d/ctbone-test.conf", settings).ConfigureAwait(false);
        await RunAsync("pg_ctlcluster", Version, Name, "start").ConfigureAwait(false);
        await RunAsync(
            "runuser", "-u", "postgres", "--", "psql", "-h", Folder, "-p", port, "-d", "postgres", "-q", "-v", "ON_ERROR_STOP=1",
            "-c", $"create role {Role} login createdb password '{_password}'").ConfigureAwait(false);
    }

    /// <summary>Clusters this fixture made in runs whose process no longer exists (killed before it could drop them).</summary>
    private static async Task DropAbandonedAsync()
    {
        var configs = $"/etc/postgresql/{Version}";
        if (!Directory.Exists(configs))
        {
            return;
        }

        foreach (var folder in Directory.GetDirectories(configs, NamePrefix + "*"))
        {
            var name = Path.GetFileName(folder);
            var pid = name[NamePrefix.Length..].Split('-')[0];
            if (!Directory.Exists("/proc/" + pid))
            {
                await DropAsync(name).ConfigureAwait(false);
                var data = Path.Combine(Path.GetTempPath(), name);
                if (Directory.Exists(data))
                {
                    Directory.Delete(data, recursive: true);
                }
            }
        }
    }

    private static async Task DropAsync(string name)
    {
        // Immediate: the data is thrown away anyway, and a fast stop would wait for pooled client connections.
        await RunAsync(["pg_ctlcluster", Version, name, "stop", "-m", "immediate"], mayFail: true).ConfigureAwait(false);
        await RunAsync(["pg_dropcluster", Version, name], mayFail: true).ConfigureAwait(false);

        // pg_dropcluster removes the files it made and leaves conf.d with our file in it.
        var configuration = $"/etc/postgresql/{Version}/{name}";
        if (Directory.Exists(configuration))
        {
            Directory.Delete(configuration, recursive: true);
        }
    }

    private static Task RunAsync(params string[] command) => RunAsync(command, mayFail: false);

    private static async Task RunAsync(string[] command, bool mayFail)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command[1..])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        if (process.ExitCode != 0 && !mayFail)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} exited with {process.ExitCode}: {await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
