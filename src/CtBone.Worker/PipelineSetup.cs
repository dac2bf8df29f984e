using CtBone.Store;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>
/// How the API, the worker and <c>serve</c> put the pipeline together. The storage choice is the one decision: SQLite
/// and in-memory jobs on one machine, or PostgreSQL for both when a connection string is given.
/// </summary>
public static class PipelineSetup
{
    /// <summary>Options from configuration, checked when the host starts: a bad value stops it with the setting's name.</summary>
    public static ServiceOptions AddServiceOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<ServiceOptions>(configuration, ServiceOptions.Section);
        return configuration.GetSection(ServiceOptions.Section).Get<ServiceOptions>() ?? new ServiceOptions();
    }

    /// <summary>The findings database and job storage every process of the service shares.</summary>
    public static IServiceCollection AddStoreAndJobs(this IServiceCollection services, ServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(options.UsesPostgreSql ? FindingsDatabase.PostgreSql(options.PostgreSql!) : FindingsDatabase.Sqlite(options.DatabasePath));
        services.AddSingleton<AnalysisStore>();
        services.AddSingleton<ResultDeliveries>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<SourcePositions>();
        services.AddSingleton<BatchStore>();
        services.AddHangfire(configuration =>
        {
            configuration.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
            if (options.UsesPostgreSql)
            {
                configuration.UsePostgreSqlStorage(
                    connection => connection.UseNpgsqlConnection(options.PostgreSql),
                    new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true, QueuePollInterval = TimeSpan.FromSeconds(1) });
            }
            else
            {
                configuration.UseInMemoryStorage();
            }
        });
        return services;
    }

    /// <summary>A Hangfire server that runs analyses: what <c>ctbone worker</c> is, and half of <c>ctbone serve</c>.</summary>
    public static IServiceCollection AddAnalysisWorker(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<WorkerOptions>(configuration, WorkerOptions.Section);
        services.AddSingleton<AnalysisProcess>();
        services.AddSingleton<IStudyFetcher, StoredFilesFetcher>();
        services.AddSingleton<IStudyFetcher, OrthancFetcher>();
        services.AddSingleton<IStudyFetcher, DicomWebFetcher>();
        services.AddSingleton<IStudyFetcher, ArchiveFolderFetcher>();
        AddPacs(services, configuration);
        services.AddHttpClient<FindingsPoster>(http => http.Timeout = TimeSpan.FromMinutes(2));
        services.AddTransient<StudyAnalysisJob>();
        services.AddTransient<ResultDeliveryJob>();
        services.AddTransient<ResultRevisionJob>();
        var worker = configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        void AddServer(string name, int workers, string[] queues) => services.AddHangfireServer(server =>
        {
            server.WorkerCount = workers;
            server.Queues = queues;
            server.ServerName = name;
            server.ShutdownTimeout = TimeSpan.FromSeconds(5);
            // Retries after a transient fault are scheduled jobs; Hangfire's default 15 s look-up would add to every delay.
            server.SchedulePollingInterval = TimeSpan.FromSeconds(2);
        });
        AddServer(StudyAnalysisJob.WorkerName, worker.Concurrency, [StudyAnalysisJob.Queue, ResultDeliveryJob.Queue]);
        if (worker.BatchConcurrency > 0)
        {
            // A server of its own, so that batch studies never take the workers that studies from PACS need.
            AddServer(StudyAnalysisJob.WorkerName + ":batch", worker.BatchConcurrency, [StudyAnalysisJob.BatchQueue]);
        }

        return services;
    }

    /// <summary>Where studies come in: the queue, the held-files area and the inbox, plus re-enqueueing after a crash. One process per site runs these.</summary>
    public static IServiceCollection AddStudySources(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<InboxOptions>(configuration, InboxOptions.Section);
        services.AddSettings<BatchOptions>(configuration, BatchOptions.Section);

        // UnfinishedWork looks for expired leases every LeaseSeconds: `ctbone api` runs no worker, but must still read the
        // workers' lease setting, or it looks only every 60 s (the default) whatever the workers use.
        services.AddOptions<WorkerOptions>().Bind(configuration.GetSection(WorkerOptions.Section));
        services.AddSingleton<StudyIntake>();
        services.AddSingleton<HeldStudies>();
        services.AddHostedService<UnfinishedWork>();
        services.AddHostedService<InboxWatcher>();
        services.AddHostedService<ArchiveBatches>();
        services.AddHostedService<OrthancChangeFeed>();
        services.AddHostedService<DicomWebPoller>();
        AddPacs(services, configuration);
        return services;
    }

    /// <summary>PACS settings and clients; <c>ctbone serve</c> calls it twice (worker and sources), and it adds them once.</summary>
    private static void AddPacs(IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(DeliveryDestinations)))
        {
            return;
        }

        services.AddOptions<OrthancOptions>().Bind(configuration.GetSection(OrthancOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DicomWebOptions>().Bind(configuration.GetSection(DicomWebOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(PacsSettings.HttpClientName, http => http.Timeout = TimeSpan.FromMinutes(10));
        services.AddSettings<DeliveryOptions>(configuration, DeliveryOptions.Section);
        services.AddSingleton<DeliveryDestinations>();
    }

    /// <summary>Creates the findings tables before anything serves; every process may run it.</summary>
    public static async Task PrepareDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        await services.GetRequiredService<FindingsDatabase>().MigrateAsync(cancellationToken).ConfigureAwait(false);
        _ = services.GetRequiredService<IOptions<ServiceOptions>>().Value;
    }
}
