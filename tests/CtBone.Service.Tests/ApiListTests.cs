using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;

namespace CtBone.Service.Tests;

/// <summary>
/// The analyses list through HTTP: each filter, paging and the order (newest first), over five analyses seeded through
/// the store (created a minute apart) and completed by findings posts: four patients, four categories, and one still queued.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ApiListTests(ApiListTests.Fixture fixture) : IClassFixture<ApiListTests.Fixture>
{
    [Theory]
    [InlineData("", "queued,roe,doeman,smith,doe")]
    [InlineData("flagged=true", "doeman,doe")]
    [InlineData("flagged=false", "queued,roe,smith")]
    [InlineData("category=osteopenia", "doeman")]
    [InlineData("category=OSTEOPOROSIS", "doe")]
    [InlineData("category=indeterminate", "roe")]
    [InlineData("state=queued", "queued")]
    [InlineData("state=completed", "roe,doeman,smith,doe")]
    [InlineData("from=2024-03-05", "roe,doeman,smith")]
    [InlineData("to=2024-03-05", "smith,doe")]
    [InlineData("from=2024-03-05&to=2024-06-20", "doeman,smith")]
    [InlineData("from=2024-03-06&to=2024-06-19", "")]
    [InlineData("patient=P-0002", "smith")]
    [InlineData("patient=P-000", "")]
    [InlineData("patient=p-0002", "")]
    [InlineData("patient=doe", "doeman,doe")]
    [InlineData("patient=DoE%5EJaNe", "doe")]
    [InlineData("patient=%20ann", "doeman")]
    [InlineData("patient=%25", "")]
    [InlineData("patient=_", "")]
    [InlineData("patient=D_E", "")]
    [InlineData("accession=ACC-3", "doeman")]
    [InlineData("accession=ACC-", "")]
    [InlineData("flagged=true&from=2024-02-01", "doeman")]
    [InlineData("flagged=true&patient=doe&category=osteoporosis", "doe")]
    [InlineData("severity=severe", "doe")]
    [InlineData("severity=SEVERE", "")]
    [InlineData("scanner=ACME%20Scan%2064", "doeman,doe")]
    [InlineData("scanner=ACME", "")]
    [InlineData("reviewed=true", "doeman")]
    [InlineData("reviewed=false", "queued,roe,smith,doe")]
    [InlineData("reviewed=false&flagged=true", "doe")]
    [InlineData("search=P-0002", "smith")]
    [InlineData("search=ACC-4", "roe")]
    [InlineData("search=doe", "doeman,doe")]
    [InlineData("search=ACC-", "")]
    [InlineData("search=%25", "")]
    public async Task List_WhenFiltered_ExactlyTheMatchingAnalysesNewestFirst(string query, string expected)
    {
        var page = await ListAsync(query);

        Assert.Equal(expected, string.Join(',', Names(page)));
        Assert.Equal(page.GetProperty("items").GetArrayLength(), page.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData(1, 2, "queued,roe")]
    [InlineData(2, 2, "doeman,smith")]
    [InlineData(3, 2, "doe")]
    [InlineData(4, 2, "")]
    [InlineData(1, 5, "queued,roe,doeman,smith,doe")]
    [InlineData(2, 4, "doe")]
    public async Task List_WhenPaged_TheSliceOfTheWholeOrderAndTheTotalOfAll(int number, int size, string expected)
    {
        var page = await ListAsync($"page={number}&pageSize={size}");

        Assert.Equal(expected, string.Join(',', Names(page)));
        Assert.Equal(5, page.GetProperty("total").GetInt32());
        Assert.Equal(number, page.GetProperty("page").GetInt32());
        Assert.Equal(size, page.GetProperty("pageSize").GetInt32());
    }

    [Fact]
    public async Task List_WhenFilteredAndPaged_TotalCountsTheFilteredRows()
    {
        var page = await ListAsync("flagged=true&pageSize=1&page=2");

        Assert.Equal("doe", string.Join(',', Names(page)));
        Assert.Equal(2, page.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task List_Items_CarryTheScreeningAtAGlanceAndAResourceLink()
    {
        var doe = (await ListAsync("accession=ACC-1")).GetProperty("items").EnumerateArray().Single();

        Assert.Equal("P-0001", doe.GetProperty("patientId").GetString());
        Assert.Equal("DOE^JANE", doe.GetProperty("patientName").GetString());
        Assert.Equal("2024-01-10", doe.GetProperty("studyDate").GetString());
        Assert.Equal("osteoporosis", doe.GetProperty("category").GetString());
        Assert.True(doe.GetProperty("flagged").GetBoolean());
        Assert.Equal("L1", doe.GetProperty("levelUsed").GetString());
        Assert.Equal("/api/analyses/" + fixture.Ids["doe"], doe.GetProperty("href").GetString());
    }

    private async Task<JsonElement> ListAsync(string query)
    {
        using var viewer = fixture.Client(fixture.ViewerKey);
        using var response = await viewer.GetAsync("/api/analyses?" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The seeded analyses a page shows, by their short names, in its order.</summary>
    private IEnumerable<string> Names(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => fixture.Ids.Single(p => p.Value == i.GetProperty("id").GetString()).Key);

    /// <summary>Five analyses, a minute apart from oldest (doe) to newest (queued).</summary>
    public sealed class Fixture : ApiService
    {
        internal Dictionary<string, string> Ids { get; } = [];

        protected override async Task SeedAsync()
        {
            var created = new DateTimeOffset(2025, 1, 1, 8, 0, 0, TimeSpan.Zero);
            var seeds = new (string Name, string PatientId, string PatientName, string Accession, DateOnly StudyDate, ScreeningCategory Category)[]
            {
                ("doe", "P-0001", "DOE^JANE", "ACC-1", new DateOnly(2024, 1, 10), ScreeningCategory.Osteoporosis),
                ("smith", "P-0002", "SMITH^JOHN", "ACC-2", new DateOnly(2024, 3, 5), ScreeningCategory.Normal),
                ("doeman", "P-0003", "DOEMAN^ANN", "ACC-3", new DateOnly(2024, 6, 20), ScreeningCategory.Osteopenia),
                ("roe", "P-0004", "ROE^RICK", "ACC-4", new DateOnly(2024, 9, 1), ScreeningCategory.Indeterminate),
            };
            var acme = new AcquisitionSummary { Manufacturer = "ACME", ManufacturerModelName = "Scan 64" };
            foreach (var (seed, i) in seeds.Select((s, i) => (s, i)))
            {
                var findings = StoreSeeding.Completed(seed.PatientId, seed.PatientName, seed.Accession, seed.StudyDate, seed.Category);
                findings = seed.Name switch
                {
                    "doe" => findings with { Screening = findings.Screening! with { Hu = 70, Severity = "severe" }, Acquisition = acme },
                    "doeman" => findings with { Acquisition = acme },
                    "smith" => findings with { Acquisition = new AcquisitionSummary { Manufacturer = "OTHER" } },
                    _ => findings,
                };
                Ids[seed.Name] = await StoreSeeding.CompletedAsync(Service, IngestKey, findings, created.AddMinutes(i));
            }

            Ids["queued"] = await StoreSeeding.QueueAsync(Service, created.AddMinutes(seeds.Length));
            using var admin = Client(AdminKey);
            (await admin.PostAsJsonAsync($"/api/analyses/{Ids["doeman"]}/review", new { flag = "confirmed" })).EnsureSuccessStatusCode();
        }
    }
}
