using Microsoft.AspNetCore.Antiforgery;

namespace CtBone.Api.Web;

/// <summary>The sign-in form: its token, where to go after, why the last try failed, and who is signed in already.</summary>
public sealed record SignInView(AntiforgeryTokenSet Tokens, string ReturnUrl, string? Error, string? SignedInAs);
