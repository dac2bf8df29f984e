using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace CtBone.Pacs;

/// <summary>
/// What both PACS clients share: the base address, credentials on each request, and the one place where HTTP failures
/// become a <see cref="PacsException"/>. The <see cref="HttpClient"/> belongs to the caller and is never changed here.
/// </summary>
internal sealed class PacsHttp
{
    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue? _authorization;

    public PacsHttp(HttpClient http, Uri baseUri, PacsCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(baseUri);
        if (!baseUri.IsAbsoluteUri)
        {
            throw new ArgumentException("the PACS base address must be absolute", nameof(baseUri));
        }

        _http = http;
        // Without the trailing slash, relative paths would replace the last segment ("dicom-web") instead of adding to it.
        BaseUri = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        _authorization = credentials?.ToHeader();
    }

    public Uri BaseUri { get; }

    public HttpRequestMessage Request(HttpMethod method, string relativePath) => new(method, new Uri(BaseUri, relativePath));

    /// <summary>Sends the request and returns a response with a success status (or one in <paramref name="alsoAccepted"/>); the caller disposes it.</summary>
    public async Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request,
        HttpCompletionOption completion,
        CancellationToken cancellationToken,
        params HttpStatusCode[] alsoAccepted)
    {
        request.Headers.Authorization = _authorization;
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, Describe(request), cancellationToken) is { } failure)
        {
            throw failure;
        }

        if (response.IsSuccessStatusCode || alsoAccepted.Contains(response.StatusCode))
        {
            return response;
        }

        var status = response.StatusCode;
        response.Dispose();
        throw new PacsException(
            $"{Describe(request)} answered {(int)status} {status}", PacsException.IsTransientStatus(status), status);
    }

    public async Task<JsonDocument> GetJsonAsync(string relativePath, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, relativePath);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, Describe(request), cancellationToken).ConfigureAwait(false);
    }

    public static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                return await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (JsonException e)
        {
            throw new PacsException($"{what}: the answer is not valid JSON", isTransient: false, response.StatusCode, e);
        }
        catch (Exception e) when (Translate(e, what, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// The PACS-side meaning of an exception thrown while sending or reading: connection-level faults are transient
    /// (they are not the study's fault); the caller's own cancellation is left as it is (null).
    /// </summary>
    public static PacsException? Translate(Exception exception, string what, CancellationToken cancellationToken) => exception switch
    {
        PacsException => null,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        OperationCanceledException => new PacsException($"{what}: timed out", isTransient: true, innerException: exception),
        HttpRequestException http => new PacsException($"{what}: {http.Message}", isTransient: true, http.StatusCode, http),
        IOException io => new PacsException($"{what}: transfer failed: {io.Message}", isTransient: true, innerException: io),
        _ => null,
    };

    public static string Describe(HttpRequestMessage request) => $"{request.Method} {request.RequestUri?.AbsolutePath}";
}
