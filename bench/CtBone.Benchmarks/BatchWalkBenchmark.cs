using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace CtBone.Benchmarks;

/// <summary>
/// <c>batch-walk CTBONE_DLL [STUDIES=5000] [FILES=20]</c>: the batch control plane over an archive of STUDIES folders of
/// FILES small files each, on <c>ctbone serve</c> with no batch workers (<c>BatchConcurrency=0</c>), so only the walk
/// and the batch's own reads are timed: how long the walk takes to list and queue every folder, then the progress read
/// (<c>GET /api/batches/{id}</c>) and the CSV export, 21 times each after one warm-up, median and spread.
/// </summary>
internal static class BatchWalkBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not ["batch-walk", var ctbone, ..])
        {
            await Console.Error.WriteLineAsync("usage: CtBone.Benchmarks batch-walk CTBONE_DLL [STUDIES=5000] [FILES=20]").ConfigureAwait(false);
            return 64;
        }

        var (studies, files) = (ServiceLoadBenchmark.Arg(args, 2, 5000), ServiceLoadBenchmark.Arg(args, 3, 20));
        var work = Directory.CreateTempSubdirectory("ctbone-bench-batch-").FullName;
        try
        {
            var archive = Path.Combine(work, "archive");
            var content = new byte[2048];
            for (var s = 0; s < studies; s++)
            {
                var folder = Path.Combine(archive, string.Create(CultureInfo.InvariantCulture, $"patient-{s / 4:D5}"), string.Create(CultureInfo.InvariantCulture, $"study-{s % 4}"));
                Directory.CreateDirectory(folder);
                for (var f = 0; f < files; f++)
                {
                    await File.WriteAllBytesAsync(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"IM{f:D4}")), content).ConfigureAwait(false);
                }
            }

            var url = new Uri($"http://127.0.0.1:{ServiceHost.FreePort()}");
            var data = Path.Combine(work, "data");
            using var host = ServiceHost.Start(
                ctbone,
                ["serve", "--data", data, "--urls", url.ToString().TrimEnd('/')],
                new Dictionary<string, string>
                {
                    ["CtBone__Batches__Roots__0"] = archive,
                    ["CtBone__Batches__PollSeconds"] = "0.2",
                    ["CtBone__Worker__BatchConcurrency"] = "0",
                });
            await host.WaitForHttpAsync(url).ConfigureAwait(false);
            using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(Path.Combine(data, "admin.key")).ConfigureAwait(false)).Trim());

            var clock = Stopwatch.StartNew();
            using var created = await http.PostAsJsonAsync("/api/batches", new { folder = archive, studyDepth = 2 }).ConfigureAwait(false);
            created.EnsureSuccessStatusCode();
            var href = created.Headers.Location!.OriginalString;
            JsonElement batch;
            while ((batch = await http.GetFromJsonAsync<JsonElement>(href).ConfigureAwait(false)).GetProperty("state").GetString() == "walking")
            {
                await Task.Delay(50).ConfigureAwait(false);
            }

            var walked = clock.Elapsed.TotalSeconds;
            var found = batch.GetProperty("studies").GetInt32();
            var progress = await TimeAsync(() => http.GetStringAsync(href)).ConfigureAwait(false);
            var bytes = 0;
            var export = await TimeAsync(async () => bytes = (await http.GetByteArrayAsync(href + "/results.csv").ConfigureAwait(false)).Length).ConfigureAwait(false);

            var table = new StringBuilder();
            table.AppendLine(CultureInfo.InvariantCulture, $"Archive: {studies} study folders of {files} files ({studies * files * content.Length / 1048576.0:0} MB), studyDepth 2.");
            table.AppendLine();
            table.AppendLine("| measure | value |");
            table.AppendLine("|---|---|");
            table.AppendLine(CultureInfo.InvariantCulture, $"| walk: POST to every folder listed and queued | {walked:0.0} s ({found / walked:0} folders/s), {found} found |");
            table.AppendLine(CultureInfo.InvariantCulture, $"| progress read, median (min to max of 21) | {progress.Median:0.0} ms ({progress.Min:0.0} to {progress.Max:0.0}) |");
            table.AppendLine(CultureInfo.InvariantCulture, $"| CSV export, median (min to max of 21) | {export.Median:0} ms ({export.Min:0} to {export.Max:0}), {bytes / 1024} KB |");
            await Console.Out.WriteAsync(table.ToString()).ConfigureAwait(false);
            return found == studies ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>One warm-up call, then 21 timed ones: median, fastest and slowest in ms.</summary>
    private static async Task<(double Median, double Min, double Max)> TimeAsync<T>(Func<Task<T>> call)
    {
        await call().ConfigureAwait(false);
        var times = new double[21];
        for (var i = 0; i < times.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            await call().ConfigureAwait(false);
            times[i] = clock.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        return (times[times.Length / 2], times[0], times[^1]);
    }
}
