namespace CtBone.Pacs.Tests;

/// <summary>Answers requests from a function and keeps what was sent, so client tests need no server.</summary>
internal sealed class StubHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
{
    public StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer)
        : this((request, _) => Task.FromResult(answer(request)))
    {
    }

    public List<HttpRequestMessage> Requests { get; } = [];

    /// <summary>The request bodies, read while the request was live.</summary>
    public List<byte[]> Bodies { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        // Downloads send a few requests at once.
        lock (Requests)
        {
            Requests.Add(request);
            Bodies.Add(body);
        }

        var response = await answer(request, cancellationToken);
        response.RequestMessage = request;
        return response;
    }
}
