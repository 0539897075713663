using System.Diagnostics;
using Agents.Core.Activities;
using Agents.Core.Browser;
using Agents.Core.Contracts;
using Agents.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class BrowserBrokerTests(BrowserFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.CloseSessionsAsync();

    static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G'];

    [Fact]
    public async Task Open_AllowlistedOrigin_LoadsThePageAndReadsItsText()
    {
        BrowserCall call = fixture.NewCall();

        BrowserActionResult open = await fixture.Broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/page")));
        BrowserActionResult read = await fixture.Broker.RunAsync(call with { Step = "b2" }, new ReadAction(null));
        BrowserActionResult heading = await fixture.Broker.RunAsync(call with { Step = "b3" }, new ReadAction("h1"));

        Assert.True(open.Outcome == BrowserOutcome.Succeeded, open.Reason);
        Assert.Equal(200, open.Status);
        Assert.Equal(fixture.Allowed.Url("/page"), open.UrlAfter);
        Assert.Contains("Hello from A", read.Text);
        Assert.Equal("Hello from A", heading.Text);
        await this.AssertScreenshotsStoredAsync(call.SessionId, open, read, heading);
    }

    [Theory]
    [InlineData("other")]
    [InlineData("file:///etc/passwd")]
    [InlineData("data:text/html,<h1>hi</h1>")]
    [InlineData("chrome://version")]
    public async Task Open_OriginNotOnTheAllowlist_IsRefusedAndNothingIsRequested(string target)
    {
        BrowserCall call = fixture.NewCall();
        string url = target == "other" ? fixture.Other.Url("/landing-" + Guid.NewGuid().ToString("N")) : target;

        BrowserActionResult result = await fixture.Broker.RunAsync(call, new OpenAction(url));

        Assert.True(result.Outcome == BrowserOutcome.Refused, $"{result.Outcome}: {result.Reason}");
        Assert.Contains("not allowlisted", result.Reason);
        Assert.Equal(Origins.Blank, result.UrlAfter);
        Assert.DoesNotContain(fixture.Other.Requests, r => target == "other" && r.EndsWith(new Uri(url).AbsolutePath, StringComparison.Ordinal));
        await this.AssertScreenshotsStoredAsync(call.SessionId, result);
    }

    [Fact]
    public async Task Open_RedirectFromAllowedToOtherOrigin_IsRefusedBeforeTheOtherOriginIsAsked()
    {
        BrowserCall call = fixture.NewCall();
        int before = fixture.Other.Requests.Count(r => r == "GET /landing");

        BrowserActionResult result = await fixture.Broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/redirect")));

        Assert.True(result.Outcome == BrowserOutcome.Refused, $"{result.Outcome}: {result.Reason}");
        Assert.Contains(result.Refused, r => r.Layer == "redirect" && r.Url == fixture.Other.Url("/landing"));
        Assert.False(result.UrlAfter?.StartsWith(fixture.Other.Origin, StringComparison.Ordinal));
        Assert.Equal(before, fixture.Other.Requests.Count(r => r == "GET /landing"));
    }

    [Fact]
    public async Task Open_RedirectWithinTheAllowedOrigin_IsFollowed()
    {
        BrowserCall call = fixture.NewCall();

        BrowserActionResult result = await fixture.Broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/redirect-home")));

        Assert.True(result.Outcome == BrowserOutcome.Succeeded, result.Reason);
        Assert.Equal(fixture.Allowed.Url("/second"), result.UrlAfter);
    }

    [Fact]
    public async Task Click_LinkThatLeadsOffOrigin_IsRefusedAndThePageStays()
    {
        BrowserCall call = fixture.NewCall();
        await fixture.Broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/page")));
        int before = fixture.Other.Requests.Count(r => r == "GET /landing");

        BrowserActionResult click = await fixture.Broker.RunAsync(call with { Step = "b2" }, new ClickAction(20, 100, 200, 40));

        Assert.True(click.Outcome == BrowserOutcome.Refused, $"{click.Outcome}: {click.Reason}");
        Assert.Equal("a", click.Target?.Tag);
        Assert.Equal(fixture.Allowed.Url("/page"), click.UrlAfter);
        Assert.Equal(before, fixture.Other.Requests.Count(r => r == "GET /landing"));
        await this.AssertScreenshotsStoredAsync(call.SessionId, click);
    }

    [Fact]
    public async Task Click_LinkOnTheSameOrigin_Navigates()
    {
        BrowserCall call = fixture.NewCall();
        await fixture.Broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/page")));

        BrowserActionResult click = await fixture.Broker.RunAsync(call with { Step = "b2" }, new ClickAction(20, 400, 200, 40));

        Assert.True(click.Outcome == BrowserOutcome.Succeeded, click.Reason);
        Assert.Equal(fixture.Allowed.Url("/second"), click.UrlAfter);
        Assert.NotEqual(click.Before!.Sha256, click.After!.Sha256);
    }

    [Theory]
    [InlineData(1270, 10, 50, 20)] // sticks out on the right of the 1280 px viewport
    [InlineData(10, 790, 20, 20)] // sticks out at the bottom
    [InlineData(-5, 10, 20, 20)]
    [InlineData(10, 10, 0, 20)] // no area
    public async Task Click_BoxNotInsideTheViewport_IsRefused(double x, double y, double width, double height)
    {
        BrowserCall call = fixture.NewCall();
        await fixture.Broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/page")));

        BrowserActionResult click = await fixture.Broker.RunAsync(call with { Step = "b2" }, new ClickAction(x, y, width, height));

        Assert.True(click.Outcome == BrowserOutcome.Refused, $"{click.Outcome}: {click.Reason}");
        Assert.Contains("viewport", click.Reason);
        Assert.Null(click.Target);
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task Click_SubmitOfAFormToAnotherOrigin_IsRefusedWithoutApproval()
    {
        BrowserCall call = fixture.NewCall();
        await fixture.Broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/form")));
        int before = fixture.Other.Requests.Count(r => r == "POST /collect");

        BrowserActionResult click = await fixture.Broker.RunAsync(call with { Step = "b2" }, new ClickAction(20, 200, 200, 40));

        Assert.True(click.Outcome == BrowserOutcome.Refused, $"{click.Outcome}: {click.Reason}");
        Assert.Contains("needs approval", click.Reason);
        Assert.Equal(fixture.Allowed.Url("/form"), click.UrlAfter);
        Assert.Equal(before, fixture.Other.Requests.Count(r => r == "POST /collect"));
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task Type_Secret_IsRefusedAndNothingReachesTheField()
    {
        BrowserCall call = fixture.NewCall();
        await fixture.Broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/page")));
        await fixture.Broker.RunAsync(call with { Step = "b2" }, new ClickAction(20, 200, 200, 40));

        BrowserActionResult secret = await fixture.Broker.RunAsync(call with { Step = "b3" }, new TypeAction("ghp_" + new string('a', 36)));
        BrowserActionResult key = await fixture.Broker.RunAsync(call with { Step = "b4" }, new TypeAction("api_key=abcd1234efgh"));
        BrowserActionResult plain = await fixture.Broker.RunAsync(call with { Step = "b5" }, new TypeAction("hello broker"));
        BrowserActionResult echo = await fixture.Broker.RunAsync(call with { Step = "b6" }, new ReadAction("#echo"));

        Assert.Equal(BrowserOutcome.Refused, secret.Outcome);
        Assert.Contains("secret", secret.Reason);
        Assert.Equal(BrowserOutcome.Refused, key.Outcome);
        Assert.Equal(BrowserOutcome.Succeeded, plain.Outcome);
        Assert.Equal("input", plain.Target?.Tag);
        Assert.Equal("echo:hello broker", echo.Text);
    }

    [Fact]
    public async Task Popup_FromThePage_IsNotOpened()
    {
        BrowserCall call = fixture.NewCall();
        await fixture.Broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/page")));

        BrowserActionResult click = await fixture.Broker.RunAsync(call with { Step = "b2" }, new ClickAction(20, 500, 200, 40));
        BrowserActionResult echo = await fixture.Broker.RunAsync(call with { Step = "b3" }, new ReadAction("#echo"));

        Assert.True(click.Outcome == BrowserOutcome.Succeeded, click.Reason);
        Assert.Equal("popup:blocked", echo.Text);
        Assert.Equal(fixture.Allowed.Url("/page"), echo.UrlAfter);
    }

    [Fact]
    public async Task Scroll_MovesThePage()
    {
        BrowserCall call = fixture.NewCall();
        await fixture.Broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/page")));

        BrowserActionResult scroll = await fixture.Broker.RunAsync(call with { Step = "b2" }, new ScrollAction(0, 100));

        Assert.Equal(BrowserOutcome.Succeeded, scroll.Outcome);
        Assert.NotNull(scroll.Scroll);
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task Actions_OverTheTurnCap_AreRefused()
    {
        BrowserCall call = fixture.NewCall(turn: 7);
        for (int i = 0; i < 40; i++)
        {
            await fixture.Broker.RunAsync(call with { Step = $"s{i}" }, new ScreenshotAction());
        }

        BrowserActionResult over = await fixture.Broker.RunAsync(call with { Step = "s40" }, new ScreenshotAction());
        BrowserActionResult nextTurn = await fixture.Broker.RunAsync(call with { Turn = 8, Step = "s0" }, new ScreenshotAction());

        Assert.Equal(BrowserOutcome.Refused, over.Outcome);
        Assert.Contains("Browser:MaxActionsPerTurn", over.Reason);
        Assert.Equal(BrowserOutcome.Succeeded, nextTurn.Outcome);
    }

    async Task AssertScreenshotsStoredAsync(string sessionId, params BrowserActionResult[] results)
    {
        foreach (BrowserActionResult result in results)
        {
            foreach (PayloadRef? shot in new[] { result.Before, result.After })
            {
                Assert.NotNull(shot);
                byte[]? stored = await fixture.Payloads.GetAsync(sessionId, shot.Sha256);
                Assert.NotNull(stored);
                Assert.Equal(shot.Bytes, stored.Length);
                Assert.Equal(PngSignature, stored.Take(4).ToArray());
            }
        }
    }

    internal static bool ProcessIsGone(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}

/// <summary>The per-session caps from settings, on a broker of their own with small caps.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserLimitTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Open_BeyondThePagesPerSession_IsRefused()
    {
        await using BrowserBroker broker = this.Broker(new BrowserOptions { AllowedOrigins = [fixture.Allowed.Origin], MaxPagesPerSession = 2 });
        BrowserCall call = fixture.NewCall();

        BrowserActionResult first = await broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/page")));
        BrowserActionResult second = await broker.RunAsync(call with { Step = "b2" }, new OpenAction(fixture.Allowed.Url("/second")));
        BrowserActionResult third = await broker.RunAsync(call with { Step = "b3" }, new OpenAction(fixture.Allowed.Url("/page")));

        Assert.Equal([BrowserOutcome.Succeeded, BrowserOutcome.Succeeded, BrowserOutcome.Refused], new[] { first.Outcome, second.Outcome, third.Outcome });
        Assert.Contains("Browser:MaxPagesPerSession", third.Reason);
        Assert.Equal(fixture.Allowed.Url("/second"), third.UrlAfter);
    }

    [Fact]
    public async Task Action_AfterTheSessionsBytesAreSpent_IsRefused()
    {
        await using BrowserBroker broker = this.Broker(new BrowserOptions { AllowedOrigins = [fixture.Allowed.Origin], MaxBytesPerSession = 4_096 });
        BrowserCall call = fixture.NewCall();

        BrowserActionResult first = await broker.RunAsync(call, new OpenAction(fixture.Allowed.Url("/page")));
        BrowserActionResult second = await broker.RunAsync(call with { Step = "b2" }, new ReadAction(null));

        Assert.Equal(BrowserOutcome.Succeeded, first.Outcome); // the cap is checked before an action: the first one spends it
        Assert.Equal(BrowserOutcome.Refused, second.Outcome);
        Assert.Contains("Browser:MaxBytesPerSession", second.Reason);
    }

    [Fact]
    public async Task SessionExpiry_ClosesTheSessionsBrowser()
    {
        BrowserCall call = fixture.NewCall();
        await fixture.Broker.RunAsync(call, new ScreenshotAction());
        int open = fixture.Broker.OpenSessions;
        var append = ActivatorUtilities.CreateInstance<AppendEventsActivity>(fixture.Services);

        await append.ExecuteAsync(new AppendEventsRequest(call.SessionId, [new EventDraft($"s-{call.SessionId}/session.expired", EventTypes.SessionExpired, call.SessionId, "idle")]));

        Assert.Equal(open - 1, fixture.Broker.OpenSessions);
    }

    BrowserBroker Broker(BrowserOptions options) =>
        new(Options.Create(options), fixture.Payloads, TimeProvider.System, NullLogger<BrowserBroker>.Instance);
}
