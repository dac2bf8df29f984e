using System.Net;
using Microsoft.Playwright;

namespace CtBone.Web.Tests;

/// <summary>People sign in with their API key in a browser; the cookie holds a session, never the key.</summary>
[Collection(WebSiteGroup.Name)]
[Trait("Category", "Integration")]
public sealed class SignInPageTests(WebSite site)
{
    [Fact]
    public async Task Worklist_WhenNotSignedIn_GoesToTheSignInPageAndBackAfter()
    {
        await using var context = await site.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/worklist?show=all");
        Assert.EndsWith("/signin?returnUrl=%2Fworklist%3Fshow%3Dall", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("API key").FillAsync(site.ViewerKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.WaitForURLAsync("**/worklist?show=all", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        await Assertions.Expect(page.Locator(".who")).ToContainTextAsync("dr viewer (viewer)");
    }

    [Fact]
    public async Task SignIn_WithAnUnknownKey_StaysOnTheFormAndSaysSo()
    {
        await using var context = await site.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/signin");

        await page.GetByLabel("API key").FillAsync("ctb_" + Guid.NewGuid().ToString("N"));
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(), r => r.Url.EndsWith("/signin", StringComparison.Ordinal));

        Assert.Equal((int)HttpStatusCode.Unauthorized, response.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That key is not known or has been revoked.");
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "ctbone-session");
    }

    [Fact]
    public async Task Session_HoldsNoKeyAndIsHttpOnlyStrictAndNotSecureOnPlainHttp()
    {
        await using var browser = await site.SignedInAsync(site.ViewerKey);

        var cookies = await browser.Context.CookiesAsync();

        var session = Assert.Single(cookies, c => c.Name == "ctbone-session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.False(session.Secure);
        Assert.DoesNotContain(site.ViewerKey["ctb_".Length..], session.Value, StringComparison.Ordinal);
        Assert.All(cookies, c => Assert.Equal(SameSiteAttribute.Strict, c.SameSite));
    }

    [Fact]
    public async Task Session_WhenItsKeyIsRevoked_EndsAtTheNextPage()
    {
        var (id, key) = await site.Service.CreateKeyWithIdAsync("viewer", "to be revoked");
        await using var session = await site.SignedInAsync(key);
        var page = session.Page;

        using (var admin = site.Service.Client(site.AdminKey))
        {
            (await admin.DeleteAsync("/api/keys/" + id)).EnsureSuccessStatusCode();
        }

        await page.GotoAsync("/worklist");
        Assert.Contains("/signin", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        await using var session = await site.SignedInAsync(site.ViewerKey);
        var page = session.Page;

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync("**/signin", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        await page.GotoAsync("/worklist");

        Assert.Contains("/signin?returnUrl=", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hangfire_ForAnAdminSignedInInTheBrowser_Opens()
    {
        await using var session = await site.SignedInAsync(site.AdminKey);
        var page = session.Page;

        var response = await page.GotoAsync("/hangfire");

        Assert.Equal(200, response!.Status);
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Hangfire");
    }
}
