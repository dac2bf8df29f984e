using System.Globalization;
using System.Text;
using CtBone.Service.Tests;
using CtBone.Store;

namespace CtBone.Benchmarks;

/// <summary>
/// <c>service-studies CTBONE_DLL [STUDIES] [REPEATS]</c>: studies per hour through one <c>ctbone worker</c> (beside
/// <c>ctbone api</c>, on a private PostgreSQL cluster) with Concurrency 1 and 2, interleaved, REPEATS runs each. The
/// studies are STUDIES distinct phantoms made like the bundled test-dicoms (same six recipes, other seeds), dropped into
/// the API's inbox at once. A run's time is from the first analysis' start to the last one's end, as the database
/// records them: what the worker spends, without the inbox's quiet time.
/// </summary>
internal static class StudyThroughputBenchmark
{
    /// <summary>test-dicoms/regenerate.sh's recipes: 256² at 1.4 mm, 8 HU noise, JPEG-LS, JPEG 2000 and JPEG lossless.</summary>
    private static readonly string[][] s_recipes =
    [
        ["--slice-thickness", "3", "--extra", "localizer,sagittal,thick", "--syntax", "jpegls"],
        ["--slice-thickness", "3", "--preset", "osteoporotic", "--coverage", "T11-S1", "--position", "FFS", "--unsigned", "--bits-stored", "12", "--syntax", "j2k", "--names", "random"],
        ["--slice-thickness", "3", "--preset", "osteopenic", "--screws", "L4,L5", "--coverage", "L2-S1", "--syntax", "jpegls", "--names", "dcm"],
        ["--slice-thickness", "3", "--preset", "osteoporotic", "--fracture", "L1:moderate", "--coverage", "T10-L4", "--syntax", "jpeg"],
        ["--slice-thickness", "3", "--lumbar", "6", "--coverage", "T11-S1", "--syntax", "jpeg", "--names", "random"],
        ["--slice-thickness", "2", "--coverage", "T12-L3", "--contrast", "portal", "--syntax", "j2k", "--age", "none"],
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not ["service-studies", var ctbone, ..])
        {
            await Console.Error.WriteLineAsync("usage: CtBone.Benchmarks service-studies CTBONE_DLL [STUDIES=20] [REPEATS=3]").ConfigureAwait(false);
            return 64;
        }

        var (count, repeats) = (ServiceLoadBenchmark.Arg(args, 2, 20), ServiceLoadBenchmark.Arg(args, 3, 3));
        var work = Directory.CreateTempSubdirectory("ctbone-bench-studies-").FullName;
        try
        {
            var studies = new List<string>();
            for (var i = 0; i < count; i++)
            {
                var folder = Path.Combine(work, "studies", "study-" + i.ToString("D2", CultureInfo.InvariantCulture));
                string[] common = ["phantom", folder, "--matrix", "256", "--pixel-spacing", "1.4", "--noise", "8", "--seed", (3000 + i).ToString(CultureInfo.InvariantCulture)];
                await ProcessProbe.RunAsync("dotnet", [ctbone, .. common, .. s_recipes[i % s_recipes.Length]]).ConfigureAwait(false);
                studies.Add(folder);
            }

            await Console.Error.WriteLineAsync($"{count} phantom studies written").ConfigureAwait(false);
            var cluster = await PrivatePostgres.StartAsync(durable: true).ConfigureAwait(false);
            await using (cluster.ConfigureAwait(false))
            {
                var runs = new List<StudyRun>();
                for (var r = 0; r < repeats; r++)
                {
                    foreach (var concurrency in new[] { 1, 2 })
                    {
                        var run = await OneRunAsync(ctbone, cluster, studies, concurrency, Path.Combine(work, $"run-{r}-{concurrency}")).ConfigureAwait(false);
                        runs.Add(run);
                        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"run {r + 1}, concurrency {concurrency}: {run.Seconds:0.0} s, {run.PerHour:0} studies/h, {run.Completed} completed")).ConfigureAwait(false);
                    }
                }

                await Console.Out.WriteAsync(Table(runs, count)).ConfigureAwait(false);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }

        return 0;
    }

    private static async Task<StudyRun> OneRunAsync(string ctbone, PrivatePostgres cluster, List<string> studies, int concurrency, string data)
    {
        var connection = await cluster.CreateDatabaseAsync().ConfigureAwait(false);
        var database = FindingsDatabase.PostgreSql(connection);
        await database.MigrateAsync().ConfigureAwait(false);
        var key = (await new ApiKeyStore(database, TimeProvider.System).CreateAsync("bench worker", Roles.Ingest).ConfigureAwait(false)).Key;
        var url = $"http://127.0.0.1:{ServiceHost.FreePort()}";
        var settings = new Dictionary<string, string>
        {
            ["CtBone__Inbox__QuietSeconds"] = "1",
            ["CtBone__Inbox__PollSeconds"] = "0.5",
            ["CtBone__Worker__Concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
        };
        using var api = ServiceHost.Start(ctbone, ["api", "--postgres", connection, "--data", data, "--urls", url], settings);
        await api.WaitForHttpAsync(new Uri(url)).ConfigureAwait(false);
        using var worker = ServiceHost.Start(ctbone, ["worker", "--postgres", connection, "--api", url, "--key", key, "--data", data], settings);
        await worker.WaitForLogAsync("all the dispatchers started").ConfigureAwait(false);

        // Each study is copied beside the inbox first and then moved in, so the inbox never sees half a study.
        var inbox = Path.Combine(data, "inbox");
        Directory.CreateDirectory(inbox);
        foreach (var study in studies)
        {
            var staged = Path.Combine(data, "staging", Path.GetFileName(study));
            foreach (var file in Directory.GetFiles(study, "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(staged, Path.GetRelativePath(study, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }

            Directory.Move(staged, Path.Combine(inbox, Path.GetFileName(study)));
        }

        var store = new AnalysisStore(database, TimeProvider.System);
        var deadline = DateTime.UtcNow.AddMinutes(30);
        while (true)
        {
            var all = (await store.ListAsync(new AnalysisQuery { CurrentOnly = false, PageSize = AnalysisStore.MaxPageSize }).ConfigureAwait(false)).Items;
            if (all.Count == studies.Count && all.All(a => a.IsFinal))
            {
                var seconds = (all.Max(a => a.FinishedAt)!.Value - all.Min(a => a.StartedAt)!.Value).TotalSeconds;
                return new StudyRun(concurrency, seconds, studies.Count * 3600 / seconds, all.Count(a => a.State == AnalysisState.Completed), all.Max(a => a.Attempts));
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{all.Count(a => a.IsFinal)} of {studies.Count} studies done after 30 minutes:\n{api.Log}\n{worker.Log}");
            }

            await Task.Delay(500).ConfigureAwait(false);
        }
    }

    private static string Table(List<StudyRun> runs, int count)
    {
        var table = new StringBuilder();
        table.AppendLine("| worker concurrency | runs | s per run (each) | median s | median studies/hour | s per study | completed | most attempts |");
        table.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var group in runs.GroupBy(r => r.Concurrency))
        {
            var seconds = ProcessProbe.Median(group.Select(r => r.Seconds));
            var each = string.Join(", ", group.Select(r => r.Seconds.ToString("0.0", CultureInfo.InvariantCulture)));
            table.AppendLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {group.Key} | {group.Count()} | {each} | {seconds:0.0} | {ProcessProbe.Median(group.Select(r => r.PerHour)):0} | {seconds / count:0.00} | {group.Min(r => r.Completed)} to {group.Max(r => r.Completed)} of {count} | {group.Max(r => r.MostAttempts)} |"));
        }

        return table.ToString();
    }

    private sealed record StudyRun(int Concurrency, double Seconds, double PerHour, int Completed, int MostAttempts);
}
