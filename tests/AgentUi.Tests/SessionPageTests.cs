using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentHost.Tests;
using Agents.Core.Sessions;
using Agents.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentUi.Tests;

/// <summary>
/// The replay UI over real sessions on a real host: the sample ticket planned, run, stopped for approval, approved and
/// finished, then looked at the way a reviewer would, from the sessions list to a step's policy decision and approval.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class SessionPageTests(UiFixture ui, ITestOutputHelper output)
{
    /// <summary>A colleague of the pages' user (same org) who may approve.</summary>
    static readonly Caller Lee = new("lee", HostProcess.DefaultCaller.Org, ["approver"]);

    [Fact]
    public async Task SessionPage_SampleTurnApprovedWhileOpen_ShowsListGraphPolicyApprovalAndTimeline()
    {
        // Arrange: a real turn through the API, up to its approval.
        var clock = Stopwatch.StartNew();
        string session = await ui.Http.CreateSessionAsync("""{"user":"dana","org":"contoso","title":"UI: TICKET-101"}""");
        Assert.Equal(HttpStatusCode.Accepted, (await ui.Http.SubmitTurnAsync(session, Api.Ticket101)).StatusCode);
        await ui.Http.WaitForTurnAsync(session, 1, Api.IsAwaitingApproval);
        output.WriteLine($"turn awaiting approval after {clock.ElapsedMilliseconds} ms");

        // Act 1: from the list to the session's page, as a person would.
        UiPage tab = await ui.OpenAsync("ui/");
        IPage page = tab.Page;
        ILocator row = page.Locator($"#sessions-table tbody tr[data-session=\"{session}\"]");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("dana");
        await Expect(row).ToContainTextAsync("contoso");
        await Expect(row.Locator("td.turns")).ToHaveTextAsync("0 + 1 running");
        await row.GetByRole(AriaRole.Link, new() { Name = session }).ClickAsync();

        // Assert 1: the address others link to, and the turn waiting on pr.
        await Expect(page).ToHaveURLAsync(new Uri(ui.BaseAddress, $"ui/session.html?id={session}").ToString());
        await Expect(page.Locator(".dag .node[data-node=\"pr\"]")).ToHaveAttributeAsync("data-status", "awaiting_approval");
        await Expect(page.Locator("#pending")).ToContainTextAsync("pr");
        await Expect(page.Locator("#approvals")).ToContainTextAsync("Waiting for approval");
        await page.ScreenshotAsync(new() { Path = Path.Combine(UiFixture.Artifacts, "session-awaiting-approval.png"), FullPage = true });

        // Act 2: approve through the API while the page is open; the page follows the turn by itself.
        HttpResponseMessage approved = await ui.ClientAs(Lee).PostJsonAsync($"api/sessions/{session}/turns/1/approvals",
            """{"decision":"approve","rationale":"diff is minimal and tested"}""");
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        JsonElement turn = await ui.Http.WaitForTurnAsync(session, 1, Api.IsCompleted);
        output.WriteLine($"turn completed after {clock.ElapsedMilliseconds} ms");
        await Expect(page.Locator(".dag .node[data-node=\"pr\"]")).ToHaveAttributeAsync("data-status", "succeeded", new() { Timeout = 30_000 });
        await Expect(page.Locator(".live")).ToHaveCountAsync(0);

        // Assert 2: one node per plan step with its status, one edge per dependency, the turn's events in order.
        JsonElement[] steps = [.. turn.GetProperty("plan").GetProperty("plan").GetProperty("steps").EnumerateArray()];
        JsonElement[] graph = [.. turn.GetProperty("graph").EnumerateArray()];
        Assert.True(steps.Length >= 2, "the sample plan has several steps");
        await Expect(page.Locator(".dag .node")).ToHaveCountAsync(steps.Length);
        foreach (JsonElement node in graph)
        {
            await Expect(page.Locator($".dag .node[data-node=\"{node.GetProperty("id").GetString()}\"]"))
                .ToHaveAttributeAsync("data-status", node.GetProperty("status").GetString()!);
        }

        int dependencies = graph.Sum(n => n.GetProperty("dependsOn").GetArrayLength());
        Assert.True(dependencies > 0);
        await Expect(page.Locator(".dag .edge")).ToHaveCountAsync(dependencies);
        // The session settles the turn after it completes: once it is idle, the turn's events are all in the log.
        await Eventually.MatchAsync(async () => await (await ui.Http.GetAsync($"api/sessions/{session}")).JsonAsync(),
            s => s.GetProperty("status").GetString() == "idle", TimeSpan.FromSeconds(30), "session idle");
        await page.ReloadAsync();
        await Expect(page.Locator("#plan-goal")).ToHaveTextAsync(turn.GetProperty("plan").GetProperty("plan").GetProperty("goal").GetString()!);
        // The API serves the input redacted: the reporter's email address never reaches the page.
        await Expect(page.Locator("#turn-input")).ToHaveTextAsync(Agents.Core.Redaction.Redactor.Default.Redact(Api.Ticket101));
        await Expect(page.Locator("#turn-input")).Not.ToContainTextAsync("ops@contoso.example");

        string[] logged = await TurnEventTypesAsync(session, 1);
        ILocator events = page.Locator("#timeline-list li.event");
        await Expect(events).ToHaveCountAsync(logged.Length);
        Assert.Equal(logged, await events.EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.type)"));
        Assert.Contains("approval.resolved", logged);
        await Expect(page.Locator("#timeline-list li[data-type=\"turn.completed\"] .summary")).ToContainTextAsync(turn.GetProperty("summary").GetString()!);

        // Act 3: select the pr node.
        await page.Locator(".dag .node[data-node=\"pr\"]").ClickAsync();

        // Assert 3: its policy decision, rule and version, the approval (who, when, why), tokens, cost and latency.
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
        await Expect(details.Locator("#node-facts")).ToContainTextAsync("none (no model call)");
        await Expect(page).ToHaveURLAsync(new Uri(ui.BaseAddress, $"ui/session.html?id={session}&turn=1&node=pr").ToString());
        await page.ScreenshotAsync(new() { Path = Path.Combine(UiFixture.Artifacts, "session.png"), FullPage = true });

        // Act 4: a model-using node chosen with the keyboard.
        await page.Locator(".dag .node[data-node=\"draft\"]").FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        // Assert 4
        await Expect(details.Locator("h2")).ToContainTextAsync("draft");
        await Expect(details.Locator("#node-facts")).ToContainTextAsync("draft_patch");
        JsonElement draftTokens = graph.Single(n => n.GetProperty("id").GetString() == "draft").GetProperty("tokens");
        await Expect(details.Locator("#node-facts")).ToContainTextAsync($"{draftTokens.GetProperty("inputTokens").GetInt32():N0} in · {draftTokens.GetProperty("outputTokens").GetInt32():N0} out");
        await Expect(details.Locator("#node-facts dt", new() { HasText = "Cost" })).ToHaveCountAsync(1);
        await Expect(details.Locator("#node-facts dt", new() { HasText = "Latency" })).ToHaveCountAsync(1);

        // And the list now shows the session idle with its turn, tokens and cost.
        await page.GotoAsync(new Uri(ui.BaseAddress, "ui/").ToString());
        JsonElement listed = (await (await ui.Http.GetAsync("api/sessions?limit=100")).JsonAsync()).GetProperty("sessions").EnumerateArray()
            .Single(s => s.GetProperty("sessionId").GetString() == session);
        Assert.True(listed.GetProperty("tokens").GetInt32() > 0);
        await Expect(row.Locator(".badge")).ToHaveTextAsync("idle");
        await Expect(row.Locator("td.turns")).ToHaveTextAsync("1");
        await Expect(row.Locator("td.tokens")).ToHaveTextAsync(listed.GetProperty("tokens").GetInt32().ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en-US")));
        await Expect(row.Locator("td.cost")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\$0\.\d+$"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(UiFixture.Artifacts, "sessions.png"), FullPage = true });
        tab.AssertNoScriptErrors();
        Assert.Empty(ui.OffOriginRequests);
        output.WriteLine($"done after {clock.ElapsedMilliseconds} ms; screenshots in {UiFixture.Artifacts}");
    }

    [Fact]
    public async Task SessionPage_MarkupInTicketAndTitle_ShowsItAsText()
    {
        // Arrange: markup that would run script if it were ever parsed as HTML.
        const string markup = """<img src=x onerror="window.__injected=1"><b>bold</b>""";
        string ticket = $"# TICKET-666 {markup}\n\nPlease look at {markup} today.";
        HttpClient eve = ui.ClientAs(new Caller("eve", HostProcess.DefaultCaller.Org, []));
        string session = await eve.CreateSessionAsync(JsonSerializer.Serialize(new { title = markup }));
        Assert.Equal(HttpStatusCode.Accepted, (await eve.SubmitTurnAsync(session, ticket)).StatusCode);

        // Act
        UiPage tab = await ui.OpenAsync("ui/");
        ILocator row = tab.Page.Locator($"#sessions-table tbody tr[data-session=\"{session}\"]");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.Locator("td").First).ToHaveTextAsync(markup);
        await tab.Page.GotoAsync(new Uri(ui.BaseAddress, $"ui/session.html?id={session}").ToString());

        // Assert
        await Expect(tab.Page.Locator(".lead")).ToHaveTextAsync(markup);
        await Expect(tab.Page.Locator("#turn-input")).ToHaveTextAsync(ticket);
        Assert.Equal(0, await tab.Page.Locator("img, b").CountAsync());
        Assert.True(await tab.Page.EvaluateAsync<bool>("() => window.__injected === undefined"));
        tab.AssertNoScriptErrors();
    }

    [Fact]
    public async Task SessionPage_ReplayOfARecordedSession_ShowsSameVerdictThenHighlightsChangedSteps()
    {
        // Arrange: a real approved turn, replayed for real with its recorded tool outputs.
        string original = await ui.Http.CreateSessionAsync("""{"user":"dana","org":"contoso","title":"to replay"}""");
        await ui.Http.SubmitTurnAsync(original, Api.Ticket101);
        await ui.Http.WaitForTurnAsync(original, 1, Api.IsAwaitingApproval);
        await ui.ClientAs(Lee).PostJsonAsync($"api/sessions/{original}/turns/1/approvals", """{"decision":"approve"}""");
        await ui.Http.WaitForTurnAsync(original, 1, Api.IsCompleted);
        HttpResponseMessage started = await ui.Http.PostJsonAsync($"api/sessions/{original}/replay", """{"tools":"recorded"}""");
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        string replay = (await started.JsonAsync()).GetProperty("replay_session").GetString()!;
        JsonElement realDiff = await Eventually.MatchAsync(
            async () => (await ui.Http.GetAsync($"api/sessions/{replay}/replay/diff")) is { StatusCode: HttpStatusCode.OK } r ? await r.JsonAsync() : default,
            d => d.ValueKind == JsonValueKind.Object && d.GetProperty("complete").GetBoolean(), TimeSpan.FromSeconds(90), "replay complete");
        Assert.True(realDiff.GetProperty("same").GetBoolean(), realDiff.GetRawText());

        // Act 1: the replay's page, as the API serves it.
        UiPage tab = await ui.OpenAsync($"ui/session.html?id={replay}");
        IPage page = tab.Page;

        // Assert 1
        await Expect(page.Locator("#replay-verdict")).ToHaveTextAsync("same plan, same decisions, same outcome");
        await Expect(page.Locator("#replay-original")).ToHaveAttributeAsync("href", $"session.html?id={original}");
        await Expect(page.Locator("#replay-facts")).ToContainTextAsync("recorded");
        await Expect(page.Locator(".dag .node")).ToHaveCountAsync(6);
        await Expect(page.Locator(".dag .node[data-changed]")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Path.Combine(UiFixture.Artifacts, "replay-same.png"), FullPage = true });

        // Act 2: a differing diff needs another policy version on the host (AgentHost.Tests' ReplayTests make one); here
        // the browser gets the real diff with one change added, to check how changes are drawn.
        JsonObject differs = JsonNode.Parse(realDiff.GetRawText())!.AsObject();
        differs["same"] = false;
        JsonObject turn1 = differs["turns"]![0]!.AsObject();
        turn1["same"] = false;
        turn1["changes"] = new JsonArray(new JsonObject
        {
            ["kind"] = "decision", ["step"] = "pr", ["original"] = "require_approval", ["replay"] = "forbid",
            ["detail"] = "a stricter policy forbids publishing",
        });
        await page.RouteAsync($"**/api/sessions/{replay}/replay/diff", route =>
            route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = differs.ToJsonString() }));
        await page.ReloadAsync();

        // Assert 2: the change listed, the pr node marked, and the change shown with the node's details.
        await Expect(page.Locator("#replay-verdict")).ToHaveTextAsync("differs from the original in 1 of 1 turns");
        await Expect(page.Locator("#replay-changes li.change[data-kind=\"decision\"][data-step=\"pr\"]")).ToContainTextAsync("require_approval → forbid");
        await Expect(page.Locator(".dag .node[data-changed=\"true\"]")).ToHaveCountAsync(1);
        await Expect(page.Locator(".dag .node[data-node=\"pr\"]")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bchanged\b"));
        await page.Locator(".dag .node[data-node=\"pr\"]").ClickAsync();
        await Expect(page.Locator("#node-changes")).ToContainTextAsync("a stricter policy forbids publishing");
        await page.ScreenshotAsync(new() { Path = Path.Combine(UiFixture.Artifacts, "replay-diff.png"), FullPage = true });
        tab.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Pages_WithoutAToken_ShowTheSignInPanelAndNoData()
    {
        // Arrange: a session the pages would show to a signed-in user of its org.
        const string title = "UI: not for the signed out";
        string session = await ui.Http.CreateSessionAsync(JsonSerializer.Serialize(new { title }));

        // Act
        UiPage list = await ui.OpenSignedOutAsync("ui/");
        UiPage one = await ui.OpenSignedOutAsync($"ui/session.html?id={session}");

        // Assert: the panel with the hint, and nothing of the API's data.
        foreach (UiPage tab in new[] { list, one })
        {
            await Expect(tab.Page.Locator("#signin")).ToBeVisibleAsync();
            await Expect(tab.Page.Locator("#signin-hint")).ToHaveTextAsync("scripts/agent token --user <you> --org <org> --roles approver");
            await Expect(tab.Page.Locator("#signin-token")).ToBeFocusedAsync();
            await Expect(tab.Page.Locator("#sessions-table, #session-facts, #turn-view")).ToHaveCountAsync(0);
            Assert.DoesNotContain(session, await tab.Page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain(title, await tab.Page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
            tab.AssertNoScriptErrors();
        }

        // And a pasted token signs the tab in.
        await list.Page.Locator("#signin-token").FillAsync(ui.Mint(HostProcess.DefaultCaller));
        await list.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(list.Page.Locator($"#sessions-table tbody tr[data-session=\"{session}\"]")).ToContainTextAsync(title);
        list.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Pages_TokenInTheAddress_IsTakenOutOfIt_AndARefusedTokenAsksAgain()
    {
        // Act
        UiPage good = await ui.OpenAsync("ui/");
        UiPage refused = await ui.OpenSignedOutAsync("ui/#token=not-a-token");

        // Assert
        await Expect(good.Page.Locator("#sessions-table, main .empty").First).ToBeVisibleAsync();
        await Expect(good.Page).ToHaveURLAsync(new Uri(ui.BaseAddress, "ui/").ToString());
        await Expect(refused.Page.Locator("#signin [role=alert]")).ToContainTextAsync("HTTP 401");
        await Expect(refused.Page).ToHaveURLAsync(new Uri(ui.BaseAddress, "ui/").ToString());
        Assert.Null(await refused.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('agentfunctions.token')"));
        good.AssertNoScriptErrors();
        refused.AssertNoScriptErrors();
    }

    [Fact]
    public async Task SessionPage_UnknownSession_ShowsTheApisNotFound()
    {
        // Act
        UiPage tab = await ui.OpenAsync("ui/session.html?id=nosuchsession1");

        // Assert
        await Expect(tab.Page.Locator("main h1")).ToHaveTextAsync("Not found");
        await Expect(tab.Page.Locator("main [role=alert]")).ToContainTextAsync("HTTP 404");
        tab.AssertNoScriptErrors();
    }

    [Fact]
    public async Task UiFiles_UiPath_ServedWithContentSecurityPolicyAndRootRedirectsThere()
    {
        // Act
        HttpResponseMessage list = await ui.Http.GetAsync("ui/");
        HttpResponseMessage session = await ui.Http.GetAsync("ui/session.html?id=abc");
        HttpResponseMessage script = await ui.Http.GetAsync("ui/app.js");
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = ui.BaseAddress };
        HttpResponseMessage bare = await noRedirect.GetAsync("ui");
        HttpResponseMessage root = await noRedirect.GetAsync("/");

        // Assert
        foreach (HttpResponseMessage page in new[] { list, session })
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("default-src 'self';", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.DoesNotMatch(@"(src|href)=""(https?:)?//", await page.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("javascript", script.Content.Headers.ContentType?.MediaType ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.MovedPermanently, bare.StatusCode);
        Assert.EndsWith("/ui/", bare.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/ui/", root.Headers.Location?.ToString());
    }

    async Task<string[]> TurnEventTypesAsync(string session, int turn)
    {
        string lines = await ui.Http.GetStringAsync($"api/sessions/{session}/events");
        return [.. lines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("turn", out JsonElement t) && t.ValueKind == JsonValueKind.Number && t.GetInt32() == turn)
            .Select(e => e.GetProperty("type").GetString()!)];
    }
}
