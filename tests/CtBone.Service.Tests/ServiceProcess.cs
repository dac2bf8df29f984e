using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CtBone.TestSupport;

namespace CtBone.Service.Tests;

/// <summary>
/// <c>ctbone serve</c> as a site runs it: its own process on a free loopback port, with a data folder of the test's
/// own. Settings that make tests quick (short quiet time, short leases) come in as environment variables, as a site
/// would set them. The process' output is kept to check that no PHI reaches the log.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly StringBuilder _log = new();
    private readonly string _verb;
    private readonly Dictionary<string, string> _environment;
    private readonly string[] _extraArguments;
    private CtBoneProcess? _process;

    private ServiceProcess(string verb, string dataDirectory, Dictionary<string, string> environment, string[] extraArguments)
    {
        _verb = verb;
        DataDirectory = dataDirectory;
        _environment = environment;
        _extraArguments = extraArguments;
        Port = FreePort();
    }

    public string DataDirectory { get; }

    public string InboxDirectory => Path.Combine(DataDirectory, "inbox");

    /// <summary>The service's SQLite findings database (with its -wal and -shm companions beside it).</summary>
    public string DatabasePath => Path.Combine(DataDirectory, "ctbone.db");

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public string AdminKey { get; private set; } = string.Empty;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public int? ProcessId => _process?.Id;

    public static string TestDicoms(string study) => CtBone.TestSupport.RepositoryFolder.TestDicoms(study);

    /// <summary>Starts <c>ctbone serve</c> on a new data folder and waits until it is ready.</summary>
    public static Task<ServiceProcess> StartAsync(Dictionary<string, string>? environment = null, params string[] extraArguments) =>
        LaunchAsync("serve", environment, extraArguments);

    /// <summary>Starts <c>ctbone serve</c> following an Orthanc's change feed every half second.</summary>
    public static Task<ServiceProcess> StartFollowingOrthancAsync(Uri orthanc) => StartAsync(new Dictionary<string, string>
    {
        ["CtBone__Orthanc__Url"] = orthanc.ToString(),
        ["CtBone__Orthanc__PollSeconds"] = "0.5",
    });

    /// <summary>Starts <c>ctbone api</c> alone on PostgreSQL: its analyses wait for <see cref="StartWorker"/> processes.</summary>
    public static Task<ServiceProcess> StartApiAsync(string postgres, Dictionary<string, string>? environment = null) =>
        LaunchAsync("api", environment, ["--postgres", postgres]);

    private static async Task<ServiceProcess> LaunchAsync(string verb, Dictionary<string, string>? environment, string[] extraArguments)
    {
        var service = Create(verb, environment, extraArguments);
        await service.RestartAsync();
        return service;
    }

    /// <summary>A <c>ctbone serve</c> whose port and data folder are chosen but which is not started yet (<see cref="RestartAsync"/> starts it).</summary>
    public static ServiceProcess Create(Dictionary<string, string>? environment = null, params string[] extraArguments) =>
        Create("serve", environment, extraArguments);

    private static ServiceProcess Create(string verb, Dictionary<string, string>? environment, string[] extraArguments)
    {
        var data = Path.Combine(Path.GetTempPath(), "ctbone-service-" + Guid.NewGuid().ToString("N")[..12]);
        var defaults = new Dictionary<string, string>
        {
            ["CtBone__Inbox__QuietSeconds"] = "1",
            ["CtBone__Inbox__PollSeconds"] = "0.3",
            ["CtBone__Worker__LeaseSeconds"] = "6",
            ["CtBone__Worker__HeartbeatSeconds"] = "1",
        };
        foreach (var (key, value) in environment ?? [])
        {
            defaults[key] = value;
        }

        return new ServiceProcess(verb, data, defaults, extraArguments);
    }

    /// <summary>Sets an environment variable for the next start.</summary>
    public void SetEnvironment(string name, string value) => _environment[name] = value;

    /// <summary>Starts the process (again) on the same data folder and port.</summary>
    public async Task RestartAsync()
    {
        _process?.Dispose();
        _process = CtBoneProcess.Start([_verb, "--data", DataDirectory, "--urls", BaseAddress.ToString().TrimEnd('/'), .. _extraArguments], _environment, _log);
        await WaitUntilReadyAsync();
        AdminKey = (await File.ReadAllTextAsync(Path.Combine(DataDirectory, "admin.key"))).Trim();
    }

    /// <summary>
    /// Starts <c>ctbone worker</c> against this API on PostgreSQL, with the API's settings and data folder (a worker
    /// reads inbox drops and uploads from the studies folder the API files them in, as a shared volume would give it).
    /// </summary>
    public CtBoneProcess StartWorker(string postgres, string ingestKey, Dictionary<string, string>? environment = null)
    {
        var settings = new Dictionary<string, string>(_environment);
        foreach (var (key, value) in environment ?? [])
        {
            settings[key] = value;
        }

        return CtBoneProcess.Start(["worker", "--postgres", postgres, "--api", BaseAddress.ToString(), "--key", ingestKey, "--data", DataDirectory], settings);
    }

    /// <summary>Runs ctbone once with the given arguments, to completion: exit code and both outputs.</summary>
    public static async Task<(int ExitCode, string Output)> RunOnceAsync(Dictionary<string, string> environment, params string[] args)
    {
        var start = CtBoneCommand.Start(args);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>SIGKILL, as a crash or the OOM killer would: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.KillAsync();
        }
    }

    /// <summary>SIGTERM to the service; its exit code, or null when it still runs after <paramref name="timeout"/>.</summary>
    public Task<int?> TerminateAsync(TimeSpan timeout) => _process!.TerminateAsync(timeout);

    /// <summary>A client that presents the key as a bearer token (no key: anonymous). It follows no redirect, so a test sees one.</summary>
    public HttpClient Client(string? key = null)
    {
#pragma warning disable CA2000 // The client owns its handler and disposes it.
        // A request sent with Expect: 100-continue waits this long for the server's answer before sending its body anyway
        // (1 s by default): on a busy machine a refusal of an oversized body then met a body already on its way, and the
        // client saw a broken pipe instead of the 413.
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, Expect100ContinueTimeout = TimeSpan.FromSeconds(30) };
        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
#pragma warning restore CA2000
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>A named key with a role, made through the admin API.</summary>
    public async Task<string> CreateKeyAsync(string role, string name) => (await CreateKeyWithIdAsync(role, name)).Key;

    /// <summary>A named key with a role, and the id that revokes it.</summary>
    public async Task<(string Id, string Key)> CreateKeyWithIdAsync(string role, string name)
    {
        using var admin = Client(AdminKey);
        using var response = await admin.PostAsJsonAsync("/api/keys", new { name, role });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
    }

    /// <summary>Polls an analysis until it is final (200) and returns its document.</summary>
    public async Task<JsonElement> WaitForResultAsync(string key, string href, TimeSpan timeout)
    {
        using var client = Client(key);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await client.GetAsync(href);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{href} still {(await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state")} after {timeout}\n{Log}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Polls the list until it holds <paramref name="count"/> analyses in a final state, and returns them.</summary>
    public async Task<List<JsonElement>> WaitForFinishedAsync(string key, int count, TimeSpan timeout, string query = "all=true")
    {
        using var client = Client(key);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var list = await client.GetFromJsonAsync<JsonElement>("/api/analyses?pageSize=200&" + query);
            var items = list.GetProperty("items").EnumerateArray().ToList();
            if (items.Count >= count && items.All(i => i.GetProperty("state").GetString() is "completed" or "rejected" or "failed"))
            {
                return items;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{items.Count} analyses, states {string.Join(",", items.Select(i => i.GetProperty("state").GetString()))}, after {timeout}\n{Log}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Puts a copy of a folder into the inbox as one drop: copied beside the inbox, then moved in whole. File.Copy keeps
    /// the source's modification times, so files copied straight into the inbox looked quiet at once and the watcher
    /// could take a drop half copied (the test then failed writing into the folder it had moved away).
    /// </summary>
    public void Drop(string sourceFolder, string dropName)
    {
        var staged = Path.Combine(DataDirectory, "test-staging", dropName);
        foreach (var file in Directory.GetFiles(sourceFolder, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(staged, Path.GetRelativePath(sourceFolder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        Directory.CreateDirectory(InboxDirectory);
        Directory.Move(staged, Path.Combine(InboxDirectory, dropName));
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = Client();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"ctbone {_verb} exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode && File.Exists(Path.Combine(DataDirectory, "admin.key")))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"ctbone {_verb} did not become ready:\n" + Log);
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
