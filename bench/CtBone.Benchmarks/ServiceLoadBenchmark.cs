using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CtBone.Core;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Core.Series;
using CtBone.Service.Tests;
using CtBone.Store;
using Dapper;

namespace CtBone.Benchmarks;

/// <summary>
/// <c>service-load CTBONE_DLL [ROWS] [RATE] [SECONDS] [ROUNDS] [DATABASES]</c>: the flagged-studies list under load, SQLite
/// (<c>ctbone serve</c>) beside PostgreSQL (<c>ctbone api --postgres</c> on a private cluster) in one run. Both databases
/// get the same ROWS completed analyses through the store (the findings document of <c>ctbone analyze
/// test-dicoms/standard</c>, with patient, dates and screening varied), then each server gets the same request paths
/// at a constant RATE for SECONDS, ROUNDS times, alternating. The constant-rate client is our own and open loop: each
/// request has a scheduled send time, and its latency runs from that time, so a slow response delays nothing and
/// hides nothing (no coordinated omission). wrk then gives each server's closed-loop maximum on the same paths.
/// Run from the repository root (it reads test-dicoms/standard).
/// </summary>
internal static partial class ServiceLoadBenchmark
{
    private const int Patients = 3000;
    private const int WarmUpSeconds = 3;
    private const int WrkSeconds = 15;

    private static readonly string[] s_family = ["SMITH", "MÜLLER", "GARCIA", "NGUYEN", "ROSSI", "KOWALSKI", "JOHANSSON", "DUBOIS", "OKAFOR", "TANAKA", "SILVA", "COHEN", "NOVAK", "HANSEN", "KIM", "PATEL", "O'BRIEN", "FISCHER", "LOPEZ", "WAGNER"];
    private static readonly string[] s_given = ["ANNA", "JOHN", "MARIA", "PETER", "LENA", "OMAR", "YUKI", "CARLOS", "EVA", "LUCAS", "SARA", "IVAN"];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not ["service-load", var ctbone, ..])
        {
            await Console.Error.WriteLineAsync("usage: CtBone.Benchmarks service-load CTBONE_DLL [ROWS=10000] [RATE=200] [SECONDS=30] [ROUNDS=3] [DATABASES=sqlite,postgresql]").ConfigureAwait(false);
            return 64;
        }

        var (rows, rate, seconds, rounds) = (Arg(args, 2, 10_000), Arg(args, 3, 200), Arg(args, 4, 30), Arg(args, 5, 3));
        var chosen = (args.Length > 6 ? args[6] : "sqlite,postgresql").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!File.Exists("/usr/bin/wrk"))
        {
            await Console.Error.WriteLineAsync("wrk is missing: apt-get install -y --no-install-recommends wrk").ConfigureAwait(false);
            return 2;
        }

        var json = await ProcessProbe.OutputAsync("dotnet", [ctbone, "analyze", Path.Combine("test-dicoms", "standard"), "--format", "json"]).ConfigureAwait(false);
        var template = JsonSerializer.Deserialize<Findings>(json, CtBoneJson.Options)!;
        var work = Directory.CreateTempSubdirectory("ctbone-bench-service-").FullName;
        var cluster = await PrivatePostgres.StartAsync(durable: true).ConfigureAwait(false);
        await using (cluster.ConfigureAwait(false))
        {
            var targets = new List<Target>();
            try
            {
                var postgres = await cluster.CreateDatabaseAsync("ctbone_bench").ConfigureAwait(false);
                var databases = new List<(string Name, FindingsDatabase Database, string[] Command)>
                {
                    ("SQLite", FindingsDatabase.Sqlite(Path.Combine(work, "sqlite", "ctbone.db")), ["serve", "--data", Path.Combine(work, "sqlite")]),
                    ("PostgreSQL", FindingsDatabase.PostgreSql(postgres), ["api", "--postgres", postgres, "--data", Path.Combine(work, "postgresql")]),
                };
                foreach (var (name, database, command) in databases.Where(d => chosen.Contains(d.Name, StringComparer.OrdinalIgnoreCase)))
                {
                    var clock = Stopwatch.StartNew();
                    var size = await SeedAsync(database, template, rows).ConfigureAwait(false);
                    var key = (await new ApiKeyStore(database, TimeProvider.System).CreateAsync("bench viewer", Roles.Viewer).ConfigureAwait(false)).Key;
                    await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{name}: {rows} analyses seeded in {clock.Elapsed.TotalSeconds:0} s (findings JSON {size / 1024.0:0.0} KB each)")).ConfigureAwait(false);
                    var url = new Uri($"http://127.0.0.1:{ServiceHost.FreePort()}");
                    var host = ServiceHost.Start(ctbone, [.. command, "--urls", url.ToString().TrimEnd('/')], new Dictionary<string, string>());
                    targets.Add(new Target(name, url, key, host));
                    await host.WaitForHttpAsync(url).ConfigureAwait(false);
                }

                var paths = RequestPaths(rows, 4000);
                var pathsFile = Path.Combine(work, "paths.txt");
                await File.WriteAllLinesAsync(pathsFile, paths).ConfigureAwait(false);
                await Console.Out.WriteAsync(await MeasureAsync(targets, paths, pathsFile, rate, seconds, rounds).ConfigureAwait(false)).ConfigureAwait(false);
            }
            finally
            {
                foreach (var target in targets)
                {
                    target.Dispose();
                }

                Directory.Delete(work, recursive: true);
            }
        }

        return 0;
    }

    internal static int Arg(string[] args, int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

    private static async Task<string> MeasureAsync(List<Target> targets, List<string> paths, string pathsFile, int rate, int seconds, int rounds)
    {
        var table = new StringBuilder();
        table.AppendLine("One request at a time (200 requests, after the warm-up), ms:");
        table.AppendLine();
        table.AppendLine("| database | p50 | p90 | p99 |");
        table.AppendLine("|---|---|---|---|");
        foreach (var target in targets)
        {
            await OpenLoopAsync(target, paths, 50, WarmUpSeconds, offset: 0).ConfigureAwait(false);
            var alone = new double[200];
            for (var i = 0; i < alone.Length; i++)
            {
                alone[i] = (await SendAsync(target.Client, paths[i], Stopwatch.GetTimestamp()).ConfigureAwait(false)).LatencyMs;
            }

            Array.Sort(alone);
            table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {target.Name} | {Percentile(alone, 0.5):0.0} | {Percentile(alone, 0.9):0.0} | {Percentile(alone, 0.99):0.0} |"));
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{target.Name}, one at a time: p50 {Percentile(alone, 0.5):0.0} ms")).ConfigureAwait(false);
        }

        table.AppendLine();
        var runs = targets.ToDictionary(t => t.Name, _ => new List<LoadRun>());
        for (var round = 0; round < rounds; round++)
        {
            // Alternating, so that a busy moment of the machine hits both databases alike.
            foreach (var target in targets)
            {
                await OpenLoopAsync(target, paths, rate, WarmUpSeconds, offset: 0).ConfigureAwait(false);
                var run = await OpenLoopAsync(target, paths, rate, seconds, offset: round * rate * seconds).ConfigureAwait(false);
                runs[target.Name].Add(run);
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}, {target.Name}: p50 {run.P50:0.0} ms, p99 {run.P99:0.0} ms, {run.Errors} errors")).ConfigureAwait(false);
            }
        }

        table.AppendLine(CultureInfo.InvariantCulture, $"Constant rate, {rate} requests/s offered for {seconds} s, {rounds} rounds; latency from each request's scheduled send time, ms:");
        table.AppendLine();
        table.AppendLine("| database | round | achieved req/s | non-200 | p50 | p90 | p99 | max | client late, max | p99 < 50 ms |");
        table.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var target in targets)
        {
            var list = runs[target.Name];
            for (var i = 0; i < list.Count; i++)
            {
                table.AppendLine(Row(target.Name, (i + 1).ToString(CultureInfo.InvariantCulture), list[i]));
            }

            var median = new LoadRun(
                ProcessProbe.Median(list.Select(r => r.Throughput)), list.Sum(r => r.Errors), ProcessProbe.Median(list.Select(r => r.P50)), ProcessProbe.Median(list.Select(r => r.P90)),
                ProcessProbe.Median(list.Select(r => r.P99)), ProcessProbe.Median(list.Select(r => r.Max)), ProcessProbe.Median(list.Select(r => r.MaxSendLate)));
            table.AppendLine(Row("**" + target.Name + "**", "**median** (errors: sum)", median));
        }

        table.AppendLine();
        table.AppendLine(CultureInfo.InvariantCulture, $"Closed loop, wrk -t2 -c16 -d{WrkSeconds}s on the same paths (as fast as each server answers; latency under saturation, ms):");
        table.AppendLine();
        table.AppendLine("| database | req/s | non-2xx | p50 | p90 | p99 |");
        table.AppendLine("|---|---|---|---|---|---|");
        foreach (var target in targets)
        {
            var wrk = await WrkAsync(target, pathsFile).ConfigureAwait(false);
            table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {target.Name} | {wrk.RequestsPerSecond:0} | {wrk.Errors} | {wrk.P50:0.0} | {wrk.P90:0.0} | {wrk.P99:0.0} |"));
        }

        return table.ToString();
    }

    private static string Row(string name, string round, LoadRun r) => string.Create(
        CultureInfo.InvariantCulture,
        $"| {name} | {round} | {r.Throughput:0.0} | {r.Errors} | {r.P50:0.0} | {r.P90:0.0} | {r.P99:0.0} | {r.Max:0} | {r.MaxSendLate:0.0} | {(r.P99 < 50 && r.Errors == 0 ? "yes" : "no")} |");

    /// <summary>
    /// Sends <paramref name="rate"/> requests a second for <paramref name="seconds"/>, each at its scheduled time whatever
    /// the earlier ones are doing. The sending thread sleeps between sends; how late it ever sent is reported.
    /// </summary>
    private static async Task<LoadRun> OpenLoopAsync(Target target, List<string> paths, int rate, int seconds, int offset)
    {
        var count = rate * seconds;
        var samples = new Task<Sample>[count];
        var ticksPerRequest = (double)Stopwatch.Frequency / rate;
        var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 10);
        long late = 0;
        for (var i = 0; i < count; i++)
        {
            var scheduled = start + (long)(i * ticksPerRequest);
            long now;
            while ((now = Stopwatch.GetTimestamp()) < scheduled)
            {
                Thread.Sleep((int)Math.Min(50, (scheduled - now) * 1000 / Stopwatch.Frequency));
            }

            late = Math.Max(late, now - scheduled);
            samples[i] = SendAsync(target.Client, paths[(offset + i) % paths.Count], scheduled);
        }

        var done = await Task.WhenAll(samples).ConfigureAwait(false);
        var latencies = done.Select(s => s.LatencyMs).Order().ToArray();
        var ok = done.Count(s => s.Ok);
        var span = Ms(done.Max(s => s.CompletedAt) - start) / 1000;
        return new LoadRun(ok / span, count - ok, Percentile(latencies, 0.50), Percentile(latencies, 0.90), Percentile(latencies, 0.99), latencies[^1], Ms(late));
    }

    private static async Task<Sample> SendAsync(HttpClient http, string path, long scheduled)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
            var completed = Stopwatch.GetTimestamp();
            return new Sample(Ms(completed - scheduled), completed, response.StatusCode == HttpStatusCode.OK);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            var completed = Stopwatch.GetTimestamp();
            return new Sample(Ms(completed - scheduled), completed, false);
        }
    }

    private static async Task<WrkRun> WrkAsync(Target target, string pathsFile)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-t2", "-c16", $"-d{WrkSeconds}s", "--latency", "-s", Path.Combine(AppContext.BaseDirectory, "service-load.lua"), target.Url.ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["CTBONE_KEY"] = target.Key;
        start.Environment["CTBONE_PATHS"] = pathsFile;
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        double Latency(string percent)
        {
            var match = Regex.Match(output, $@"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
        }

        var errors = NonSuccess().Match(output) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new WrkRun(double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture), errors, Latency("50"), Latency("90"), Latency("99"));
    }

    /// <summary>Completed analyses as the worker stores them; returns the size of one findings document in bytes.</summary>
    private static async Task<int> SeedAsync(FindingsDatabase database, Findings template, int rows)
    {
        await database.MigrateAsync().ConfigureAwait(false);
        var store = new AnalysisStore(database, TimeProvider.System);
        var size = 0;
        await Parallel.ForAsync(0, rows, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, cancellationToken) =>
        {
            var findings = Synthetic(template, i);
            var json = JsonSerializer.Serialize(findings, CtBoneJson.Options);
            size = json.Length;
            var request = new NewAnalysis
            {
                SourceKind = StudySources.Files,
                SourceRef = "bench",
                DedupeKey = "bench|" + i.ToString(CultureInfo.InvariantCulture),
                AlgorithmVersion = template.AlgorithmVersion,
                StudyInstanceUid = findings.StudyInstanceUid,
                InstanceCount = 120,
            };
            var id = (await store.CreateAsync(request, cancellationToken).ConfigureAwait(false)).Record.Id;
            await store.TryClaimAsync(id, "bench-seed", DateTimeOffset.UtcNow.AddMinutes(5), cancellationToken).ConfigureAwait(false);
            await store.RecordOutcomeAsync(id, findings, json, [], 120, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        if (database.Kind == DatabaseKind.PostgreSql)
        {
            // What autovacuum does to a table that has been in use: planner statistics and the visibility map. Right after
            // a bulk load the planner guessed 50 flagged rows for 3,000 and sorted each page (35 ms against 0.8 ms).
            var connection = await database.OpenAsync().ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await connection.ExecuteAsync("vacuum analyze").ConfigureAwait(false);
            }
        }

        return size;
    }

    /// <summary>
    /// Analysis <paramref name="i"/> of the seed: 3,000 patients, study dates over five years (2021 to 2025), 12% osteoporosis
    /// and 18% osteopenia (30% flagged), 60% normal, 10% indeterminate, each its own study and series.
    /// </summary>
    private static Findings Synthetic(Findings template, int i)
    {
        var random = new Random(i);
        var patient = random.Next(Patients);
        var (category, hu) = random.NextDouble() switch
        {
            < 0.12 => (ScreeningCategory.Osteoporosis, 50 + (random.NextDouble() * 60)),
            < 0.30 => (ScreeningCategory.Osteopenia, 110 + (random.NextDouble() * 50)),
            < 0.90 => (ScreeningCategory.Normal, 160 + (random.NextDouble() * 100)),
            _ => (ScreeningCategory.Indeterminate, (double?)null),
        };
        var uid = string.Create(CultureInfo.InvariantCulture, $"1.2.826.0.1.3680043.10.999.{i + 1}");
        var screening = template.Screening ?? new ScreeningResult { Category = category };
        return template with
        {
            StudyInstanceUid = uid + ".1",
            SeriesInstanceUid = uid + ".2",
            Study = (template.Study ?? new StudyIdentity()) with
            {
                PatientId = PatientId(patient),
                PatientName = $"{s_family[patient % s_family.Length]}^{s_given[patient / s_family.Length % s_given.Length]}",
                AccessionNumber = string.Create(CultureInfo.InvariantCulture, $"ACC{i:D7}"),
                StudyDate = new DateOnly(2021, 1, 1).AddDays(random.Next(5 * 365)),
            },
            Screening = screening with { Category = category, Hu = hu, Severity = hu < 80 ? "severe" : null, LevelUsed = "L1" },
        };
    }

    /// <summary>
    /// What surgeons ask for: 70% a page of the flagged list, 15% flagged osteoporosis, 10% flagged within one year of
    /// study dates, 5% one patient (by ID, or by part of the family name). Pages stay within what each filter holds.
    /// </summary>
    private static List<string> RequestPaths(int rows, int count)
    {
        var random = new Random(42);
        int Page(double share) => random.Next(1, Math.Max(1, (int)Math.Ceiling(rows * share / 50)) + 1);
        var paths = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var year = 2021 + random.Next(5);
            var patient = random.Next(Patients);
            paths.Add(random.NextDouble() switch
            {
                < 0.70 => $"/api/analyses?flagged=true&page={Page(0.30)}&pageSize=50",
                < 0.85 => $"/api/analyses?flagged=true&category=osteoporosis&page={Page(0.12)}&pageSize=50",
                < 0.95 => $"/api/analyses?flagged=true&from={year}-01-01&to={year}-12-31&page={Page(0.06)}&pageSize=50",
                < 0.975 => $"/api/analyses?flagged=true&patient={PatientId(patient)}&page=1&pageSize=50",
                _ => $"/api/analyses?flagged=true&patient={Uri.EscapeDataString(s_family[patient % s_family.Length][..3].ToLowerInvariant())}&page=1&pageSize=50",
            });
        }

        return paths;
    }

    private static string PatientId(int patient) => string.Create(CultureInfo.InvariantCulture, $"PID{patient:D5}");

    private static double Percentile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();

    private sealed class Target(string name, Uri url, string key, ServiceHost host) : IDisposable
    {
        public string Name => name;

        public Uri Url => url;

        public string Key => key;

        /// <summary>One client per server, kept across warm-up and measured runs, so connections are open before measuring.</summary>
        public HttpClient Client { get; } = new(new SocketsHttpHandler { MaxConnectionsPerServer = 512 })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", key) },
        };

        public void Dispose()
        {
            Client.Dispose();
            host.Dispose();
        }
    }

    private sealed record Sample(double LatencyMs, long CompletedAt, bool Ok);

    private sealed record LoadRun(double Throughput, int Errors, double P50, double P90, double P99, double Max, double MaxSendLate);

    private sealed record WrkRun(double RequestsPerSecond, int Errors, double P50, double P90, double P99);
}
