using Microsoft.Playwright;

namespace CtBone.Web.Tests;

/// <summary>One study: header, levels, key images, the planning panel, the timeline and the printable report.</summary>
[Collection(WebSiteGroup.Name)]
[Trait("Category", "Integration")]
public sealed class StudyPageTests(WebSite site)
{
    [Fact]
    public async Task Study_OpenedFromTheWorklist_ShowsHeaderLevelsSourcesAndLoadedKeyImages()
    {
        await using var session = await site.SignedInAsync(site.ViewerKey);
        var page = session.Page;

        await page.Locator("table.worklist tbody tr").Filter(new() { HasText = WebSite.FractureMrn }).GetByRole(AriaRole.Link).ClickAsync();

        await page.WaitForURLAsync("**/studies/" + site.Studies[WebSite.FractureMrn], new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("PHANTOM, OSTEOPOROTIC");
        await Assertions.Expect(page.Locator(".facts").First).ToContainTextAsync(WebSite.FractureMrn);
        var l1 = page.Locator("table.levels tbody tr").Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "L1", Exact = true }) });
        await Assertions.Expect(l1).ToContainTextAsync("no: excluded: fracture");
        await Assertions.Expect(page.Locator("section.result")).ToContainTextAsync("Pickhardt et al., Ann Intern Med 2013");
        await Assertions.Expect(page.Locator("section.caveats")).ToContainTextAsync("120 kVp");
        await Assertions.Expect(page.Locator("footer")).ToContainTextAsync("ctbone-spine");

        var images = page.Locator("section.images img");
        Assert.True(await images.CountAsync() >= 5, "an axial image per level and the sagittal overview");
        foreach (var image in await images.AllAsync())
        {
            await image.ScrollIntoViewIfNeededAsync();
            var width = await image.EvaluateAsync<int>("img => img.complete ? img.naturalWidth : new Promise(done => img.addEventListener('load', () => done(img.naturalWidth)))");
            Assert.True(width > 0, await image.GetAttributeAsync("src"));
        }
    }

    [Fact]
    public async Task Planning_WhenFusionLevelsArePicked_ShowsEachHuTheLowestLevelAndTheSourcedRiskNotes()
    {
        await using var session = await site.SignedInAsync(site.ViewerKey);
        var page = session.Page;
        await page.GotoAsync("/studies/" + site.Studies[WebSite.OsteoporoticMrn]);

        var planning = page.Locator("#planning");
        foreach (var level in new[] { "L1", "L2", "L3" })
        {
            await planning.GetByLabel(level, new() { Exact = true }).CheckAsync();
        }

        await planning.GetByRole(AriaRole.Button, new() { Name = "Show levels" }).ClickAsync();

        await page.WaitForURLAsync("**levels=L1&levels=L2&levels=L3#planning");
        await Assertions.Expect(planning.Locator(".lowest")).ToContainTextAsync("Lowest instrumented level: L3, 7");
        var l1 = planning.Locator("table.plan tbody tr").Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "L1", Exact = true }) });
        await Assertions.Expect(l1).ToContainTextAsync("Below 117 HU: 4.1-fold risk of screw loosening or cage subsidence after MI-TLIF.");
        await Assertions.Expect(l1).ToContainTextAsync("Sci Rep 2023 (198 patients, MI-TLIF)");
        await Assertions.Expect(l1).ToContainTextAsync("Congress of Neurological Surgeons guideline 2021");
        await Assertions.Expect(planning.GetByLabel("L2", new() { Exact = true })).ToBeCheckedAsync();

        await page.ScreenshotAsync(new() { Path = WebSite.Screenshot("study.png"), FullPage = true });
    }

    [Fact]
    public async Task Timeline_WhenThePatientHasAnEarlierCt_ShowsHuOverTimeAndFasterThanNormalLoss()
    {
        await using var session = await site.SignedInAsync(site.ViewerKey);
        var page = session.Page;

        await page.GotoAsync("/studies/" + site.Studies[WebSite.OsteoporoticMrn]);

        var timeline = page.Locator("section.timeline");
        await Assertions.Expect(timeline.Locator("h2")).ToHaveTextAsync("Timeline: 2 CTs of this patient");
        await Assertions.Expect(timeline.Locator("tbody tr")).ToHaveCountAsync(2);
        var l1 = timeline.Locator("li.signal");
        await Assertions.Expect(l1).ToContainTextAsync("L1:");
        await Assertions.Expect(l1).ToContainTextAsync("−12.5 HU/year");
        await Assertions.Expect(l1).ToContainTextAsync("faster than the normal loss of about 2.5 HU/year");
        await Assertions.Expect(timeline).ToContainTextAsync("Jang et al., Radiology 2019");
        await timeline.GetByRole(AriaRole.Link).ClickAsync();
        await page.WaitForURLAsync("**/studies/" + site.EarlierOsteoporoticId, new() { WaitUntil = WaitUntilState.DOMContentLoaded });
    }

    [Fact]
    public async Task Report_IsPrintableWithoutFormsAndKeepsTheWording()
    {
        await using var session = await site.SignedInAsync(site.ReviewerKey);
        var page = session.Page;

        await page.GotoAsync($"/studies/{site.Studies[WebSite.FractureMrn]}/report?levels=L2&levels=L3");
        await page.EmulateMediaAsync(new() { Media = Media.Print });

        Assert.Equal(0, await page.Locator("form").CountAsync());
        await Assertions.Expect(page.Locator("p.disclaimer")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".lowest")).ToContainTextAsync("L3");
        await Assertions.Expect(page.Locator("details.thresholds table")).ToBeVisibleAsync();
        var pdf = await page.PdfAsync(new() { Format = "A4" });
        Assert.True(pdf.Length > 10_000);
    }
}
