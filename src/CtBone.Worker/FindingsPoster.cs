using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CtBone.Core;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>
/// Hands an analysis' findings, key images, DICOM objects for PACS and what a revision of them is written from to the
/// API over HTTP, with the worker's ingest key.
/// </summary>
public sealed class FindingsPoster(HttpClient http, IOptions<WorkerOptions> options)
{
    public const string FindingsPart = "findings";
    public const string InstanceCountPart = "instanceCount";
    public const string ImagePart = "images";
    public const string DicomPart = "dicom";
    public const string RevisionSourcePart = "revisionSources";

    public async Task PostAsync(string analysisId, AnalysisOutcome outcome, int? instanceCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        using var content = new MultipartFormDataContent();
        var json = new StringContent(JsonSerializer.Serialize(outcome.Findings, CtBoneJson.Options), Encoding.UTF8, "application/json");
        content.Add(json, FindingsPart);
        if (instanceCount is { } count)
        {
            content.Add(new StringContent(count.ToString(CultureInfo.InvariantCulture)), InstanceCountPart);
        }

        foreach (var file in outcome.KeyImageFiles)
        {
            var png = new ByteArrayContent(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false));
            png.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            content.Add(png, ImagePart, Path.GetFileName(file));
        }

        foreach (var (part, type, files) in new[] { (DicomPart, "application/dicom", outcome.ResultFiles), (RevisionSourcePart, "application/octet-stream", outcome.RevisionSourceFiles) })
        {
            foreach (var file in files ?? [])
            {
                var bytes = new ByteArrayContent(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false));
                bytes.Headers.ContentType = new MediaTypeHeaderValue(type);
                content.Add(bytes, part, Path.GetFileName(file));
            }
        }

        var uri = new Uri(new Uri(options.Value.ApiUrl.TrimEnd('/') + "/"), $"api/analyses/{Uri.EscapeDataString(analysisId)}/findings");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.ApiKey);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new StudyTransferException($"the API at {options.Value.ApiUrl} could not be reached: {e.Message}", isTransient: true, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StudyTransferException($"the API at {options.Value.ApiUrl} did not answer in time", isTransient: true, e);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var transient = (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
            throw new StudyTransferException($"the API refused the findings: {(int)response.StatusCode} {response.ReasonPhrase}", transient);
        }
    }
}
