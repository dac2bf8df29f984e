using System.Globalization;
using CtBone.Api;
using CtBone.Store;
using CtBone.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CtBone.Cli;

/// <summary>
/// <c>ctbone serve</c> (API and worker in one process, SQLite and in-memory jobs unless --postgres is given),
/// <c>ctbone api</c> and <c>ctbone worker</c> (separate processes sharing PostgreSQL), and <c>ctbone keys</c>.
/// Settings come from defaults, then --config FILE (JSON), then environment variables (CtBone__Worker__Concurrency=2),
/// then the options below.
/// </summary>
internal static class ServiceCommands
{
    public const string ServeUsage = "serve [--data DIR] [--urls URL] [--inbox DIR] [--postgres CONNECTION] [--config FILE]";
    public const string ApiUsage = "api --postgres CONNECTION [--data DIR] [--urls URL] [--inbox DIR] [--config FILE]";
    public const string WorkerUsage = "worker --postgres CONNECTION --api URL --key INGEST_KEY [--data DIR] [--config FILE]";
    public const string KeysUsage = "keys create --role ingest|viewer|reviewer|admin --name NAME | keys list | keys revoke ID  [--data DIR] [--postgres CONNECTION]";

    private const string DefaultUrl = "http://127.0.0.1:5080";
    private const string ServeWorkerKeyName = "serve-worker";

    public static Task<int> ServeAsync(CliArguments args, CancellationToken cancellationToken) => SettingsCheckedAsync(() => RunWebAsync(args, withWorker: true, cancellationToken));

    public static Task<int> ApiAsync(CliArguments args, CancellationToken cancellationToken) => SettingsCheckedAsync(() => RunWebAsync(args, withWorker: false, cancellationToken));

    private static async Task<int> RunWebAsync(CliArguments args, bool withWorker, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var settings = Settings(builder.Configuration, args, withInbox: true);
        var url = args.Option("urls") ?? builder.Configuration["urls"] ?? DefaultUrl;
        args.RejectUnknown();
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 32 << 20);
        Quiet(builder.Logging);
        var service = builder.Services.AddServiceOptions(builder.Configuration);
        if (!withWorker && !service.UsesPostgreSql)
        {
            throw new CliUsageException("`ctbone api` alone needs --postgres: its jobs run in `ctbone worker` processes, which share the queue through PostgreSQL. For one machine, use `ctbone serve`.");
        }

        Default(builder.Configuration, settings, InboxOptions.Section + ":Path", Path.Combine(service.DataDirectory, "inbox"));

        // Made now for the worker's settings, but stored only once every setting is valid: a refused start writes nothing.
        var workerKey = withWorker ? ApiKeyStore.NewKey() : null;
        if (workerKey is not null)
        {
            Default(builder.Configuration, settings, WorkerOptions.Section + ":ApiUrl", url.Split(';')[0]);
            settings[WorkerOptions.Section + ":ApiKey"] = workerKey;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddStoreAndJobs(service).AddStudySources(builder.Configuration).AddCtBoneApi();
        if (withWorker)
        {
            builder.Services.AddAnalysisWorker(builder.Configuration);
        }

        var app = builder.Build();
        await using (app.ConfigureAwait(false))
        {
            app.MapCtBoneApi();
            return await StartAsync(
                app,
                app.Services,
                () => workerKey is null ? Task.CompletedTask : RegisterWorkerKeyAsync(app.Services, workerKey, cancellationToken),
                () => AdminKeyAsync(app.Services, service, cancellationToken),
                url,
                cancellationToken).ConfigureAwait(false);
        }
    }

    public static Task<int> WorkerAsync(CliArguments args, CancellationToken cancellationToken) => SettingsCheckedAsync(() => RunWorkerAsync(args, cancellationToken));

    private static async Task<int> RunWorkerAsync(CliArguments args, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        var settings = Settings(builder.Configuration, args, withInbox: false);
        if (args.Option("api") is { } api)
        {
            settings[WorkerOptions.Section + ":ApiUrl"] = api;
        }

        if (args.Option("key") is { } key)
        {
            settings[WorkerOptions.Section + ":ApiKey"] = key;
        }

        args.RejectUnknown();
        builder.Configuration.AddInMemoryCollection(settings);
        Quiet(builder.Logging);
        var service = builder.Services.AddServiceOptions(builder.Configuration);
        if (!service.UsesPostgreSql)
        {
            throw new CliUsageException("`ctbone worker` needs --postgres: it takes its jobs from the queue the API writes there");
        }

        builder.Services.AddStoreAndJobs(service).AddAnalysisWorker(builder.Configuration);
        using var host = builder.Build();
        return await StartAsync(host, host.Services, () => Task.CompletedTask, () => Task.CompletedTask, null, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<int> KeysAsync(CliArguments args, CancellationToken cancellationToken)
    {
        var verb = args.Required(0, "keys verb (create, list or revoke)");
        var configuration = new ConfigurationManager();
        var settings = Settings(configuration, args, withInbox: false);
        configuration.AddInMemoryCollection(settings);
        var service = configuration.GetSection(ServiceOptions.Section).Get<ServiceOptions>() ?? new ServiceOptions();
        var keys = await KeyStoreAsync(service, cancellationToken).ConfigureAwait(false);
        switch (verb)
        {
            case "create":
                var role = args.Option("role") ?? throw new CliUsageException("missing --role");
                var name = args.Option("name") ?? throw new CliUsageException("missing --name");
                args.RejectUnknown();
                if (!Roles.IsKnown(role))
                {
                    throw new CliUsageException($"unknown role '{role}'");
                }

                var (identity, key) = await keys.CreateAsync(name, role, cancellationToken).ConfigureAwait(false);
                await Console.Error.WriteLineAsync($"key {identity.Id} for '{identity.Name}' ({identity.Role}); it is shown once:").ConfigureAwait(false);
                await Console.Out.WriteLineAsync(key).ConfigureAwait(false);
                return CliCommands.Ok;
            case "list":
                args.RejectUnknown();
                foreach (var k in await keys.ListAsync(cancellationToken).ConfigureAwait(false))
                {
                    await Console.Out.WriteLineAsync($"{k.Id}  {k.Role,-7}  {k.Name}").ConfigureAwait(false);
                }

                return CliCommands.Ok;
            case "revoke":
                var id = args.Required(1, "key id");
                args.RejectUnknown();
                return await keys.RevokeAsync(id, cancellationToken).ConfigureAwait(false) ? CliCommands.Ok : CliCommands.RejectedInput;
            default:
                throw new CliUsageException($"unknown keys verb '{verb}'");
        }
    }

    /// <summary>
    /// A setting that cannot be read (a word where a number goes) or that validation refuses is a usage error naming the
    /// setting, before anything serves.
    /// </summary>
    private static async Task<int> SettingsCheckedAsync(Func<Task<int>> run)
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            throw new CliUsageException("configuration: " + string.Join("; ", e.Failures));
        }
        catch (InvalidOperationException e) when (e.Source == typeof(ConfigurationBinder).Assembly.GetName().Name)
        {
            throw new CliUsageException("configuration: " + e.Message);
        }
    }

    /// <summary>Starts a host once every option validates: checked here first, so a refusal is one message and not the host's failure log.</summary>
    private static async Task<int> StartAsync(
        IHost host, IServiceProvider services, Func<Task> beforeStart, Func<Task> afterStart, string? url, CancellationToken cancellationToken)
    {
        services.GetService<IStartupValidator>()?.Validate();
        await services.PrepareDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await beforeStart().ConfigureAwait(false);
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        await afterStart().ConfigureAwait(false);
        if (url is not null)
        {
            await Console.Error.WriteLineAsync($"ctbone: serving on {url}").ConfigureAwait(false);
        }

        // Until Ctrl+C (the token) or the host's own stop signal: SIGTERM from systemd or docker stop reaches the host
        // (its console lifetime), not the token, and a wait on the token alone would leave the process serving.
        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return CliCommands.Ok;
    }

    private static Dictionary<string, string?> Settings(IConfigurationBuilder configuration, CliArguments args, bool withInbox)
    {
        if (args.Option("config") is { } file)
        {
            if (!File.Exists(file))
            {
                throw new CliUsageException($"no configuration file {file}");
            }

            configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
        }

        configuration.AddEnvironmentVariables();
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (args.Option("data") is { } data)
        {
            settings[ServiceOptions.Section + ":DataDirectory"] = data;
        }

        if (args.Option("postgres") is { } postgres)
        {
            settings[ServiceOptions.Section + ":PostgreSql"] = postgres;
        }

        if (withInbox && args.Option("inbox") is { } inbox)
        {
            settings[InboxOptions.Section + ":Path"] = inbox;
        }

        configuration.AddInMemoryCollection(settings);
        return settings;
    }

    private static void Default(ConfigurationManager configuration, Dictionary<string, string?> settings, string key, string value)
    {
        if (string.IsNullOrEmpty(configuration[key]))
        {
            settings[key] = value;
        }
    }

    /// <summary>The in-process worker's own ingest key, new at every start; the previous one is revoked.</summary>
    private static async Task RegisterWorkerKeyAsync(IServiceProvider services, string key, CancellationToken cancellationToken)
    {
        var keys = services.GetRequiredService<ApiKeyStore>();
        foreach (var old in (await keys.ListAsync(cancellationToken).ConfigureAwait(false)).Where(k => k.Name == ServeWorkerKeyName))
        {
            await keys.RevokeAsync(old.Id, cancellationToken).ConfigureAwait(false);
        }

        await keys.RegisterAsync(ServeWorkerKeyName, Roles.Ingest, key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A new installation has no admin: one key is made and written, readable by this user only, to the data folder.</summary>
    private static async Task AdminKeyAsync(IServiceProvider services, ServiceOptions service, CancellationToken cancellationToken)
    {
        var keys = services.GetRequiredService<ApiKeyStore>();
        if ((await keys.ListAsync(cancellationToken).ConfigureAwait(false)).Any(k => k.Role == Roles.Admin))
        {
            return;
        }

        var (_, key) = await keys.CreateAsync("first admin", Roles.Admin, cancellationToken).ConfigureAwait(false);
        var path = Path.GetFullPath(Path.Combine(service.DataDirectory, "admin.key"));
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new StreamWriter(path, options);
        await using (file.ConfigureAwait(false))
        {
            await file.WriteLineAsync(key).ConfigureAwait(false);
        }
        await Console.Error.WriteLineAsync($"ctbone: a first admin key was written to {path}; make named keys with it and keep it safe").ConfigureAwait(false);
    }

    private static async Task<ApiKeyStore> KeyStoreAsync(ServiceOptions service, CancellationToken cancellationToken)
    {
        var database = service.UsesPostgreSql ? FindingsDatabase.PostgreSql(service.PostgreSql!) : FindingsDatabase.Sqlite(service.DatabasePath);
        await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        return new ApiKeyStore(database, TimeProvider.System);
    }

    private static void Quiet(ILoggingBuilder logging)
    {
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Extensions.Http", LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
        // A refused configuration is reported once, as a usage error naming the setting, not as a stack trace.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        logging.AddSimpleConsole(console => console.SingleLine = true);
    }
}
