using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace CtBone.Web.Tests;

/// <summary>Reviewer corrections in the browser: relabel, see the recomputed result; viewers cannot reach the actions.</summary>
[Collection(WebSiteGroup.Name)]
[Trait("Category", "Integration")]
public sealed class ReviewTests(WebSite site)
{
    [Fact]
    public async Task Relabel_WhenAReviewerShiftsTheLabelsDown_TheRecomputedCategoryShowsAndTheStudyIsMarkedReviewed()
    {
        var id = site.Studies[WebSite.ReviewCaseMrn];
        await using var session = await site.SignedInAsync(site.ReviewerKey);
        var page = session.Page;
        await page.GotoAsync("/studies/" + id);
        await Assertions.Expect(page.Locator(".study-head .cat")).ToHaveTextAsync("Low bone density possible");

        await page.GetByRole(AriaRole.Button, new() { Name = "Shift labels down (what is called T12 is L1)" }).ClickAsync();

        await page.WaitForURLAsync($"**/studies/{id}#review", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        await Assertions.Expect(page.Locator(".study-head .cat")).ToHaveTextAsync("Low density not flagged");
        await Assertions.Expect(page.Locator(".study-head .reviewed")).ToContainTextAsync("Reviewed by dr reviewer");
        await Assertions.Expect(page.Locator("section.result .was")).ToContainTextAsync("Before review: Low bone density possible at L1: 150 HU");
        await Assertions.Expect(page.Locator("table.levels")).ToContainTextAsync("L1 (was T12)");
        await Assertions.Expect(page.Locator("section.images")).ToContainTextAsync("L1 (labelled T12 on the image)");
        await Assertions.Expect(page.Locator("ol.history")).ToContainTextAsync("what was called T12 is L1");

        // The API and the list follow the correction and keep the original.
        using var viewer = site.Service.Client(site.ViewerKey);
        var resource = await viewer.GetFromJsonAsync<JsonElement>("/api/analyses/" + id);
        Assert.True(resource.GetProperty("reviewed").GetBoolean());
        Assert.Equal("normal", resource.GetProperty("findings").GetProperty("screening").GetProperty("category").GetString());
        Assert.Equal("osteopenia", resource.GetProperty("originalFindings").GetProperty("screening").GetProperty("category").GetString());
        var listed = await viewer.GetFromJsonAsync<JsonElement>("/api/analyses?patient=" + WebSite.ReviewCaseMrn);
        var item = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal("normal", item.GetProperty("category").GetString());
        Assert.False(item.GetProperty("flagged").GetBoolean());
        Assert.True(item.GetProperty("reviewed").GetBoolean());

        // Who changed what is in the audit log.
        using var admin = site.Service.Client(site.AdminKey);
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/audit?resource=" + id);
        var entry = audit.EnumerateArray().First(e => e.GetProperty("action").GetString() == "analysis.review");
        Assert.Equal("dr reviewer", entry.GetProperty("actor").GetString());
        Assert.Contains("Labels shifted down", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewForms_WhenAReviewerGivesNoReason_AreRefusedInThePage()
    {
        var id = site.Studies[WebSite.StandardMrn];
        await using var session = await site.SignedInAsync(site.ReviewerKey);
        var page = session.Page;
        await page.GotoAsync("/studies/" + id);

        // The browser itself asks for the reason (required); a post without one, as a script might send, is refused with the reason why.
        var form = page.Locator("form").Filter(new() { HasText = "Exclude a level" });
        var token = await form.Locator("input[name=__RequestVerificationToken]").InputValueAsync();
        var response = await page.APIRequest.PostAsync($"/studies/{id}/review", new()
        {
            Form = session.Context.APIRequest.CreateFormData().Set("__RequestVerificationToken", token).Set("action", "exclude").Set("level", "L2").Set("reason", " "),
        });

        Assert.Equal(400, response.Status);
        Assert.Contains("excluding L2 needs a reason", await response.TextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewActions_ForAViewer_AreNotShownAndADirectPostIs403()
    {
        var id = site.Studies[WebSite.OsteoporoticMrn];
        await using var session = await site.SignedInAsync(site.ViewerKey);
        var page = session.Page;
        await page.GotoAsync("/studies/" + id);

        Assert.Equal(0, await page.Locator($"form[action='/studies/{id}/review']").CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Reject the flag" }).CountAsync());

        // With the viewer's own session and a valid antiforgery token (from the sign-out form), the action is still refused.
        var token = await page.Locator("form[action='/signout'] input[name=__RequestVerificationToken]").InputValueAsync();
        var form = await page.APIRequest.PostAsync($"/studies/{id}/review", new()
        {
            Form = session.Context.APIRequest.CreateFormData().Set("__RequestVerificationToken", token).Set("action", "reject"),
        });
        var json = await page.APIRequest.PostAsync($"/api/analyses/{id}/review", new() { DataObject = new { flag = "rejected" } });

        Assert.Equal(403, form.Status);
        Assert.Equal(403, json.Status);
        using var viewer = site.Service.Client(site.ViewerKey);
        var resource = await viewer.GetFromJsonAsync<JsonElement>("/api/analyses/" + id);
        Assert.False(resource.GetProperty("reviewed").GetBoolean());
    }
}
