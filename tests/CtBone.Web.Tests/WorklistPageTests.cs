using Microsoft.Playwright;

namespace CtBone.Web.Tests;

/// <summary>The worklist of flagged studies: filters, search and paging in a real browser.</summary>
[Collection(WebSiteGroup.Name)]
[Trait("Category", "Integration")]
public sealed class WorklistPageTests(WebSite site)
{
    [Fact]
    public async Task Worklist_AsViewer_ListsFlaggedStudiesOnlyWithTheirResult()
    {
        await using var session = await site.SignedInAsync(site.ViewerKey);
        var page = session.Page;

        var rows = page.Locator("table.worklist tbody tr");
        await Assertions.Expect(rows.Filter(new() { HasText = WebSite.OsteoporoticMrn })).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Filter(new() { HasText = WebSite.FractureMrn })).ToContainTextAsync("Osteoporosis likely, severe");
        await Assertions.Expect(rows.Filter(new() { HasText = WebSite.StandardMrn })).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("p.disclaimer")).ToContainTextAsync("does not replace DXA or QCT");
        await Assertions.Expect(rows.First).ToContainTextAsync("ctbone-spine");

        await page.ScreenshotAsync(new() { Path = WebSite.Screenshot("worklist.png"), FullPage = true });
    }

    [Fact]
    public async Task Filters_BySearchSeverityAndShowAll_NarrowTheListAndStayInTheForm()
    {
        await using var session = await site.SignedInAsync(site.ViewerKey);
        var page = session.Page;
        var rows = page.Locator("table.worklist tbody tr");

        await page.GetByLabel("Patient name, MRN or accession").FillAsync(WebSite.FractureMrn);
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows).ToContainTextAsync(WebSite.FractureMrn);
        await Assertions.Expect(page.GetByLabel("Patient name, MRN or accession")).ToHaveValueAsync(WebSite.FractureMrn);

        await page.GetByLabel("Patient name, MRN or accession").FillAsync("phantom^standard");
        await page.GetByLabel("Show").SelectOptionAsync("all");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows).ToContainTextAsync("Low density not flagged");

        await page.GotoAsync("/worklist?severity=severe&scanner=CtBone%20LumbarPhantom&reviewed=no");
        await Assertions.Expect(page.GetByLabel("Scanner")).ToHaveValueAsync("CtBone LumbarPhantom");
        Assert.All(await rows.AllInnerTextsAsync(), text => Assert.Contains("severe", text, StringComparison.Ordinal));
        await Assertions.Expect(rows.Filter(new() { HasText = WebSite.FractureMrn })).ToHaveCountAsync(1);

        await page.GotoAsync("/worklist?from=2023-01-01&to=2024-12-31&category=osteoporosis");
        await Assertions.Expect(rows.Filter(new() { HasText = "PH-EARLIER-1" })).ToHaveCountAsync(0);
        await Assertions.Expect(rows.Filter(new() { HasText = WebSite.OsteoporoticMrn })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Worklist_WhenAFilterCannotBeRead_SaysSoAndIgnoresIt()
    {
        await using var session = await site.SignedInAsync(site.ViewerKey);
        var page = session.Page;

        await page.GotoAsync("/worklist?from=last-tuesday&category=brittle");

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("table.worklist tbody tr").First).ToBeVisibleAsync();
    }
}
