using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CtBone.Pacs;

/// <summary>DICOMweb (PS3.18): QIDO-RS study search, WADO-RS study retrieve, STOW-RS store.</summary>
public sealed class DicomWebClient
{
    private const string DicomMediaType = "application/dicom";
    // transfer-syntax=* asks for the instances as stored (PS3.18 8.7.3.5.2): a third of the bytes for JPEG-LS, and no
    // transcoding on the server. A server that refuses it (406) is asked again for the default, explicit VR little endian.
    private const string RetrieveAsStored = "multipart/related; type=\"application/dicom\"; transfer-syntax=*";
    private const string RetrieveDefault = "multipart/related; type=\"application/dicom\"";

    private readonly PacsHttp _http;

    /// <param name="http">Owned by the caller (timeouts, handler, lifetime); only requests are sent through it.</param>
    /// <param name="baseUri">The DICOMweb root, for example <c>http://pacs:8042/dicom-web/</c>.</param>
    /// <param name="credentials">Basic-auth credentials, when the server wants them.</param>
    public DicomWebClient(HttpClient http, Uri baseUri, PacsCredentials? credentials = null)
    {
        _http = new PacsHttp(http, baseUri, credentials);
    }

    /// <summary>Studies with a series of <paramref name="modality"/>, within the study-date window (each end optional, inclusive).</summary>
    public async Task<IReadOnlyList<DicomWebStudy>> SearchStudiesAsync(
        string modality,
        DateOnly? from,
        DateOnly? to,
        int offset,
        int limit,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modality);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        if (from > to)
        {
            throw new ArgumentException($"the date window {from:O} to {to:O} is empty", nameof(from));
        }

        var query = new StringBuilder("studies?ModalitiesInStudy=").Append(Uri.EscapeDataString(modality));
        if (DicomDate.Range(from, to) is { } range)
        {
            query.Append("&StudyDate=").Append(range);
        }

        query.Append(CultureInfo.InvariantCulture, $"&offset={offset}&limit={limit}");
        foreach (var field in DicomJson.StudySearchFields)
        {
            query.Append("&includefield=").Append(field);
        }

        using var request = _http.Request(HttpMethod.Get, query.ToString());
        request.Headers.Accept.ParseAdd("application/dicom+json");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return [];
        }

        using var json = await PacsHttp.ReadJsonAsync(response, PacsHttp.Describe(request), cancellationToken).ConfigureAwait(false);
        return DicomJson.ParseStudies(json.RootElement);
    }

    /// <summary>
    /// Retrieves a whole study and writes each instance into <paramref name="targetDirectory"/> as
    /// <c>{SOPInstanceUID}.dcm</c> (the part's number when its meta header has none), reading the answer as a stream.
    /// Files appear only complete. More than <paramref name="maxBytes"/> of content in all is a permanent fault.
    /// </summary>
    public async Task<RetrievedStudy> RetrieveStudyAsync(
        string studyInstanceUid,
        string targetDirectory,
        long maxBytes,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(studyInstanceUid);
        ArgumentException.ThrowIfNullOrEmpty(targetDirectory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var path = "studies/" + Uri.EscapeDataString(studyInstanceUid);
        using var response = await SendRetrieveAsync(path, cancellationToken).ConfigureAwait(false);
        var what = $"GET {response.RequestMessage?.RequestUri?.AbsolutePath}";
        var boundary = MultipartRelatedReader.BoundaryOf(response.Content.Headers.ContentType?.ToString());
        Directory.CreateDirectory(targetDirectory);
        PartialFile.DeleteLeftovers(targetDirectory);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var reader = new MultipartRelatedReader(body, boundary, maxBytes);
                var uids = new HashSet<string>(StringComparer.Ordinal);
                var files = 0;
                while (await reader.ReadNextPartAsync(cancellationToken).ConfigureAwait(false) is { } part)
                {
                    // A repeated UID would overwrite its first file, so it keeps the part's number instead.
                    var byNumber = Path.Combine(targetDirectory, FormattableString.Invariant($"part-{part.Number:D6}.dcm"));
                    await PartialFile.WriteAsync(
                        byNumber,
                        file => reader.CopyContentToAsync(file, cancellationToken),
                        temporary => DicomPart10.ReadSopInstanceUid(temporary) is { } uid && uids.Add(uid)
                            ? Path.Combine(targetDirectory, uid + ".dcm")
                            : byNumber).ConfigureAwait(false);
                    files++;
                }

                return new RetrievedStudy(files, reader.ContentBytes);
            }
        }
        catch (Exception e) when (PacsHttp.Translate(e, what, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// Sends the files to the server in one STOW-RS request. 200, 202 and 409 come back as the outcome; other answers
    /// throw a <see cref="PacsException"/>.
    /// </summary>
    public async Task<StowOutcome> StoreAsync(IReadOnlyList<string> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            throw new ArgumentException("nothing to store", nameof(files));
        }

        using var content = new MultipartContent("related", "ctbone-" + Guid.NewGuid().ToString("N"));
        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", $"\"{DicomMediaType}\""));
        foreach (var file in files)
        {
            // StreamContent over a FileStream knows its length, so the body is streamed with a Content-Length, never buffered.
            var part = new StreamContent(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous));
            part.Headers.ContentType = new MediaTypeHeaderValue(DicomMediaType);
            content.Add(part);
        }

        using var request = _http.Request(HttpMethod.Post, "studies");
        request.Headers.Accept.ParseAdd("application/dicom+json");
        request.Content = content;
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken, HttpStatusCode.Accepted, HttpStatusCode.Conflict)
            .ConfigureAwait(false);
        if (response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return DicomJson.ParseStowResponse(response.StatusCode, null);
        }

        using var json = await PacsHttp.ReadJsonAsync(response, PacsHttp.Describe(request), cancellationToken).ConfigureAwait(false);
        return DicomJson.ParseStowResponse(response.StatusCode, json.RootElement);
    }

    private async Task<HttpResponseMessage> SendRetrieveAsync(string path, CancellationToken cancellationToken)
    {
        using var asStored = _http.Request(HttpMethod.Get, path);
        asStored.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(RetrieveAsStored));
        var response = await _http.SendAsync(asStored, HttpCompletionOption.ResponseHeadersRead, cancellationToken, HttpStatusCode.NotAcceptable)
            .ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NotAcceptable)
        {
            return response;
        }

        response.Dispose();
        using var fallback = _http.Request(HttpMethod.Get, path);
        fallback.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(RetrieveDefault));
        return await _http.SendAsync(fallback, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }
}
