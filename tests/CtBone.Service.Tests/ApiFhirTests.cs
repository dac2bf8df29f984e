using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Validation;
using Task = System.Threading.Tasks.Task;

namespace CtBone.Service.Tests;

/// <summary>
/// GET /api/analyses/{id}/fhir on the real service: a bundled study dropped in the inbox, analysed by the worker, read
/// back as FHIR by a viewer and parsed by Firely as a receiving system would; the read is audited.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ApiFhirTests(ApiFhirTests.Fixture fixture) : IClassFixture<ApiFhirTests.Fixture>
{
    [Fact]
    public async Task Fhir_WhenDroppedStudyCompleted_BundleParsesAndItsL2ObservationIsTheFindingsMeanHu()
    {
        using var viewer = fixture.Client(fixture.ViewerKey);

        using var response = await viewer.GetAsync($"/api/analyses/{fixture.DroppedId}/fhir");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "fhirVersion" && p.Value == "4.0");
        var bundle = new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Strict)).Deserialize<Bundle>(await response.Content.ReadAsStringAsync());
        Assert.Empty(bundle.Validate(ModelInfo.ModelInspector, NarrativeValidationKind.FhirXhtml, validator: null, validateRecursively: true));
        var l2Finding = fixture.Findings.GetProperty("vertebrae").EnumerateArray().Single(v => v.GetProperty("level").GetString() == "L2");
        var l2 = bundle.Entry.Select(e => e.Resource).OfType<Observation>().Single(o => o.BodySite?.Text == "L2");
        var value = Assert.IsType<Quantity>(l2.Value);
        Assert.Equal(l2Finding.GetProperty("meanHu").GetDecimal(), value.Value);
        Assert.Equal("[hnsf'U]", value.Code);
        var l1 = bundle.Entry.Select(e => e.Resource).OfType<Observation>().Single(o => o.BodySite?.Text == "L1");
        Assert.Null(l1.Value);
        Assert.Equal("not-performed", l1.DataAbsentReason?.Coding.Single().Code);
        var report = bundle.Entry.Select(e => e.Resource).OfType<DiagnosticReport>().Single();
        Assert.Equal(fixture.DroppedId, report.Identifier.Single().Value);
        Assert.Equal(DateTimeOffset.Parse(fixture.Result.GetProperty("finishedAt").GetString()!, CultureInfo.InvariantCulture), report.Issued);
        var study = bundle.Entry.Select(e => e.Resource).OfType<ImagingStudy>().Single();
        Assert.Contains(study.Identifier, i => i.Value == "urn:oid:" + fixture.Findings.GetProperty("studyInstanceUid").GetString());
    }

    [Fact]
    public async Task Fhir_WhenViewerReadsIt_AuditedWithKeyRoleActionAndAnalysis()
    {
        const string reader = "fhir reader";
        using var viewer = fixture.Client(await fixture.Service.CreateKeyAsync("viewer", reader));
        (await viewer.GetAsync($"/api/analyses/{fixture.DroppedId}/fhir")).EnsureSuccessStatusCode();

        using var admin = fixture.Client(fixture.AdminKey);
        var entries = (await admin.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000")).EnumerateArray().ToList();

        var entry = Assert.Single(entries, e => e.GetProperty("actor").GetString() == reader);
        Assert.Equal("fhir-report.read", entry.GetProperty("action").GetString());
        Assert.Equal("viewer", entry.GetProperty("role").GetString());
        Assert.Equal(fixture.DroppedId, entry.GetProperty("resource").GetString());
        Assert.DoesNotContain(fixture.Findings.GetProperty("study").GetProperty("patientId").GetString()!, entry.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fhir_WhenAnalysisIsUnknown_404Problem()
    {
        using var viewer = fixture.Client(fixture.ViewerKey);

        using var response = await viewer.GetAsync("/api/analyses/no-such-analysis/fhir");

        await Problem.AssertAsync(response, HttpStatusCode.NotFound, "no analysis no-such-analysis");
    }

    [Fact]
    public async Task Fhir_WhenAnalysisIsStillQueued_409ProblemSayingToFollowIt()
    {
        var queued = await StoreSeeding.QueueAsync(fixture.Service);
        using var viewer = fixture.Client(fixture.ViewerKey);

        using var response = await viewer.GetAsync($"/api/analyses/{queued}/fhir");

        await Problem.AssertAsync(response, HttpStatusCode.Conflict, $"is queued: its FHIR report exists once it has completed; follow GET /api/analyses/{queued}");
    }

    [Fact]
    public async Task Fhir_WhenAnalysisWasRejected_409ProblemAndNoAuditEntry()
    {
        var rejected = await StoreSeeding.QueueAsync(fixture.Service);
        using (var ingest = fixture.Client(fixture.IngestKey))
        {
            using var posted = await StoreSeeding.PostFindingsAsync(ingest, rejected, """{"status":"rejected","reason":"not a CT","algorithmVersion":"ctbone-spine 0.1.0"}""");
            posted.EnsureSuccessStatusCode();
        }

        using var viewer = fixture.Client(fixture.ViewerKey);
        using var response = await viewer.GetAsync($"/api/analyses/{rejected}/fhir");

        await Problem.AssertAsync(response, HttpStatusCode.Conflict, "is rejected: only a completed analysis has a FHIR report");
        using var admin = fixture.Client(fixture.AdminKey);
        Assert.DoesNotContain(rejected, await admin.GetStringAsync("/api/audit?limit=1000"), StringComparison.Ordinal);
    }

    /// <summary>A service that has analysed test-dicoms/fracture-l1 (L1 fractured and excluded, L2 measured) from its inbox.</summary>
    public sealed class Fixture : ApiService
    {
        internal string DroppedId { get; private set; } = string.Empty;

        internal JsonElement Result { get; private set; }

        internal JsonElement Findings => Result.GetProperty("findings");

        protected override async Task SeedAsync()
        {
            Service.Drop(ServiceProcess.TestDicoms("fracture-l1"), "fracture-l1");
            var item = Assert.Single(await Service.WaitForFinishedAsync(ViewerKey, 1, TimeSpan.FromSeconds(90)));
            DroppedId = item.GetProperty("id").GetString()!;
            Result = await Service.WaitForResultAsync(ViewerKey, item.GetProperty("href").GetString()!, TimeSpan.FromSeconds(90));
            Assert.Equal("completed", Result.GetProperty("state").GetString());
        }
    }
}
