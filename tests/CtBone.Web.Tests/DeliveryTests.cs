using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace CtBone.Web.Tests;

/// <summary>The delivery of a study's DICOM objects to PACS on the study page, and its resend button (reviewers and admins only).</summary>
[Collection(WebSiteGroup.Name)]
[Trait("Category", "Integration")]
public sealed class DeliveryTests(WebSite site)
{
    [Fact]
    public async Task StudyPage_WhenTheDeliveryFailed_AViewerSeesStateDestinationAndReasonButNoResendButton()
    {
        var id = site.Studies[WebSite.FractureMrn];
        await WaitForDeliveryAsync(id, "failed");
        await using var session = await site.SignedInAsync(site.ViewerKey);
        var page = session.Page;

        await page.GotoAsync("/studies/" + id);

        var row = page.Locator("#delivery table.deliveries tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator(".delivery-state")).ToHaveTextAsync("Failed");
        await Assertions.Expect(row).ToContainTextAsync("http://127.0.0.1:9/dicom-web/");
        await Assertions.Expect(row).ToContainTextAsync("gave up after 1 attempt: ");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send to PACS again" })).ToHaveCountAsync(0);
        Assert.Equal(0, await page.Locator("form[action$='/delivery/retry']").CountAsync());
        await page.Locator("#delivery").ScreenshotAsync(new() { Path = WebSite.Screenshot("delivery-viewer.png") });
    }

    [Fact]
    public async Task StudyPage_WhenAReviewerResendsAFailedDelivery_ItIsTriedAgainAndAudited()
    {
        var id = site.Studies[WebSite.OsteoporoticMrn];
        var before = await WaitForDeliveryAsync(id, "failed");
        await using var session = await site.SignedInAsync(site.ReviewerKey);
        var page = session.Page;
        await page.GotoAsync("/studies/" + id);
        await page.Locator("#delivery").ScreenshotAsync(new() { Path = WebSite.Screenshot("delivery-reviewer.png") });

        await page.GetByRole(AriaRole.Button, new() { Name = "Send to PACS again" }).ClickAsync();

        await page.WaitForURLAsync($"**/studies/{id}#delivery", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        await Assertions.Expect(page.Locator("#delivery table.deliveries tbody tr")).ToHaveCountAsync(1);
        // The destination still does not answer: the resend is tried once more and fails again, attempts counted afresh.
        var again = await WaitForDeliveryAsync(id, "failed", after: before.GetProperty("updatedAt").GetDateTimeOffset());
        Assert.Equal(1, again.GetProperty("attempts").GetInt32());
        using var admin = site.Service.Client(site.AdminKey);
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/audit?resource=" + id);
        var entry = audit.EnumerateArray().First(e => e.GetProperty("action").GetString() == "delivery.retry");
        Assert.Equal("dr reviewer", entry.GetProperty("actor").GetString());
    }

    private async Task<JsonElement> WaitForDeliveryAsync(string id, string state, DateTimeOffset? after = null)
    {
        using var viewer = site.Service.Client(site.ViewerKey);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var delivery = (await viewer.GetFromJsonAsync<JsonElement>("/api/analyses/" + id)).GetProperty("delivery");
            if (delivery.ValueKind == JsonValueKind.Object && delivery.GetProperty("state").GetString() == state
                && (after is null || delivery.GetProperty("updatedAt").GetDateTimeOffset() > after))
            {
                return delivery;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the delivery of {id} did not become {state}: {delivery}");
            await Task.Delay(200);
        }
    }
}
