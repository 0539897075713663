using System.Collections.Concurrent;
using AgentHost.Tests;
using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace AgentUi.Tests;

/// <summary>
/// One portable host process (in-memory engine, private Azurite) and one headless Chromium for the UI tests. The
/// browser is the system's Chromium, launched with a fresh profile; Playwright's own browser download is never used.
/// Requests to any origin but the host's are refused and recorded, so a page that needs a CDN fails its test. Pages are
/// opened signed in, with a token of the host's dev issuer in the address (<c>#token=</c>), as a person would paste it.
/// </summary>
public sealed class UiFixture : IAsyncLifetime
{
    /// <summary>Flags for Chromium here: no sandbox (root in a container), no GPU, nothing phoning home.</summary>
    static readonly string[] ChromiumFlags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    readonly ConcurrentQueue<string> offOrigin = new();
    TestEnvironment? environment;
    HostProcess? host;
    IPlaywright? playwright;
    IBrowserContext? browser;
    string? profile;

    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("CHROMIUM_BIN") is { Length: > 0 } custom ? custom : "/usr/bin/chromium";

    /// <summary>Where screenshots go: TestResults/ui under the repository root (ignored by git).</summary>
    public static string Artifacts => Path.Combine(RepositoryPaths.Root, "TestResults", "ui");

    /// <summary>A client calling as <see cref="HostProcess.DefaultCaller"/>, the user the pages are opened as.</summary>
    public HttpClient Http => this.host!.Http;

    /// <summary>A client calling as someone else (a colleague approving, another org).</summary>
    public HttpClient ClientAs(Caller who) => this.host!.ClientAs(who);

    /// <summary>An access token for <paramref name="who"/>, minted as the host tests mint theirs (the host's dev issuer).</summary>
    public string Mint(Caller who) => this.host!.Tokens.Mint(who);

    public Uri BaseAddress => this.host!.Http.BaseAddress!;

    /// <summary>The host's payload store (the same Azurite containers the host reads), for payloads a test puts in place itself.</summary>
    public IPayloadStore Payloads =>
        new BlobPayloadStore(new BlobContainers(Options.Create(new StorageOptions { ConnectionString = this.environment!.Azurite.ConnectionString })));

    /// <summary>Requests the pages tried to make to another origin (all refused).</summary>
    public IReadOnlyCollection<string> OffOriginRequests => this.offOrigin;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ChromiumPath}: the UI tests drive the system's Chromium (a test tool's own browser download " +
                "does not work here). Install it with 'apt-get install -y chromium' (Debian; .ci/run does), or set CHROMIUM_BIN to a Chromium binary.");
        }

        this.environment = await TestEnvironment.StartAsync();
        this.host = await HostProcess.StartAsync(this.environment.Settings(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "InMemory",
            // The page polls while a turn runs, as one user: the edge's rate limits are tested elsewhere (RateLimitTests).
            ["RateLimits:Enabled"] = "false",
        }));

        this.playwright = await Playwright.CreateAsync();
        this.profile = Directory.CreateTempSubdirectory("agentui-chromium-").FullName;
        this.browser = await this.playwright.Chromium.LaunchPersistentContextAsync(this.profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumFlags,
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        string origin = this.BaseAddress.GetLeftPart(UriPartial.Authority);
        await this.browser.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith(origin + "/", StringComparison.Ordinal) || route.Request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                await route.ContinueAsync();
            }
            else
            {
                this.offOrigin.Enqueue(route.Request.Url);
                await route.AbortAsync();
            }
        });
        Assertions.SetDefaultExpectTimeout(15_000);
        Directory.CreateDirectory(Artifacts);
    }

    /// <summary>
    /// A new tab on <c>{host}/{path}</c>, signed in as <paramref name="who"/> (<see cref="HostProcess.DefaultCaller"/> by
    /// default) with <c>#token=</c>; it records script errors for <see cref="UiPage.AssertNoScriptErrors"/>.
    /// </summary>
    public Task<UiPage> OpenAsync(string path, Caller? who = null) =>
        this.OpenSignedOutAsync($"{path}#token={this.Mint(who ?? HostProcess.DefaultCaller)}");

    /// <summary>A new tab on <c>{host}/{path}</c> as it is: no token unless the path brings one.</summary>
    public async Task<UiPage> OpenSignedOutAsync(string path)
    {
        IPage page = await this.browser!.NewPageAsync();
        var ui = new UiPage(page);
        await page.GotoAsync(new Uri(this.BaseAddress, path).ToString());
        return ui;
    }

    /// <summary>A new blank tab (about:blank), for content a test makes itself.</summary>
    public Task<IPage> NewBlankPageAsync() => this.browser!.NewPageAsync();

    public async Task DisposeAsync()
    {
        if (this.browser is not null)
        {
            await this.browser.CloseAsync();
        }

        this.playwright?.Dispose();
        if (this.host is not null)
        {
            await this.host.DisposeAsync();
        }

        if (this.environment is not null)
        {
            await this.environment.DisposeAsync();
        }

        if (this.profile is not null)
        {
            try
            {
                Directory.Delete(this.profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>A tab and the script errors it reported (uncaught exceptions and console errors, except failed loads the test expects).</summary>
public sealed class UiPage
{
    readonly ConcurrentQueue<string> errors = new();

    public UiPage(IPage page)
    {
        this.Page = page;
        page.PageError += (_, error) => this.errors.Enqueue($"uncaught: {error}");
        page.Console += (_, message) =>
        {
            // The browser logs every 4xx as "Failed to load resource"; the replay call expects one where replay is absent.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                this.errors.Enqueue($"console: {message.Text}");
            }
        };
    }

    public IPage Page { get; }

    public void AssertNoScriptErrors() => Assert.Empty(this.errors);
}

[CollectionDefinition(Name)]
public sealed class UiCollection : ICollectionFixture<UiFixture>
{
    public const string Name = "ui";
}
