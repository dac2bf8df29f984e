using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Core.Series;

namespace CtBone.Service.Tests;

/// <summary>
/// <c>POST /api/analyses/{id}/review</c>: corrections re-screened from the stored measurements, the original kept, the
/// list following the correction, problems for what cannot be reviewed, and every change in the audit log.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ApiReviewTests(ApiReviewTests.Fixture fixture) : IClassFixture<ApiReviewTests.Fixture>
{
    [Fact]
    public async Task Review_WhenLabelsShiftUp_FindingsAreCorrectedTheOriginalKeptAndTheListFollows()
    {
        var id = await fixture.SeedAsync("REV-SHIFT", t12: 95, l1: 130, l2: 170);
        using var reviewer = fixture.Client(fixture.ReviewerKey);

        using var response = await reviewer.PostAsJsonAsync($"/api/analyses/{id}/review", new { shiftLabels = "up", note = "13 rib pairs" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var resource = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(resource.GetProperty("reviewed").GetBoolean());
        var corrected = resource.GetProperty("findings");
        Assert.Equal("normal", corrected.GetProperty("screening").GetProperty("category").GetString());
        Assert.Equal(170, corrected.GetProperty("screening").GetProperty("hu").GetDouble());
        Assert.Equal(["T11", "T12", "L1", "L2", "L3", "L4"], corrected.GetProperty("vertebrae").EnumerateArray().Select(v => v.GetProperty("level").GetString()));
        Assert.Equal("reviewer", corrected.GetProperty("labeling").GetProperty("method").GetString());
        Assert.Equal("osteopenia", resource.GetProperty("originalFindings").GetProperty("screening").GetProperty("category").GetString());
        var step = Assert.Single(resource.GetProperty("review").GetProperty("steps").EnumerateArray());
        Assert.Equal(ApiService.ReviewerName, step.GetProperty("by").GetString());
        Assert.Contains("Note: 13 rib pairs", step.GetProperty("changes").EnumerateArray().Select(c => c.GetString()));

        using var viewer = fixture.Client(fixture.ViewerKey);
        var item = Assert.Single((await viewer.GetFromJsonAsync<JsonElement>("/api/analyses?patient=REV-SHIFT")).GetProperty("items").EnumerateArray());
        Assert.Equal("normal", item.GetProperty("category").GetString());
        Assert.False(item.GetProperty("flagged").GetBoolean());
        Assert.True(item.GetProperty("reviewed").GetBoolean());
        Assert.Equal(170, item.GetProperty("screeningHu").GetDouble());

        // The FHIR export shows the corrected result, marked amended.
        var bundle = await viewer.GetFromJsonAsync<JsonElement>($"/api/analyses/{id}/fhir");
        var resources = bundle.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource")).ToList();
        Assert.Equal("amended", resources.Single(r => r.GetProperty("resourceType").GetString() == "DiagnosticReport").GetProperty("status").GetString());
        Assert.Contains(resources, r => r.GetProperty("resourceType").GetString() == "Observation"
            && r.TryGetProperty("valueCodeableConcept", out var value)
            && value.GetProperty("coding").EnumerateArray().Any(c => c.GetProperty("code").GetString() == "normal"));
    }

    [Fact]
    public async Task Review_InSteps_EachBuildsOnTheLastAndTheAuditLogSaysWhoChangedWhat()
    {
        var id = await fixture.SeedAsync("REV-STEPS", t12: 150, l1: 100, l2: 170);
        using var reviewer = fixture.Client(fixture.ReviewerKey);
        using var admin = fixture.Client(fixture.AdminKey);

        (await reviewer.PostAsJsonAsync($"/api/analyses/{id}/review", new { exclude = new[] { new { level = "L1", reason = "Schmorl node in the ROI" } } })).EnsureSuccessStatusCode();
        var excluded = await (await admin.PostAsJsonAsync($"/api/analyses/{id}/review", new { flag = "confirmed" })).Content.ReadFromJsonAsync<JsonElement>();
        using var included = await reviewer.PostAsJsonAsync($"/api/analyses/{id}/review", new { include = new[] { new { level = "L1", reason = "node is outside the ROI after all" } } });

        Assert.Equal("L2", excluded.GetProperty("findings").GetProperty("screening").GetProperty("levelUsed").GetString());
        Assert.Equal("confirmed", excluded.GetProperty("review").GetProperty("flag").GetString());
        var last = await included.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("L1", last.GetProperty("findings").GetProperty("screening").GetProperty("levelUsed").GetString());
        Assert.Equal("osteoporosis", last.GetProperty("findings").GetProperty("screening").GetProperty("category").GetString());
        Assert.Equal("confirmed", last.GetProperty("review").GetProperty("flag").GetString());
        Assert.Equal([ApiService.ReviewerName, "first admin", ApiService.ReviewerName], last.GetProperty("review").GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("by").GetString()));

        var audit = (await admin.GetFromJsonAsync<JsonElement>("/api/audit?resource=" + id)).EnumerateArray().Where(e => e.GetProperty("action").GetString() == "analysis.review").ToList();
        Assert.Equal(3, audit.Count);
        Assert.Contains(audit, e => e.GetProperty("role").GetString() == "reviewer" && e.GetProperty("detail").GetString()!.StartsWith("L1 excluded: Schmorl node in the ROI.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Review_WhenTheFlagIsRejected_TheAnalysisLeavesTheFlaggedList()
    {
        var id = await fixture.SeedAsync("REV-REJECT", t12: 100, l1: 100, l2: 100);
        using var reviewer = fixture.Client(fixture.ReviewerKey);
        using var viewer = fixture.Client(fixture.ViewerKey);
        Assert.Single((await viewer.GetFromJsonAsync<JsonElement>("/api/analyses?flagged=true&patient=REV-REJECT")).GetProperty("items").EnumerateArray());

        (await reviewer.PostAsJsonAsync($"/api/analyses/{id}/review", new { flag = "rejected", note = "streak artefact" })).EnsureSuccessStatusCode();

        Assert.Empty((await viewer.GetFromJsonAsync<JsonElement>("/api/analyses?flagged=true&patient=REV-REJECT")).GetProperty("items").EnumerateArray());
        var item = Assert.Single((await viewer.GetFromJsonAsync<JsonElement>("/api/analyses?patient=REV-REJECT")).GetProperty("items").EnumerateArray());
        Assert.Equal("osteoporosis", item.GetProperty("category").GetString());
    }

    [Theory]
    [InlineData("{\"exclude\": [{\"level\": \"L9\", \"reason\": \"x\"}]}", HttpStatusCode.BadRequest, "there is no level 'L9'")]
    [InlineData("{\"exclude\": [{\"level\": \"L2\", \"reason\": \"\"}]}", HttpStatusCode.BadRequest, "needs a reason")]
    [InlineData("{\"include\": [{\"level\": \"L2\", \"reason\": \"fine\"}]}", HttpStatusCode.BadRequest, "L2 is not excluded")]
    [InlineData("{}", HttpStatusCode.BadRequest, "the review changes nothing")]
    [InlineData("{\"shiftLabels\": \"sideways\"}", HttpStatusCode.BadRequest, null)]
    [InlineData("{\"flag\": \"maybe\"}", HttpStatusCode.BadRequest, null)]
    public async Task Review_WhenTheRequestCannotApply_ProblemAndNothingChanges(string body, HttpStatusCode status, string? detail)
    {
        using var reviewer = fixture.Client(fixture.ReviewerKey);

        using var response = await reviewer.PostAsync($"/api/analyses/{fixture.UntouchedId}/review", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await Problem.AssertAsync(response, status, detail);
        using var viewer = fixture.Client(fixture.ViewerKey);
        Assert.False((await viewer.GetFromJsonAsync<JsonElement>("/api/analyses/" + fixture.UntouchedId)).GetProperty("reviewed").GetBoolean());
    }

    [Fact]
    public async Task Review_WhenTheAnalysisIsQueuedOrUnknown_409Or404()
    {
        using var reviewer = fixture.Client(fixture.ReviewerKey);
        var queued = await StoreSeeding.QueueAsync(fixture.Service);

        using var notDone = await reviewer.PostAsJsonAsync($"/api/analyses/{queued}/review", new { flag = "confirmed" });
        using var unknown = await reviewer.PostAsJsonAsync("/api/analyses/nope/review", new { flag = "confirmed" });

        await Problem.AssertAsync(notDone, HttpStatusCode.Conflict, "only a completed analysis can be reviewed");
        await Problem.AssertAsync(unknown, HttpStatusCode.NotFound, "no analysis nope");
    }

    /// <summary>A service with a viewer, a reviewer and completed analyses made from level measurements.</summary>
    public sealed class Fixture : ApiService
    {
        internal string ReviewerKey { get; private set; } = string.Empty;

        internal string UntouchedId { get; private set; } = string.Empty;

        /// <summary>A completed analysis of T12 to L4 (L3 and L4 at 160 HU), screened by the default policy.</summary>
        internal async Task<string> SeedAsync(string patientId, double t12, double l1, double l2)
        {
            var levels = new (string Level, double Hu)[] { ("T12", t12), ("L1", l1), ("L2", l2), ("L3", 160), ("L4", 165), ("L5", 168) }
                .Select(l => new LevelFinding { Level = l.Level, MeanHu = l.Hu, SdHu = 10, CenterMm = [0, 0, 0], Confidence = 0.9 }).ToList();
            var acquisition = new AcquisitionSummary { KvP = 120, PatientAgeYears = 70, Manufacturer = "Vendor", ManufacturerModelName = "Model 1" };
            var findings = StoreSeeding.Completed(patientId, "REVIEW^" + patientId, "ACC-" + patientId, new DateOnly(2024, 5, 1), ScreeningCategory.Normal) with
            {
                Vertebrae = levels,
                Acquisition = acquisition,
                Screening = ScreeningPolicy.Default.Screen(levels, acquisition, null),
            };
            return await StoreSeeding.CompletedAsync(Service, IngestKey, findings);
        }

        protected override async Task SeedAsync()
        {
            ReviewerKey = await Service.CreateKeyAsync("reviewer", ReviewerName);
            UntouchedId = await SeedAsync("REV-UNTOUCHED", 150, 130, 140);
        }
    }
}
