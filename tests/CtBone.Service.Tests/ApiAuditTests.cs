using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CtBone.Core.Screening;

namespace CtBone.Service.Tests;

/// <summary>Reads of patient data leave an audit entry naming the key, its role, the action and the analysis; the entries hold no PHI.</summary>
[Trait("Category", "Integration")]
public sealed class ApiAuditTests(ApiAuditTests.Fixture fixture) : IClassFixture<ApiAuditTests.Fixture>
{
    private const string PatientId = "AUD-778899";
    private const string FamilyName = "AUDITINGTON";
    private const string Accession = "ACC-AUDIT-5";

    [Fact]
    public async Task ViewerReads_WhenAnalysisListAndKeyImageRead_EachAuditedWithKeyNameRoleActionAndAnalysis()
    {
        using var viewer = fixture.Client(fixture.ViewerKey);
        (await viewer.GetAsync("/api/analyses/" + fixture.AnalysisId)).EnsureSuccessStatusCode();
        (await viewer.GetAsync($"/api/analyses?patient={FamilyName.ToLowerInvariant()}&accession={Accession}&flagged=true")).EnsureSuccessStatusCode();
        (await viewer.GetAsync($"/api/analyses/{fixture.AnalysisId}/images/sagittal.png")).EnsureSuccessStatusCode();
        using var dicom = await viewer.GetAsync($"/api/analyses/{fixture.AnalysisId}/dicom/report-sr.dcm");

        var entries = await AuditAsync();

        var read = Assert.Single(entries, e => e.GetProperty("action").GetString() == "analysis.read");
        var image = Assert.Single(entries, e => e.GetProperty("action").GetString() == "key-image.read");
        var list = Assert.Single(entries, e => e.GetProperty("action").GetString() == "analyses.list");
        var download = Assert.Single(entries, e => e.GetProperty("action").GetString() == "dicom-object.read");
        Assert.Equal("report-sr.dcm", download.GetProperty("detail").GetString());
        Assert.Equal("application/dicom", dicom.Content.Headers.ContentType?.MediaType);
        Assert.Equal(StoreSeeding.Dicom, await dicom.Content.ReadAsByteArrayAsync());
        foreach (var entry in new[] { read, image, list, download })
        {
            Assert.Equal(ApiService.ViewerName, entry.GetProperty("actor").GetString());
            Assert.Equal("viewer", entry.GetProperty("role").GetString());
            Assert.Contains(fixture.AnalysisId, entry.GetRawText(), StringComparison.Ordinal);
        }

        Assert.Equal(fixture.AnalysisId, read.GetProperty("resource").GetString());
        Assert.Equal(fixture.AnalysisId, image.GetProperty("resource").GetString());
        Assert.Equal("sagittal.png", image.GetProperty("detail").GetString());
        Assert.Contains("patient", list.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditLog_AfterReadsBySearch_HoldsNoPatientNameIdOrAccession()
    {
        using var viewer = fixture.Client(fixture.ViewerKey);
        (await viewer.GetAsync($"/api/analyses?patient={FamilyName}")).EnsureSuccessStatusCode();
        (await viewer.GetAsync($"/api/analyses?patient={PatientId}")).EnsureSuccessStatusCode();
        (await viewer.GetAsync($"/api/analyses?accession={Accession}")).EnsureSuccessStatusCode();
        (await viewer.GetAsync($"/api/analyses?search={FamilyName}")).EnsureSuccessStatusCode();
        (await viewer.GetAsync($"/api/analyses?search={Accession}")).EnsureSuccessStatusCode();

        using var admin = fixture.Client(fixture.AdminKey);
        var log = await admin.GetStringAsync("/api/audit?limit=1000");

        Assert.Contains(fixture.AnalysisId, log, StringComparison.Ordinal);
        Assert.DoesNotContain(FamilyName, log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(PatientId, log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Accession, log, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task FindingsPost_ByIngest_IsNoPatientDataReadAndLeavesNoEntry()
    {
        var queued = await StoreSeeding.QueueAsync(fixture.Service);
        using var ingest = fixture.Client(fixture.IngestKey);

        using var posted = await StoreSeeding.PostFindingsAsync(ingest, queued, StoreSeeding.Json(StoreSeeding.Completed("AUD-2", "OTHER^PATIENT", "ACC-2", new DateOnly(2024, 2, 2), ScreeningCategory.Normal)));
        posted.EnsureSuccessStatusCode();

        using var admin = fixture.Client(fixture.AdminKey);
        var entries = (await admin.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000")).EnumerateArray().ToList();
        Assert.DoesNotContain(entries, e => e.GetProperty("actor").GetString() == ApiService.IngestName);
        Assert.DoesNotContain(entries, e => e.GetRawText().Contains(queued, StringComparison.Ordinal));
    }

    /// <summary>The admin's view of the entries about this test's analysis and the list reads, newest first.</summary>
    private async Task<List<JsonElement>> AuditAsync()
    {
        using var admin = fixture.Client(fixture.AdminKey);
        using var response = await admin.GetAsync("/api/audit?limit=1000");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var all = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        return [.. all.Where(e => e.GetProperty("actor").GetString() == ApiService.ViewerName && e.GetRawText().Contains(fixture.AnalysisId, StringComparison.Ordinal)
            && (e.GetProperty("action").GetString() != "analyses.list" || e.GetProperty("detail").GetString()!.Contains("flagged", StringComparison.Ordinal)))];
    }

    /// <summary>A service with one completed analysis of a named patient, with a key image.</summary>
    public sealed class Fixture : ApiService
    {
        internal string AnalysisId { get; private set; } = string.Empty;

        protected override async Task SeedAsync() =>
            AnalysisId = await StoreSeeding.CompletedAsync(Service, IngestKey, StoreSeeding.Completed(PatientId, FamilyName + "^ALICE", Accession, new DateOnly(2024, 3, 3), ScreeningCategory.Osteoporosis), withDicom: true);
    }
}
