using Microsoft.AspNetCore.Http;

namespace CtBone.Api;

/// <summary>Every error the API returns is an RFC 9457 problem document with a plain reason; never a stack trace.</summary>
internal static class Problems
{
    public static IResult BadRequest(string detail) => Results.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "The request cannot be used");

    public static IResult NotFound(string detail) => Results.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
