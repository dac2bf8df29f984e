using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CtBone.Core;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Store;
using CtBone.Worker;
using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Net.Http.Headers;

namespace CtBone.Api;

/// <summary>The analyses resource: queue a study, follow it, list and read results, and (workers) hand findings in.</summary>
public static partial class AnalysisEndpoints
{
    /// <summary>An upload may hold a whole thin-slice study; larger requests are refused before they are read.</summary>
    public const long MaxUploadBytes = 4L << 30;

    private const long MaxImageBytes = 16 << 20;
    private const int MaxImages = 64;

    private static readonly string[] s_listParameters = ["flagged", "category", "severity", "state", "from", "to", "patient", "accession", "search", "scanner", "reviewed", "all", "page", "pageSize"];

    /// <summary>The list's parameters whose values identify a patient: the audit log says they were used, not what they were.</summary>
    private static readonly string[] s_identifyingParameters = ["patient", "accession", "search"];

    public static IEndpointRouteBuilder MapAnalyses(this IEndpointRouteBuilder routes)
    {
        var analyses = routes.MapGroup("/api/analyses").WithTags("analyses");
        analyses.MapPost("/", SubmitAsync).RequireAuthorization(Policies.Ingest)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxUploadBytes))
            .WithSummary("Queue a study: JSON {studyInstanceUid, source} for a configured PACS, or the study itself as multipart/related application/dicom (STOW-RS style) or multipart/form-data files.");
        analyses.MapGet("/", ListAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("List analyses, newest first: flagged, category, severity, state, from/to (study date), patient (ID or part of the name), accession, search (patient ID, accession, or part of the name), scanner, reviewed, all, page, pageSize.");
        analyses.MapGet("/{id}", GetAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("One analysis: 202 while it is queued or running, 200 with the findings or the reason once it is done.");
        analyses.MapGet("/{id}/images/{name}", ImageAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("A key image (PNG): an axial image per level, and the sagittal overview.");
        analyses.MapGet("/{id}/dicom/{name}", DicomObjectAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("A DICOM object made for PACS (application/dicom): report-sr.dcm (TID 1500 SR) and overview-sc.dcm (Secondary Capture).");
        analyses.MapPost("/{id}/findings", RecordFindingsAsync).RequireAuthorization(Policies.Ingest)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxImages * MaxImageBytes))
            .WithSummary("Workers hand in an analysis' findings (multipart: 'findings' JSON, 'instanceCount', 'images' PNG files, 'dicom' DICOM files for PACS). Repeating it changes nothing.");
        return routes;
    }

    private static async Task<IResult> SubmitAsync(HttpContext context, StudyIntake intake, HeldStudies held, IConfiguration configuration)
    {
        var contentType = context.Request.ContentType ?? string.Empty;
        if (contentType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            return await UploadAsync(context, held).ConfigureAwait(false);
        }

        StudyRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<StudyRequest>(CtBoneJson.Options, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return Problems.BadRequest("the body must be JSON {\"studyInstanceUid\": ..., \"source\": \"orthanc\"|\"dicomweb\"}, or a multipart upload of DICOM files");
        }

        if (request?.StudyInstanceUid is not { } uid || !UidPattern().IsMatch(uid))
        {
            return Problems.BadRequest("studyInstanceUid must be a DICOM UID: digits and dots, at most 64 characters");
        }

        if (request.Source is not (StudySources.Orthanc or StudySources.DicomWeb) || request.Source is not { } source)
        {
            return Problems.BadRequest($"source must be '{StudySources.Orthanc}' or '{StudySources.DicomWeb}'");
        }

        var section = source == StudySources.Orthanc ? "CtBone:Orthanc:Url" : "CtBone:DicomWeb:Url";
        if (string.IsNullOrWhiteSpace(configuration[section]))
        {
            return Problems.BadRequest($"source '{source}' is not configured here ({section} is empty)");
        }

        var (record, created) = await intake.SubmitAsync(source, uid, uid, uid, null, null, context.RequestAborted).ConfigureAwait(false);
        return Accepted(record, created);
    }

    private static async Task<IResult> UploadAsync(HttpContext context, HeldStudies held)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(context.Request.ContentType).Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return Problems.BadRequest("the multipart body names no boundary");
        }

        var folder = held.NewIncomingFolder();
        var count = 0;
        try
        {
            var reader = new MultipartReader(boundary, context.Request.Body) { BodyLengthLimit = null, HeadersLengthLimit = 16 * 1024 };
            while (await reader.ReadNextSectionAsync(context.RequestAborted).ConfigureAwait(false) is { } section)
            {
                var path = Path.Combine(folder, count.ToString("D6", CultureInfo.InvariantCulture) + ".dcm");
                var file = File.Create(path);
                await using (file.ConfigureAwait(false))
                {
                    await section.Body.CopyToAsync(file, context.RequestAborted).ConfigureAwait(false);
                }

                count++;
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            Directory.Delete(folder, recursive: true);
            return Problems.BadRequest("the multipart body could not be read: " + e.Message);
        }

        if (count == 0)
        {
            Directory.Delete(folder, recursive: true);
            return Problems.BadRequest("the upload holds no files");
        }

        var (record, created) = await held.AdmitAsync(folder, "upload", context.RequestAborted).ConfigureAwait(false);
        return Accepted(record, created);
    }

    private static IResult Accepted(AnalysisRecord record, bool created)
    {
        var href = "/api/analyses/" + record.Id;
        return Results.Accepted(href, new AnalysisAccepted(record.Id, AnalysisStore.Text(record.State), created, href));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, AnalysisStore store, ResultDeliveries deliveries, AuditTrail audit)
    {
        var record = await store.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (record is null)
        {
            return Problems.NotFound($"no analysis {id}");
        }

        await audit.RecordAsync(context, "analysis.read", id).ConfigureAwait(false);
        var images = await store.KeyImageNamesAsync(id, context.RequestAborted).ConfigureAwait(false);
        var all = await deliveries.AllAsync(id, context.RequestAborted).ConfigureAwait(false);
        var resource = AnalysisResource.From(record, images) with
        {
            DicomObjects = [.. (await deliveries.ObjectNamesAsync(id, context.RequestAborted).ConfigureAwait(false)).Select(name => $"/api/analyses/{id}/dicom/{name}")],
            Delivery = DeliveryResource.From(all.FirstOrDefault(d => d.Revision == 0)),
            Deliveries = [.. all.Select(d => DeliveryResource.From(d)!)],
        };
        if (!record.IsFinal)
        {
            context.Response.Headers.RetryAfter = "2";
            return Results.Json(resource, CtBoneJson.Options, statusCode: StatusCodes.Status202Accepted);
        }

        return Results.Json(resource, CtBoneJson.Options);
    }

    private static async Task<IResult> ListAsync(HttpContext context, AnalysisStore store, AuditTrail audit)
    {
        var q = context.Request.Query;
        var problems = new List<string>();
        var query = new AnalysisQuery
        {
            Flagged = Parse<bool>(q["flagged"], bool.TryParse, "flagged", problems, "true or false"),
            Category = Named<ScreeningCategory>(q["category"], "category", problems),
            State = Named<AnalysisState>(q["state"], "state", problems),
            From = Parse<DateOnly>(q["from"], TryDate, "from", problems, "a study date, yyyy-MM-dd"),
            To = Parse<DateOnly>(q["to"], TryDate, "to", problems, "a study date, yyyy-MM-dd"),
            Patient = q["patient"].ToString() is { Length: > 0 } p ? p : null,
            Accession = q["accession"].ToString() is { Length: > 0 } a ? a : null,
            Severity = q["severity"].ToString() is { Length: > 0 } severity ? severity : null,
            Scanner = q["scanner"].ToString() is { Length: > 0 } scanner ? scanner : null,
            Reviewed = Parse<bool>(q["reviewed"], bool.TryParse, "reviewed", problems, "true or false"),
            Search = q["search"].ToString() is { Length: > 0 } search ? search : null,
            CurrentOnly = Parse<bool>(q["all"], bool.TryParse, "all", problems, "true or false") != true,
            Page = Parse<int>(q["page"], int.TryParse, "page", problems, "a whole number") ?? 1,
            PageSize = Parse<int>(q["pageSize"], int.TryParse, "pageSize", problems, "a whole number") ?? 50,
        };
        if (query.Page < 1 || query.PageSize < 1 || query.PageSize > AnalysisStore.MaxPageSize)
        {
            problems.Add($"page must be 1 or more and pageSize 1 to {AnalysisStore.MaxPageSize}");
        }

        if (problems.Count > 0)
        {
            return Problems.BadRequest(string.Join("; ", problems));
        }

        var page = await store.ListAsync(query, context.RequestAborted).ConfigureAwait(false);
        var shown = string.Join(',', page.Items.Select(i => i.Id));
        await audit.RecordAsync(context, "analyses.list", "analyses", $"filters: {AuditedFilters(q)}; {page.Items.Count} of {page.Total}: {shown}").ConfigureAwait(false);
        return Results.Json(new AnalysisList([.. page.Items.Select(AnalysisListItem.From)], page.Total, page.Page, page.PageSize), CtBoneJson.Options);
    }

    private static async Task<IResult> ImageAsync(string id, string name, HttpContext context, AnalysisStore store, AuditTrail audit)
    {
        var png = await store.KeyImageAsync(id, name, context.RequestAborted).ConfigureAwait(false);
        if (png is null)
        {
            return Problems.NotFound($"analysis {id} has no key image {name}");
        }

        await audit.RecordAsync(context, "key-image.read", id, name).ConfigureAwait(false);
        return Results.File(png, "image/png");
    }

    private static async Task<IResult> DicomObjectAsync(string id, string name, HttpContext context, ResultDeliveries deliveries, AuditTrail audit)
    {
        var content = await deliveries.ObjectAsync(id, name, context.RequestAborted).ConfigureAwait(false);
        if (content is null)
        {
            return Problems.NotFound($"analysis {id} has no DICOM object {name}");
        }

        await audit.RecordAsync(context, "dicom-object.read", id, name).ConfigureAwait(false);
        return Results.File(content, "application/dicom", name);
    }

    private static async Task<IResult> RecordFindingsAsync(
        string id, HttpContext context, AnalysisStore store, HeldStudies held, DeliveryDestinations destinations, IBackgroundJobClient jobs)
    {
        if (!context.Request.HasFormContentType)
        {
            return Problems.BadRequest("findings come as multipart/form-data: 'findings' (JSON), 'instanceCount', 'images' (PNG files)");
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = MaxImages * MaxImageBytes }, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return Problems.BadRequest("the form could not be read: " + e.Message);
        }

        Findings? findings;
        var json = form[FindingsPoster.FindingsPart].ToString();
        try
        {
            findings = json.Length == 0 ? null : JsonSerializer.Deserialize<Findings>(json, CtBoneJson.Options);
        }
        catch (JsonException e)
        {
            // The serializer's message names .NET types; the JSON path is what the sender can act on.
            return Problems.BadRequest($"findings is not a findings document (JSON with status 'completed', 'rejected' or 'failed' and algorithmVersion); the problem is at {e.Path ?? "$"}");
        }

        if (findings is null || string.IsNullOrWhiteSpace(findings.AlgorithmVersion) || !Enum.IsDefined(findings.Status))
        {
            return Problems.BadRequest("findings must be a findings document with status and algorithmVersion");
        }

        int? instanceCount = null;
        if (form[FindingsPoster.InstanceCountPart].ToString() is { Length: > 0 } text)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return Problems.BadRequest("instanceCount must be a whole number");
            }

            instanceCount = n;
        }

        if (form.Files.Count > MaxImages)
        {
            return Problems.BadRequest($"at most {MaxImages} key images");
        }

        var images = new List<KeyImage>();
        foreach (var file in form.Files.Where(f => f.Name is not (FindingsPoster.DicomPart or FindingsPoster.RevisionSourcePart)))
        {
            if (!ImageNamePattern().IsMatch(file.FileName) || file.Length > MaxImageBytes)
            {
                return Problems.BadRequest($"key image '{file.FileName}' must be a .png named with letters, digits, '-', '_' or '.', under {MaxImageBytes >> 20} MB");
            }

            var png = await BytesAsync(file, context.RequestAborted).ConfigureAwait(false);
            if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(PngSignature))
            {
                return Problems.BadRequest($"key image '{file.FileName}' is not a PNG");
            }

            images.Add(new KeyImage(file.FileName, png));
        }

        var objects = new List<ResultObject>();
        foreach (var file in form.Files.GetFiles(FindingsPoster.DicomPart))
        {
            if (!DicomNamePattern().IsMatch(file.FileName) || file.Length > MaxImageBytes * 4)
            {
                return Problems.BadRequest($"DICOM object '{file.FileName}' must be a .dcm named with letters, digits, '-', '_' or '.', under {(MaxImageBytes * 4) >> 20} MB");
            }

            var dicom = await BytesAsync(file, context.RequestAborted).ConfigureAwait(false);
            if (dicom.Length < 132 || !dicom.AsSpan(128, 4).SequenceEqual("DICM"u8))
            {
                return Problems.BadRequest($"DICOM object '{file.FileName}' is not a DICOM Part 10 file");
            }

            objects.Add(new ResultObject(file.FileName, dicom));
        }

        var revisionSources = new List<ResultObject>();
        foreach (var file in form.Files.GetFiles(FindingsPoster.RevisionSourcePart))
        {
            if (!SourceNamePattern().IsMatch(file.FileName) || file.Length > MaxImageBytes * 4)
            {
                return Problems.BadRequest($"revision source '{file.FileName}' must be named with letters, digits, '-', '_' or '.', under {(MaxImageBytes * 4) >> 20} MB");
            }

            revisionSources.Add(new ResultObject(file.FileName, await BytesAsync(file, context.RequestAborted).ConfigureAwait(false)));
        }

        var analysis = await store.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        var target = objects.Count > 0 && analysis is not null ? destinations.For(analysis.SourceKind) : null;
        OutcomeRecorded recorded;
        try
        {
            recorded = await store.RecordOutcomeAsync(
                id, findings, JsonSerializer.Serialize(findings, CtBoneJson.Options), images, instanceCount, new PacsResults(objects, target, revisionSources), context.RequestAborted).ConfigureAwait(false);
        }
        catch (KeyNotFoundException)
        {
            // Looked up inside the store's transaction: no window in which a row deleted after a check becomes a 500.
            return Problems.NotFound($"no analysis {id}");
        }

        if (!recorded.WasAlreadyFinal)
        {
            held.Archive(recorded.Record);
            if (recorded.Record.State == AnalysisState.Completed && objects.Count > 0 && target?.Kind != DeliveryDestinations.Nowhere)
            {
                // The delivery row was written with the outcome; a crash before this line is caught up at the next start.
                ResultDeliveryJob.Enqueue(jobs, id);
            }
        }

        return Results.Json(new { id, state = AnalysisStore.Text(recorded.Record.State), recorded.WasAlreadyFinal, recorded.Record.IsCurrent }, CtBoneJson.Options);
    }

    /// <summary>
    /// The list's filters as the audit log keeps them: which were used, with the values of those that identify a patient
    /// (patient, accession, search) left out; the ids shown say whose data was read. Unknown parameters are not repeated.
    /// </summary>
    private static string AuditedFilters(IQueryCollection query) => string.Join('&', query.Keys
        .Where(key => s_listParameters.Contains(key, StringComparer.OrdinalIgnoreCase))
        .Order(StringComparer.OrdinalIgnoreCase)
        .Select(key => s_identifyingParameters.Contains(key, StringComparer.OrdinalIgnoreCase) ? key + "=*" : $"{key}={query[key]}"));

    private static async Task<byte[]> BytesAsync(IFormFile file, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private delegate bool TryParser<T>(string? text, out T value);

    private static T? Parse<T>(Microsoft.Extensions.Primitives.StringValues values, TryParser<T> parse, string name, List<string> problems, string expected)
        where T : struct
    {
        if (values.Count == 0 || values.ToString().Length == 0)
        {
            return null;
        }

        if (parse(values.ToString(), out var value))
        {
            return value;
        }

        problems.Add($"{name} '{values}' cannot be read: use {expected}");
        return null;
    }

    /// <summary>An enum value by its name only: <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/> would also take "7", a value no row has.</summary>
    private static T? Named<T>(Microsoft.Extensions.Primitives.StringValues values, string name, List<string> problems)
        where T : struct, Enum
    {
        if (values.Count == 0)
        {
            return null;
        }

        if (Enum.GetNames<T>().FirstOrDefault(n => n.Equals(values.ToString(), StringComparison.OrdinalIgnoreCase)) is { } known)
        {
            return Enum.Parse<T>(known);
        }

        problems.Add($"{name} is not one of: {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
        return null;
    }

    private static bool TryDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    [GeneratedRegex(@"^(?=.{1,64}$)[0-9]+(\.[0-9]+)*$")]
    private static partial Regex UidPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,100}\.png$")]
    private static partial Regex ImageNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,100}\.dcm$")]
    private static partial Regex DicomNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$")]
    private static partial Regex SourceNamePattern();
}
