using System.ComponentModel.DataAnnotations;

namespace CtBone.Worker;

/// <summary>
/// The service's configuration (section "CtBone"): where its data lives and which database it shares. Without a
/// PostgreSQL connection string it is one machine: SQLite findings and in-process job storage.
/// </summary>
public sealed class ServiceOptions
{
    public const string Section = "CtBone";

    /// <summary>Holds the SQLite database, studies the service keeps itself (inbox drops, uploads) and the workers' scratch folders.</summary>
    [Required]
    public string DataDirectory { get; set; } = "ctbone-data";

    /// <summary>When set, findings and Hangfire's jobs live in this PostgreSQL database, shared by the API and every worker.</summary>
    public string? PostgreSql { get; set; }

    public bool UsesPostgreSql => !string.IsNullOrWhiteSpace(PostgreSql);

    public string DatabasePath => Path.Combine(DataDirectory, "ctbone.db");

    public string StudiesDirectory => Path.Combine(DataDirectory, "studies");

    public string ScratchDirectory => Path.Combine(DataDirectory, "work");
}

/// <summary>How a worker runs analyses (section "CtBone:Worker").</summary>
public sealed class WorkerOptions : IValidatableObject
{
    public const string Section = "CtBone:Worker";

    /// <summary>The API the worker posts findings to, e.g. http://127.0.0.1:5080.</summary>
    [Required]
    public string ApiUrl { get; set; } = string.Empty;

    /// <summary>An API key with the ingest role.</summary>
    [Required]
    public string ApiKey { get; set; } = string.Empty;

    /// <summary>Analyses run at once in this process. Each uses every core it is given, so the default is half of them.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>
    /// Batch analyses run at once in this process, by workers of their own beside <see cref="Concurrency"/>: a batch of
    /// thousands never makes a study from PACS wait. 0: this worker takes no batch work.
    /// </summary>
    [Range(0, 64)]
    public int BatchConcurrency { get; set; } = 1;

    /// <summary>A study's analysis process is stopped after this long, and the analysis records the timeout.</summary>
    [Range(5, 7200)]
    public int AnalysisTimeoutSeconds { get; set; } = 600;

    /// <summary>A worker holds an analysis this long past its last heartbeat; a dead worker's analysis is taken over after it.</summary>
    [Range(2, 3600)]
    public int LeaseSeconds { get; set; } = 60;

    [Range(1, 600)]
    public int HeartbeatSeconds { get; set; } = 10;

    /// <summary>Transient faults (PACS or API unreachable) are retried until an analysis has been tried this often.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The <c>ctbone</c> executable or ctbone.dll that runs one analysis; by default the one this process runs from.</summary>
    public string? AnalyzerPath { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(ApiUrl, UriKind.Absolute, out var api) || (api.Scheme != Uri.UriSchemeHttp && api.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"must be an absolute http(s) URL, not '{ApiUrl}'", [nameof(ApiUrl)]);
        }

        if (HeartbeatSeconds * 2 > LeaseSeconds)
        {
            yield return new ValidationResult("must be at most half of LeaseSeconds, or a live worker loses its lease", [nameof(HeartbeatSeconds)]);
        }

        if (AnalyzerPath is { } path && !File.Exists(path))
        {
            yield return new ValidationResult($"'{path}' does not exist", [nameof(AnalyzerPath)]);
        }
    }
}
