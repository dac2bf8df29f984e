using System.Net.Http.Headers;
using System.Text;

namespace CtBone.Pacs;

/// <summary>HTTP basic-auth credentials for a PACS. Sent per request, so a shared <see cref="HttpClient"/> is left as it is.</summary>
public sealed class PacsCredentials(string userName, string password)
{
    public string UserName { get; } = userName;

    internal AuthenticationHeaderValue ToHeader() =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UserName}:{password}")));

    public override string ToString() => $"{UserName}:***";
}
