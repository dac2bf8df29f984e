using CtBone.Api.Web.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CtBone.Api.Web;

/// <summary>Pages are Razor components rendered on the server as plain HTML: no script, no client build.</summary>
internal static class PageResults
{
    public static RazorComponentResult Page<TPage>(object model, int status = StatusCodes.Status200OK)
        where TPage : IComponent => new RazorComponentResult<TPage>(new Dictionary<string, object?> { ["Model"] = model }) { StatusCode = status };

    public static RazorComponentResult Message(int status, string title, string text, PageUser? user = null) =>
        Page<MessagePage>(new MessageView(title, text, user), status);
}

/// <summary>A page that only says something: not found, not allowed, a form refused.</summary>
public sealed record MessageView(string Title, string Text, PageUser? User);
