using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CtBone.TestSupport;

namespace CtBone.Service.Tests;

/// <summary>
/// The DICOM objects of a completed analysis on their way back to PACS: from a real Orthanc (in the private network
/// namespace of <c>.ci/test</c>) to CtBone and back by STOW-RS, then read from Orthanc with QIDO-RS and REST; and a
/// destination that does not answer, retried with its reason visible and finally recorded as failed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ResultDeliveryTests
{
    private const string ComprehensiveSr = "1.2.840.10008.5.1.4.1.1.88.33";
    private const string SecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Orthanc_WhenStudyAnalysedFromIt_SrAndOverviewAreStowedIntoTheSameStudyWithTheFindingsValues()
    {
        await using var orthanc = await OrthancServer.StartAsync();
        await using var service = await ServiceProcess.StartFollowingOrthancAsync(orthanc.BaseUri);
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        var truth = PipelineTests.Truth("standard");
        var studyUid = truth.GetProperty("studyInstanceUid").GetString()!;
        var sent = await orthanc.StoreWithStorescuAsync(RepositoryFolder.TestDicoms("standard"));

        var item = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_timeout));
        var href = item.GetProperty("href").GetString()!;
        var result = await WaitForDeliveryAsync(service, viewer, href, "sent");
        var delivery = result.GetProperty("delivery");
        Assert.Equal(new Uri(orthanc.BaseUri, "dicom-web/").ToString(), delivery.GetProperty("target").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        var findings = result.GetProperty("findings");

        using var http = OrthancServer.CreateHttpClient();
        var series = await http.GetFromJsonAsync<JsonElement>(new Uri(orthanc.DicomWebUri, $"studies/{studyUid}/series"));
        var modalities = series.EnumerateArray().Select(s => s.GetProperty("00080060").GetProperty("Value")[0].GetString()).ToList();
        Assert.Single(modalities, m => m == "SR");
        Assert.Single(modalities, m => m == "OT");
        Assert.Equal(truth.GetProperty("series").GetArrayLength() + 2, modalities.Count);
        var instances = await http.GetFromJsonAsync<JsonElement>(new Uri(orthanc.DicomWebUri, $"studies/{studyUid}/instances"));
        Assert.Equal(sent.FileCount + 2, instances.GetArrayLength());
        var classes = instances.EnumerateArray().Select(i => i.GetProperty("00080016").GetProperty("Value")[0].GetString()).ToList();
        Assert.Single(classes, c => c == ComprehensiveSr);
        Assert.Single(classes, c => c == SecondaryCapture);

        // The SR as Orthanc holds it: its content tree, read through Orthanc's own DICOM parser.
        var srUid = instances.EnumerateArray().Single(i => i.GetProperty("00080016").GetProperty("Value")[0].GetString() == ComprehensiveSr)
            .GetProperty("00080018").GetProperty("Value")[0].GetString()!;
        var srId = (await LookupAsync(http, orthanc, srUid)).Single();
        var tags = await http.GetFromJsonAsync<JsonElement>(new Uri(orthanc.BaseUri, $"instances/{srId}/tags?simplify"));
        Assert.Equal(studyUid, tags.GetProperty("StudyInstanceUID").GetString());
        Assert.Equal("PHANTOM^STANDARD", tags.GetProperty("PatientName").GetString());
        var groups = tags.GetProperty("ContentSequence").EnumerateArray().Single(c => Concept(c) == "126010").GetProperty("ContentSequence").EnumerateArray()
            .Where(g => Concept(g) == "125007").ToList();
        var measured = findings.GetProperty("vertebrae").EnumerateArray().Where(v => !v.GetProperty("excluded").GetBoolean() && v.TryGetProperty("roi", out _)).ToList();
        Assert.Equal(measured.Count, groups.Count);
        foreach (var (level, group) in measured.Zip(groups))
        {
            var content = group.GetProperty("ContentSequence").EnumerateArray().ToList();
            var mean = content.Single(c => c.GetProperty("ValueType").GetString() == "NUM"
                && c.GetProperty("ContentSequence").EnumerateArray().Any(m => Concept(m) == "121401" && m.GetProperty("ConceptCodeSequence")[0].GetProperty("CodeValue").GetString() == "373098007"));
            var numeric = mean.GetProperty("MeasuredValueSequence")[0];
            Assert.Equal(level.GetProperty("meanHu").GetDouble(), double.Parse(numeric.GetProperty("NumericValue").GetString()!, CultureInfo.InvariantCulture));
            Assert.Equal("[hnsf'U]", numeric.GetProperty("MeasurementUnitsCodeSequence")[0].GetProperty("CodeValue").GetString());

            // The image the ellipse is drawn on is in Orthanc: the CT slice, not a copy.
            var scoord = content.Single(c => c.GetProperty("ValueType").GetString() == "SCOORD");
            var reference = scoord.GetProperty("ContentSequence")[0].GetProperty("ReferencedSOPSequence")[0];
            var referencedUid = reference.GetProperty("ReferencedSOPInstanceUID").GetString()!;
            Assert.Equal(level.GetProperty("roi").GetProperty("midSliceSopInstanceUid").GetString(), referencedUid);
            Assert.Equal("1.2.840.10008.5.1.4.1.1.2", reference.GetProperty("ReferencedSOPClassUID").GetString());
            Assert.Single(await LookupAsync(http, orthanc, referencedUid));
        }

        // The overview came back as the same picture the API serves as sagittal.png, burned-in labels and all.
        var scUid = instances.EnumerateArray().Single(i => i.GetProperty("00080016").GetProperty("Value")[0].GetString() == SecondaryCapture)
            .GetProperty("00080018").GetProperty("Value")[0].GetString()!;
        var scTags = await http.GetFromJsonAsync<JsonElement>(new Uri(orthanc.BaseUri, $"instances/{(await LookupAsync(http, orthanc, scUid)).Single()}/tags?simplify"));
        Assert.Equal("YES", scTags.GetProperty("BurnedInAnnotation").GetString());
        Assert.Equal(studyUid, scTags.GetProperty("StudyInstanceUID").GetString());

        // The objects are also downloadable from CtBone, byte for byte what Orthanc was sent.
        using var client = service.Client(viewer);
        var links = result.GetProperty("dicomObjects").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Equal(2, links.Count);
        var report = await client.GetByteArrayAsync(links.Single(l => l.EndsWith("/report-sr.dcm", StringComparison.Ordinal)));
        var stored = await http.GetByteArrayAsync(new Uri(orthanc.BaseUri, $"instances/{srId}/file"));
        Assert.Equal(report.Length, stored.Length);
    }

    [Fact]
    public async Task Review_WhenAReviewerShiftsTheLabels_ARevisedSrVerifiedByThemWithTheCorrectedLabelsReachesOrthanc()
    {
        await using var orthanc = await OrthancServer.StartAsync();
        await using var service = await ServiceProcess.StartFollowingOrthancAsync(orthanc.BaseUri);
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        var reviewer = await service.CreateKeyAsync("reviewer", "dr reviewer");
        await orthanc.StoreWithStorescuAsync(RepositoryFolder.TestDicoms("standard"));
        var href = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_timeout)).GetProperty("href").GetString()!;
        var analysed = await WaitForDeliveryAsync(service, viewer, href, "sent");
        var studyUid = analysed.GetProperty("studyInstanceUid").GetString()!;
        var t12 = analysed.GetProperty("findings").GetProperty("vertebrae").EnumerateArray().Single(v => v.GetProperty("level").GetString() == "T12");

        using (var asReviewer = service.Client(reviewer))
        using (var reviewed = await asReviewer.PostAsJsonAsync(href + "/review", new { shiftLabels = "down" }))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, reviewed.StatusCode);
        }

        var revised = (await WaitForDeliveryAsync(service, viewer, href, "sent", revision: 1)).GetProperty("deliveries")[1];
        Assert.Equal(1, revised.GetProperty("revision").GetInt32());
        Assert.Equal(new Uri(orthanc.BaseUri, "dicom-web/").ToString(), revised.GetProperty("target").GetString());

        using var http = OrthancServer.CreateHttpClient();
        var reports = (await http.GetFromJsonAsync<JsonElement>(new Uri(orthanc.DicomWebUri, $"studies/{studyUid}/instances?SOPClassUID={ComprehensiveSr}"))).EnumerateArray()
            .Select(i => i.GetProperty("00080018").GetProperty("Value")[0].GetString()!).ToList();
        Assert.Equal(2, reports.Count);
        var tags = new Dictionary<string, JsonElement>();
        foreach (var uid in reports)
        {
            tags[uid] = await http.GetFromJsonAsync<JsonElement>(new Uri(orthanc.BaseUri, $"instances/{(await LookupAsync(http, orthanc, uid)).Single()}/tags?simplify"));
        }

        var (originalUid, original) = tags.Single(t => t.Value.GetProperty("VerificationFlag").GetString() == "UNVERIFIED");
        var report = tags.Single(t => t.Value.GetProperty("VerificationFlag").GetString() == "VERIFIED").Value;
        Assert.Equal("dr reviewer^", report.GetProperty("VerifyingObserverSequence")[0].GetProperty("VerifyingObserverName").GetString());
        Assert.Equal(originalUid, report.GetProperty("PredecessorDocumentsSequence")[0].GetProperty("ReferencedSeriesSequence")[0]
            .GetProperty("ReferencedSOPSequence")[0].GetProperty("ReferencedSOPInstanceUID").GetString());
        Assert.Equal(studyUid, report.GetProperty("StudyInstanceUID").GetString());

        // What the analysis called T12 is L1 in the revised report: the L1 group holds the T12 ROI's mean HU.
        static JsonElement Group(JsonElement sr, string trackingIdentifier) => sr.GetProperty("ContentSequence").EnumerateArray().Single(c => Concept(c) == "126010")
            .GetProperty("ContentSequence").EnumerateArray().Single(g => Concept(g) == "125007" && g.GetProperty("ContentSequence").EnumerateArray()
                .Any(c => Concept(c) == "112039" && c.GetProperty("TextValue").GetString() == trackingIdentifier));
        static double MeanHu(JsonElement group) => double.Parse(group.GetProperty("ContentSequence").EnumerateArray()
            .First(c => c.GetProperty("ValueType").GetString() == "NUM").GetProperty("MeasuredValueSequence")[0].GetProperty("NumericValue").GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal(t12.GetProperty("meanHu").GetDouble(), MeanHu(Group(report, "L1 trabecular ROI")));
        Assert.Equal(t12.GetProperty("meanHu").GetDouble(), MeanHu(Group(original, "T12 trabecular ROI")));

        // The revised overview went along: a second Secondary Capture in the study, and both revised objects are downloadable.
        var captures = await http.GetFromJsonAsync<JsonElement>(new Uri(orthanc.DicomWebUri, $"studies/{studyUid}/instances?SOPClassUID={SecondaryCapture}"));
        Assert.Equal(2, captures.GetArrayLength());
        var links = (await service.Client(viewer).GetFromJsonAsync<JsonElement>(href)).GetProperty("dicomObjects").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Contains(links, l => l.EndsWith("/report-sr-r1.dcm", StringComparison.Ordinal));
        Assert.Contains(links, l => l.EndsWith("/overview-sc-r1.dcm", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StowUrl_WhenTheDestinationDoesNotAnswer_RetriedWithTheReasonShownThenFailed()
    {
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            // Nothing listens on port 9 (discard).
            ["CtBone__Delivery__StowUrl"] = "http://127.0.0.1:9/dicom-web/",
            ["CtBone__Delivery__MaxAttempts"] = "3",
            // Configuration binds arrays by index over the defaults: both waits used by three attempts are set.
            ["CtBone__Delivery__RetryDelaysSeconds__0"] = "1",
            ["CtBone__Delivery__RetryDelaysSeconds__1"] = "1",
        });
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        service.Drop(ServiceProcess.TestDicoms("osteoporotic"), "to-deliver");
        var item = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_timeout));
        var href = item.GetProperty("href").GetString()!;

        var retrying = await WaitForDeliveryAsync(service, viewer, href, "pending", d => d.GetProperty("attempts").GetInt32() >= 1);
        var failed = await WaitForDeliveryAsync(service, viewer, href, "failed");

        var pending = retrying.GetProperty("delivery");
        Assert.StartsWith("attempt ", pending.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:9", pending.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var delivery = failed.GetProperty("delivery");
        Assert.Equal(3, delivery.GetProperty("attempts").GetInt32());
        Assert.StartsWith("gave up after 3 attempts: ", delivery.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("http://127.0.0.1:9/dicom-web/", delivery.GetProperty("target").GetString());
        Assert.Equal("completed", failed.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Retry_WhenTheFailedDestinationWorksAgain_ResentAndStoredInOrthanc()
    {
        await using var orthanc = await OrthancServer.StartAsync();
        // Nothing listens on port 9 (discard); one attempt, so the delivery fails at once.
        var service = ServiceProcess.Create(new Dictionary<string, string>
        {
            ["CtBone__Delivery__StowUrl"] = "http://127.0.0.1:9/dicom-web/",
            ["CtBone__Delivery__MaxAttempts"] = "1",
        });
        await using (service)
        {
            await service.RestartAsync();
            var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
            var reviewer = await service.CreateKeyAsync("reviewer", "dr reviewer");
            service.Drop(ServiceProcess.TestDicoms("osteoporotic"), "to-resend");
            var href = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_timeout)).GetProperty("href").GetString()!;
            var failed = await WaitForDeliveryAsync(service, viewer, href, "failed");
            Assert.Contains("127.0.0.1:9", failed.GetProperty("delivery").GetProperty("reason").GetString(), StringComparison.Ordinal);
            var studyUid = failed.GetProperty("studyInstanceUid").GetString()!;

            // The destination is repaired: the same kind ("configured") now points at a real Orthanc. A failed
            // delivery stays failed across the restart; only a resend sends it again.
            await service.KillAsync();
            service.SetEnvironment("CtBone__Delivery__StowUrl", orthanc.DicomWebUri.ToString());
            await service.RestartAsync();
            Assert.Equal("failed", (await WaitForDeliveryAsync(service, viewer, href, "failed")).GetProperty("delivery").GetProperty("state").GetString());

            using var asReviewer = service.Client(reviewer);
            using var resent = await asReviewer.PostAsync(href + "/delivery/retry", null);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, resent.StatusCode);
            var queued = Assert.Single((await resent.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
            Assert.Equal(0, queued.GetProperty("attempts").GetInt32());
            var sent = (await WaitForDeliveryAsync(service, viewer, href, "sent")).GetProperty("delivery");
            Assert.Equal(1, sent.GetProperty("attempts").GetInt32());
            Assert.Equal(orthanc.DicomWebUri.ToString(), sent.GetProperty("target").GetString());

            using var http = OrthancServer.CreateHttpClient();
            var instances = await http.GetFromJsonAsync<JsonElement>(new Uri(orthanc.DicomWebUri, $"studies/{studyUid}/instances"));
            var classes = instances.EnumerateArray().Select(i => i.GetProperty("00080016").GetProperty("Value")[0].GetString()).ToList();
            Assert.Equal(new[] { ComprehensiveSr, SecondaryCapture }.Order(StringComparer.Ordinal), classes.Order(StringComparer.Ordinal));

            // Sent is final: a second resend has nothing to do, and an unknown analysis is not found.
            using var again = await asReviewer.PostAsync(href + "/delivery/retry", null);
            await Problem.AssertAsync(again, System.Net.HttpStatusCode.Conflict, "nothing to resend");
            using var unknown = await asReviewer.PostAsync("/api/analyses/no-such-analysis/delivery/retry", null);
            await Problem.AssertAsync(unknown, System.Net.HttpStatusCode.NotFound, "no analysis");

            using var admin = service.Client(service.AdminKey);
            var audit = (await admin.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000")).EnumerateArray()
                .Where(e => e.GetProperty("action").GetString() == "delivery.retry").ToList();
            var entry = Assert.Single(audit);
            Assert.Equal("dr reviewer", entry.GetProperty("actor").GetString());
            Assert.Contains("127.0.0.1:9", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Inbox_WhenNoDestinationIsConfigured_NothingIsSentAndTheDeliverySaysWhy()
    {
        await using var service = await ServiceProcess.StartAsync();
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        service.Drop(ServiceProcess.TestDicoms("osteoporotic"), "kept-here");
        var item = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_timeout));

        var result = await WaitForDeliveryAsync(service, viewer, item.GetProperty("href").GetString()!, "none");

        Assert.Contains("no STOW-RS destination is configured", result.GetProperty("delivery").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, result.GetProperty("delivery").GetProperty("attempts").GetInt32());
        Assert.Equal(2, result.GetProperty("dicomObjects").GetArrayLength());
    }

    [Fact]
    public async Task Review_WhenARevisionCannotBeWritten_ItsDeliverySaysWhyAndTheNextNamesTheLastWrittenAsPredecessor()
    {
        await using var service = await ServiceProcess.StartAsync();
        var viewer = await service.CreateKeyAsync("viewer", "dr viewer");
        var reviewer = await service.CreateKeyAsync("reviewer", "dr reviewer");
        service.Drop(ServiceProcess.TestDicoms("osteoporotic"), "unrevisable");
        var href = Assert.Single(await service.WaitForFinishedAsync(viewer, 1, s_timeout)).GetProperty("href").GetString()!;
        await WaitForDeliveryAsync(service, viewer, href, "none");
        using var asReviewer = service.Client(reviewer);
        using var asViewer = service.Client(viewer);
        async Task<string> ReviewAsync(object step, int revision)
        {
            (await asReviewer.PostAsJsonAsync(href + "/review", step)).EnsureSuccessStatusCode();
            return (await WaitForDeliveryAsync(service, viewer, href, "none", revision: revision)).GetProperty("deliveries")[revision].GetProperty("reason").GetString()!;
        }

        // What the revision's overview is drawn on is missing, so ctbone revise fails.
        const string Reformat = "update revision_sources set name = $to where name = $from";
        Assert.Equal(1, await StoreSeeding.ExecuteAsync(service, Reformat, ("$from", "overview-reformat.png"), ("$to", "kept.png")));
        var failed = await ReviewAsync(new { shiftLabels = "down" }, 1);
        Assert.StartsWith("not written: ctbone revise ended with", failed, StringComparison.Ordinal);
        Assert.EndsWith("PACS keeps the objects sent before", failed, StringComparison.Ordinal);

        // Once it can be written again, the next revision replaces the analysis' own report: revision 1 never existed.
        Assert.Equal(1, await StoreSeeding.ExecuteAsync(service, Reformat, ("$from", "kept.png"), ("$to", "overview-reformat.png")));
        Assert.Contains("no STOW-RS destination is configured", await ReviewAsync(new { flag = "confirmed" }, 2), StringComparison.Ordinal);
        var links = (await asViewer.GetFromJsonAsync<JsonElement>(href)).GetProperty("dicomObjects").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.DoesNotContain(links, l => l.EndsWith("/report-sr-r1.dcm", StringComparison.Ordinal));
        using var folder = new TempFolder();
        async Task<string> DownloadAsync(string name)
        {
            var path = Path.Combine(folder.Path, name);
            await File.WriteAllBytesAsync(path, await asViewer.GetByteArrayAsync(links.Single(l => l.EndsWith("/" + name, StringComparison.Ordinal))));
            return path;
        }

        var own = Dcmdump.Value(await DownloadAsync("report-sr.dcm"), "0008,0018");
        Assert.Equal(own, Dcmdump.ValueWithin(await DownloadAsync("report-sr-r2.dcm"), "0040,a360", "0008,1155"));

        // An analysis stored before revisions existed has nothing to write one from.
        Assert.True(await StoreSeeding.ExecuteAsync(service, "delete from revision_sources") > 1);
        Assert.Contains("stored without what a revision is written from", await ReviewAsync(new { flag = "confirmed" }, 3), StringComparison.Ordinal);

        var page = await asViewer.GetStringAsync("/studies/" + href.Split('/')[^1]);
        Assert.Contains("Reviewed SR and overview, revision 1", page, StringComparison.Ordinal);
        Assert.Contains("not written: ctbone revise ended with", page, StringComparison.Ordinal);
    }

    /// <summary>Polls an analysis until the delivery of <paramref name="revision"/> (0: its own objects) is in <paramref name="state"/>; returns the analysis.</summary>
    private static async Task<JsonElement> WaitForDeliveryAsync(ServiceProcess service, string key, string href, string state, Func<JsonElement, bool>? also = null, int revision = 0)
    {
        using var client = service.Client(key);
        var clock = Stopwatch.StartNew();
        var last = default(JsonElement);
        while (clock.Elapsed < s_timeout)
        {
            last = await client.GetFromJsonAsync<JsonElement>(href);
            if (last.GetProperty("deliveries").EnumerateArray().FirstOrDefault(d => d.GetProperty("revision").GetInt32() == revision) is { ValueKind: JsonValueKind.Object } delivery
                && delivery.GetProperty("state").GetString() == state && (also?.Invoke(delivery) ?? true))
            {
                return last;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the delivery of revision {revision} did not become {state}: {last}\n{service.Log}");
    }

    private static async Task<List<string>> LookupAsync(HttpClient http, OrthancServer orthanc, string uid)
    {
        using var response = await http.PostAsync(new Uri(orthanc.BaseUri, "tools/lookup"), new StringContent(uid));
        response.EnsureSuccessStatusCode();
        var found = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. found.EnumerateArray().Where(f => f.GetProperty("Type").GetString() == "Instance").Select(f => f.GetProperty("ID").GetString()!)];
    }

    private static string? Concept(JsonElement item) =>
        item.TryGetProperty("ConceptNameCodeSequence", out var name) ? name[0].GetProperty("CodeValue").GetString() : null;
}
