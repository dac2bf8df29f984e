using System.Net;

namespace CtBone.Pacs;

/// <summary>
/// A PACS request that failed. <see cref="IsTransient"/> tells callers whether trying again later can help
/// (connection refused, timeout, 5xx, 429, a body cut off) or not (404, 400, a malformed or oversized body).
/// </summary>
public sealed class PacsException : Exception
{
    public PacsException()
    {
    }

    public PacsException(string message)
        : base(message)
    {
    }

    public PacsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PacsException(string message, bool isTransient, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
        StatusCode = statusCode;
    }

    public bool IsTransient { get; }

    /// <summary>The HTTP status the PACS answered with, or null when there was no usable answer.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Whether a request that got this status could succeed if sent again later.</summary>
    public static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
}
