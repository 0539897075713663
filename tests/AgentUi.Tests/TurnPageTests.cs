using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentHost.Tests;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentUi.Tests;

/// <summary>The UI over a real turn: the sample ticket planned, run, stopped for approval, approved and finished.</summary>
[Collection(UiCollection.Name)]
public sealed class TurnPageTests(UiFixture ui, ITestOutputHelper output)
{
    [Fact]
    public async Task TurnPage_SampleTurnApprovedWhileOpen_ShowsPlanGraphPolicyApprovalAndTimeline()
    {
        // Arrange: a real turn through the API, up to its approval.
        var clock = Stopwatch.StartNew();
        string session = await ui.Http.CreateSessionAsync("""{"user":"dana","org":"contoso","title":"UI: TICKET-101"}""");
        Assert.Equal(HttpStatusCode.Accepted, (await ui.Http.SubmitTurnAsync(session, Api.Ticket101)).StatusCode);
        await ui.Http.WaitForTurnAsync(session, 1, Api.IsAwaitingApproval);
        output.WriteLine($"turn awaiting approval after {clock.ElapsedMilliseconds} ms");

        // Act 1: from the list to the session to the turn, as a person would.
        UiPage tab = await ui.OpenAsync("#/sessions");
        IPage page = tab.Page;
        ILocator row = page.Locator($"#sessions-table tbody tr[data-session=\"{session}\"]");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("dana");
        await Expect(row).ToContainTextAsync("contoso");
        await Expect(row).ToContainTextAsync("+ 1 running");
        await row.GetByRole(AriaRole.Link, new() { Name = session }).ClickAsync();
        await Expect(page.Locator("#pending")).ToContainTextAsync("pr");
        await page.Locator("#pending").GetByRole(AriaRole.Link, new() { Name = "Turn 1" }).ClickAsync();

        // Assert 1: the turn waits on pr, and the page says so.
        await Expect(page.Locator(".dag .node[data-node=\"pr\"]")).ToHaveAttributeAsync("data-status", "awaiting_approval");
        await Expect(page.Locator("#approvals")).ToContainTextAsync("Waiting for approval");
        await Expect(page.Locator(".live")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(UiFixture.Artifacts, "turn-awaiting-approval.png"), FullPage = true });

        // Act 2: approve through the API while the page is open; the page follows the turn by itself.
        HttpResponseMessage approved = await ui.Http.PostJsonAsync($"api/sessions/{session}/turns/1/approvals",
            """{"decision":"approve","approver":"lee","rationale":"diff is minimal and tested"}""");
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        JsonElement turn = await ui.Http.WaitForTurnAsync(session, 1, Api.IsCompleted);
        output.WriteLine($"turn completed after {clock.ElapsedMilliseconds} ms");
        await Expect(page.Locator(".dag .node[data-node=\"pr\"]")).ToHaveAttributeAsync("data-status", "succeeded", new() { Timeout = 30_000 });
        await Expect(page.Locator(".live")).ToHaveCountAsync(0);

        // Assert 2: plan goal, the graph (6 nodes, their statuses, their edges), approvals, timeline.
        JsonElement[] graph = [.. turn.GetProperty("graph").EnumerateArray()];
        Assert.Equal(6, graph.Length);
        await Expect(page.Locator("#plan-goal")).ToHaveTextAsync(turn.GetProperty("plan").GetProperty("plan").GetProperty("goal").GetString()!);
        await Expect(page.Locator(".dag .node")).ToHaveCountAsync(6);
        foreach (JsonElement node in graph)
        {
            await Expect(page.Locator($".dag .node[data-node=\"{node.GetProperty("id").GetString()}\"]"))
                .ToHaveAttributeAsync("data-status", node.GetProperty("status").GetString()!);
        }

        await Expect(page.Locator(".dag .edge")).ToHaveCountAsync(graph.Sum(n => n.GetProperty("dependsOn").GetArrayLength()));
        ILocator approvals = page.Locator("#approvals-table tbody tr");
        await Expect(approvals).ToHaveCountAsync(1);
        await Expect(approvals.Locator("td.approver")).ToHaveTextAsync("lee");
        await Expect(approvals).ToContainTextAsync("approved");
        await Expect(approvals).ToContainTextAsync("diff is minimal and tested");
        ILocator completed = page.Locator("#timeline-list li[data-type=\"turn.completed\"]");
        await Expect(completed).ToHaveCountAsync(1);
        await Expect(completed).ToContainTextAsync(turn.GetProperty("summary").GetString()!);

        // Act 3: select the pr node.
        await page.Locator(".dag .node[data-node=\"pr\"]").ClickAsync();

        // Assert 3: its policy decision and rule, the approval who/when/why, the output and its payload.
        JsonElement pr = graph.Single(n => n.GetProperty("id").GetString() == "pr");
        ILocator details = page.Locator("#node-details");
        await Expect(page.Locator(".dag .node[data-node=\"pr\"]")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(details.Locator("h2")).ToContainTextAsync("pr");
        await Expect(details.Locator("#node-policy .badge.decision-require_approval").First).ToHaveTextAsync("require approval");
        await Expect(details.Locator("#node-rules")).ToContainTextAsync("approve-publishing");
        await Expect(details.Locator("#node-policy-version")).ToHaveTextAsync(pr.GetProperty("policy").GetProperty("policyVersion").GetString()!);
        ILocator approval = details.Locator("#node-approval");
        await Expect(approval.Locator(".badge.resolution-approved")).ToBeVisibleAsync();
        await Expect(approval).ToContainTextAsync("lee");
        await Expect(approval).ToContainTextAsync("diff is minimal and tested");
        await Expect(approval.Locator("time").First).ToHaveAttributeAsync("datetime", turn.GetProperty("approvals")[0].GetProperty("resolvedAt").GetString()!);
        await Expect(details.Locator("#node-output")).ToHaveTextAsync(pr.GetProperty("outputPreview").GetString()!);
        Assert.EndsWith("?node=pr", page.Url, StringComparison.Ordinal);
        string payload = (await details.Locator("#node-payload").GetAttributeAsync("href"))!;
        HttpResponseMessage full = await ui.Http.GetAsync(payload.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(pr.GetProperty("output").GetProperty("bytes").GetInt64(), (await full.Content.ReadAsByteArrayAsync()).LongLength);
        await page.ScreenshotAsync(new() { Path = Path.Combine(UiFixture.Artifacts, "turn.png"), FullPage = true });

        // Act 4: a node chosen with the keyboard; the replay panel asked on a host without replay.
        await page.Locator(".dag .node[data-node=\"draft\"]").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(details.Locator("h2")).ToContainTextAsync("draft");
        await Expect(details.Locator("#node-facts")).ToContainTextAsync("draft_patch");
        await Expect(details.Locator("#node-facts")).ToContainTextAsync("Tokens");
        await page.Locator("#replay-run").ClickAsync();

        // Assert 4: no diff is made up.
        await Expect(page.Locator("#replay-result .unavailable")).ToHaveTextAsync("replay not available on this host");
        await Expect(page.Locator("#replay-result")).ToContainTextAsync("HTTP 404");

        // And the list now shows the session idle with its one turn.
        await page.GotoAsync(new Uri(ui.BaseAddress, "#/sessions").ToString());
        await Expect(row.Locator(".badge")).ToHaveTextAsync("idle");
        await Expect(row.Locator("td.num")).ToHaveTextAsync("1");
        await page.ScreenshotAsync(new() { Path = Path.Combine(UiFixture.Artifacts, "sessions.png"), FullPage = true });
        tab.AssertNoScriptErrors();
        Assert.Empty(ui.OffOriginRequests);
        output.WriteLine($"done after {clock.ElapsedMilliseconds} ms; screenshots in {UiFixture.Artifacts}");
    }

    [Fact]
    public async Task SessionsPage_TitleWithMarkup_ShowsItAsText()
    {
        // Arrange
        const string title = """<img src=x onerror="window.__injected=1"><b>bold</b>""";
        string session = await ui.Http.CreateSessionAsync(JsonSerializer.Serialize(new { user = "eve", org = "contoso", title }));

        // Act
        UiPage tab = await ui.OpenAsync("#/sessions");
        ILocator row = tab.Page.Locator($"#sessions-table tbody tr[data-session=\"{session}\"]");
        await Expect(row).ToBeVisibleAsync();

        // Assert
        await Expect(row.Locator("td").First).ToHaveTextAsync(title);
        await Expect(row.Locator("img, b")).ToHaveCountAsync(0);
        await tab.Page.GotoAsync(new Uri(ui.BaseAddress, $"#/sessions/{session}").ToString());
        await Expect(tab.Page.Locator(".lead")).ToHaveTextAsync(title);
        Assert.Equal(0, await tab.Page.Locator("main img, main b").CountAsync());
        Assert.True(await tab.Page.EvaluateAsync<bool>("() => window.__injected === undefined"));
        tab.AssertNoScriptErrors();
    }

    [Fact]
    public async Task TurnPage_UnknownSession_ShowsTheApisNotFound()
    {
        // Act
        UiPage tab = await ui.OpenAsync("ui/#/sessions/nosuchsession1/turns/1");

        // Assert
        await Expect(tab.Page.Locator("main h1")).ToHaveTextAsync("Not found");
        await Expect(tab.Page.Locator("main [role=alert]")).ToContainTextAsync("No such");
        await Expect(tab.Page.Locator("main [role=alert]")).ToContainTextAsync("HTTP 404");
        tab.AssertNoScriptErrors();
    }

    [Fact]
    public async Task UiFiles_RootAndUiPath_ServedWithContentSecurityPolicy()
    {
        // Act
        HttpResponseMessage root = await ui.Http.GetAsync("/");
        HttpResponseMessage script = await ui.Http.GetAsync("ui/app.js");
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = ui.BaseAddress };
        HttpResponseMessage bare = await noRedirect.GetAsync("ui");

        // Assert
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal("text/html", root.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", root.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Matches(new Regex("javascript"), script.Content.Headers.ContentType?.MediaType ?? string.Empty);
        Assert.Equal(HttpStatusCode.MovedPermanently, bare.StatusCode);
        Assert.EndsWith("/ui/", bare.Headers.Location?.ToString(), StringComparison.Ordinal);
        string html = await root.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(new Regex(@"(src|href)=""(https?:)?//", RegexOptions.IgnoreCase), html);
    }
}
