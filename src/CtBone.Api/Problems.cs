using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace CtBone.Api;

/// <summary>Every error the API returns is an RFC 9457 problem document with a plain reason; never a stack trace.</summary>
internal static class Problems
{
    public const string BadRequestTitle = "The request cannot be used";

    public static IResult BadRequest(string detail) => Results.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: BadRequestTitle);

    public static IResult NotFound(string detail) => Results.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult Conflict(string detail) => Results.Problem(detail: detail, statusCode: StatusCodes.Status409Conflict, title: "Not possible in this state");

    /// <summary>A 400, 404 or 409 problem with the reason.</summary>
    public static IResult For(int status, string detail) => status switch
    {
        StatusCodes.Status404NotFound => NotFound(detail),
        StatusCodes.Status409Conflict => Conflict(detail),
        _ => BadRequest(detail),
    };
}

/// <summary>
/// The API's one exception handler. A request the framework could not bind to a route's parameters (JSON that does
/// not parse, a query value of the wrong type, a body over the size limit) is the caller's error: its status and the
/// framework's plain reason, which names the parameter. Everything else falls through to the default, a 500 problem
/// with no detail. Handled here, nothing is logged: a bad value a caller sent stays out of the log.
/// </summary>
internal sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = bad.StatusCode, Title = Problems.BadRequestTitle, Detail = bad.Message },
        }).ConfigureAwait(false);
        return true;
    }
}
