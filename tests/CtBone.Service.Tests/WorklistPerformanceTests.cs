using System.Diagnostics;
using System.Globalization;
using System.Net;
using CtBone.Store;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace CtBone.Service.Tests;

/// <summary>
/// The worklist page over 10,000 analyses: each page is one query (rows and total together), so the first page, a
/// filtered one, a search and the last page all answer quickly. The times are written to the test output.
/// </summary>
[Trait("Category", "Integration")]
public sealed class WorklistPerformanceTests(WorklistPerformanceTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<WorklistPerformanceTests.Fixture>
{
    private const int Analyses = 10_000;

    [Theory]
    [InlineData("/worklist", "10,000 studies, page 1 of 200")]
    [InlineData("/worklist?show=all&page=250", "12,000 studies, page 250 of 240")]
    [InlineData("/worklist?show=all&page=240", "12,000 studies, page 240 of 240")]
    [InlineData("/worklist?category=osteoporosis&severity=severe&scanner=Vendor%20B%20Model%202&reviewed=no", "studies, page 1 of")]
    [InlineData("/worklist?q=smith&from=2020-01-01&to=2023-12-31", "studies, page 1 of")]
    [InlineData("/worklist?q=MRN-004242", "1 study, page 1 of 1")]
    public async Task Worklist_Over10000FlaggedAnalyses_AnswersQuickly(string path, string count)
    {
        using var client = fixture.Client(fixture.ViewerKey);
        using (await client.GetAsync(path))
        {
            // Warm: the first request of a path compiles the page and fills the caches.
        }

        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        clock.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(count, html, StringComparison.Ordinal);
        output.WriteLine($"{path}: {clock.ElapsedMilliseconds} ms, {html.Length / 1024} KiB");
        // A generous bound (the queries take 5 to 20 ms in sqlite3): it catches a query per row, not a busy machine.
        Assert.True(clock.ElapsedMilliseconds < 2000, $"{path} took {clock.ElapsedMilliseconds} ms");
    }

    /// <summary>10,000 flagged and 2,000 normal current analyses written straight into the service's SQLite file, in one transaction.</summary>
    public sealed class Fixture : ApiService
    {
        protected override async Task SeedAsync()
        {
            var connection = await FindingsDatabase.Sqlite(Service.DatabasePath).OpenAsync();
            await using (connection)
            {
                using var transaction = connection.BeginTransaction();
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    insert into analyses (id, dedupe_key, series_instance_uid, algorithm_version, source_kind, source_ref, state, is_current, created_at,
                        finished_at, patient_id, patient_name, accession_number, study_date, category, severity, flagged, level_used, screening_hu, scanner)
                    values ($id, $id, $id, 'ctbone-spine 0.1.0', 'files', 'seeded', 'completed', 1, $at, $at, $patient, $name, $accession, $date, $category,
                        $severity, $flagged, 'L1', $hu, $scanner)
                    """;
                var names = new[] { "id", "at", "patient", "name", "accession", "date", "category", "severity", "flagged", "hu", "scanner" };
                foreach (var name in names)
                {
                    command.Parameters.Add(new SqliteParameter("$" + name, null));
                }

                var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
                var families = new[] { "SMITH", "JONES", "WANG", "LI", "GARCIA", "MUELLER" };
                for (var i = 0; i < Analyses + 2_000; i++)
                {
                    var flagged = i < Analyses;
                    var hu = flagged ? 60 + (i % 100) : 170 + (i % 40);
                    var values = new object?[]
                    {
                        $"seeded{i:D6}", start.AddMinutes(i).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
                        $"MRN-{i:D6}", $"{families[i % families.Length]}^PATIENT{i}", $"ACC{i:D7}",
                        new DateOnly(2019, 1, 1).AddDays(i % 2000).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                        hu > 160 ? "normal" : hu > 110 ? "osteopenia" : "osteoporosis", hu <= 80 ? "severe" : null, flagged ? 1 : 0, (double)hu,
                        i % 3 == 0 ? "Vendor A Model 1" : "Vendor B Model 2",
                    };
                    for (var p = 0; p < names.Length; p++)
                    {
                        command.Parameters[p].Value = values[p] ?? DBNull.Value;
                    }

                    await command.ExecuteNonQueryAsync();
                }

                await transaction.CommitAsync();
                // The seeding's write-ahead log is folded in now, not by the first page's audit write.
                command.Transaction = null;
                command.Parameters.Clear();
                command.CommandText = "pragma wal_checkpoint(truncate)";
                await command.ExecuteNonQueryAsync();
            }
        }
    }
}
