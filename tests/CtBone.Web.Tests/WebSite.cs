using System.Globalization;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Core.Series;
using CtBone.Service.Tests;
using CtBone.TestSupport;
using Microsoft.Playwright;

namespace CtBone.Web.Tests;

/// <summary>
/// One <c>ctbone serve</c> for every browser test, holding three bundled studies the worker really analysed
/// (osteoporotic, fracture-l1, standard), plus two made from their findings: an earlier CT of the osteoporotic patient
/// (for the timeline) and a borderline study whose labels a reviewer shifts. Their deliveries to PACS fail (the
/// destination does not answer). And one headless Debian chromium.
/// </summary>
public sealed class WebSite : IAsyncLifetime
{
    public const string OsteoporoticMrn = "PH-OSTEOPOROTIC-102";
    public const string FractureMrn = "PH-OSTEOPOROTIC-104";
    public const string StandardMrn = "PH-STANDARD-101";
    public const string ReviewCaseMrn = "PH-REVIEW-1";

    private static readonly string[] s_chromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private IPlaywright? _playwright;

    internal ServiceProcess Service { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string ViewerKey { get; private set; } = string.Empty;

    public string ReviewerKey { get; private set; } = string.Empty;

    public string IngestKey { get; private set; } = string.Empty;

    public string AdminKey => Service.AdminKey;

    /// <summary>Analysis ids by patient ID (MRN); the osteoporotic patient's latest CT under <see cref="OsteoporoticMrn"/>.</summary>
    public Dictionary<string, string> Studies { get; } = [];

    public string EarlierOsteoporoticId { get; private set; } = string.Empty;

    /// <summary>Where screenshots go: $CTBONE_SCREENSHOTS_DIR, or TestResults/screenshots in the repository.</summary>
    public static string ScreenshotFolder { get; } =
        Environment.GetEnvironmentVariable("CTBONE_SCREENSHOTS_DIR") is { Length: > 0 } folder ? folder : Path.Combine(RepositoryFolder.Root, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        // Nothing listens on port 9 (discard): every delivery to PACS fails at its first attempt, so the study pages have
        // a failed delivery to show and to resend.
        Service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["CtBone__Delivery__StowUrl"] = "http://127.0.0.1:9/dicom-web/",
            ["CtBone__Delivery__MaxAttempts"] = "1",
        });
        ViewerKey = await Service.CreateKeyAsync("viewer", "dr viewer");
        ReviewerKey = await Service.CreateKeyAsync("reviewer", "dr reviewer");
        IngestKey = await Service.CreateKeyAsync("ingest", "test seeding");
        foreach (var study in new[] { "osteoporotic", "fracture-l1", "standard" })
        {
            Service.Drop(ServiceProcess.TestDicoms(study), study);
        }

        var finished = await Service.WaitForFinishedAsync(AdminKey, 3, TimeSpan.FromMinutes(8));
        foreach (var item in finished)
        {
            Assert.Equal("completed", item.GetProperty("state").GetString());
            Studies[item.GetProperty("patientId").GetString()!] = item.GetProperty("id").GetString()!;
        }

        // Two years earlier, the same patient had 25 HU more at every level: 12.5 HU a year lost, five times the normal rate.
        EarlierOsteoporoticId = await SeedFromAsync(Studies[OsteoporoticMrn], f => Shifted(f, hu: 25) with
        {
            Study = f.Study! with { StudyDate = f.Study.StudyDate!.Value.AddYears(-2), AccessionNumber = "PH-EARLIER-1" },
        }, DateTimeOffset.UtcNow.AddDays(-1));

        // A borderline spine: L1 150 HU (low density possible); the vertebra called T12 (187 HU) would be normal as L1.
        Studies[ReviewCaseMrn] = await SeedFromAsync(Studies[StandardMrn], f => Shifted(f, hu: 0, ("L1", 150), ("L2", 145)) with
        {
            Study = new StudyIdentity { PatientId = ReviewCaseMrn, PatientName = "PHANTOM^REVIEW", AccessionNumber = "PH-REVIEW-ACC", StudyDate = new DateOnly(2024, 6, 1) },
        });

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = s_chromiumArgs });
        Directory.CreateDirectory(ScreenshotFolder);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await Service.DisposeAsync();
    }

    /// <summary>A fresh browser context (no cookies) on the service, at a desktop size.</summary>
    public Task<IBrowserContext> NewContextAsync() => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = Service.BaseAddress.ToString(),
        ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
    });

    /// <summary>A fresh browser signed in with <paramref name="key"/> through the sign-in page, on the worklist.</summary>
    public async Task<BrowserSession> SignedInAsync(string key)
    {
        var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await SignInAsync(page, key);
        return new BrowserSession(context, page);
    }

    /// <summary>Signs in through the page, as a person pastes a key, and lands on the worklist.</summary>
    public static async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync("/signin");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The sign-in answer redirects: wait for the worklist to be parsed; assertions wait for what they look for.
        await page.WaitForURLAsync("**/worklist", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
    }

    public static string Screenshot(string name) => Path.Combine(ScreenshotFolder, name);

    /// <summary>Copies an analysis' findings (changed) and key images into a new completed analysis, re-screened as the analysis would.</summary>
    private async Task<string> SeedFromAsync(string sourceId, Func<Findings, Findings> change, DateTimeOffset? createdAt = null)
    {
        using var admin = Service.Client(AdminKey);
        var resource = await admin.GetFromJsonAsync<JsonElement>("/api/analyses/" + sourceId);
        var source = resource.GetProperty("findings").Deserialize<Findings>(CtBoneJson.Options)!;
        var changed = change(source);
        changed = changed with
        {
            StudyInstanceUid = NewUid(),
            SeriesInstanceUid = NewUid(),
            Screening = ScreeningPolicy.Default.Screen(changed.Vertebrae, changed.Acquisition, changed.Labeling),
        };
        var images = new List<(string, byte[])>();
        foreach (var href in resource.GetProperty("keyImages").EnumerateArray().Select(i => i.GetString()!))
        {
            images.Add((href[(href.LastIndexOf('/') + 1)..], await admin.GetByteArrayAsync(href)));
        }

        var id = await StoreSeeding.QueueAsync(Service, createdAt);
        using var ingest = Service.Client(IngestKey);
        using var response = await StoreSeeding.PostFindingsAsync(ingest, id, StoreSeeding.Json(changed), [.. images]);
        response.EnsureSuccessStatusCode();
        return id;
    }

    private static string NewUid() => "2.25." + new BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true).ToString(CultureInfo.InvariantCulture);

    /// <summary>Every measured level moved by <paramref name="hu"/>, then the given levels set outright.</summary>
    private static Findings Shifted(Findings findings, double hu, params (string Level, double Hu)[] set) => findings with
    {
        Vertebrae = [.. findings.Vertebrae.Select(l => l with
        {
            MeanHu = set.FirstOrDefault(s => s.Level == l.Level) is { Level: not null } exact ? exact.Hu : l.MeanHu + hu,
        })],
    };
}

/// <summary>A browser context and its page; disposing closes both.</summary>
public sealed class BrowserSession(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IBrowserContext Context => context;

    public IPage Page => page;

    public ValueTask DisposeAsync() => context.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class WebSiteGroup : ICollectionFixture<WebSite>
{
    public const string Name = "web site";
}
