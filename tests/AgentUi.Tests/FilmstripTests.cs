using System.Text;
using System.Text.Json.Nodes;
using AgentHost.Tests;
using Agents.Core.Contracts;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentUi.Tests;

/// <summary>
/// The filmstrip of a turn's browser steps. The sample turn has no browser step, so the turn the page reads is the real
/// one with two of its steps presented as browser steps (the turn and event responses rewritten in the page): their
/// screenshots are real PNGs, stored in the session's payload store and served by the host's payload API with the token.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class FilmstripTests(UiFixture ui)
{
    [Fact]
    public async Task SessionPage_TurnWithBrowserSteps_ShowsBeforeAndAfterScreenshotsAsAFilmstrip()
    {
        // Arrange: a real turn, and a before and an after screenshot of a page per browser step, in the session's payloads.
        string session = await ui.Http.CreateSessionAsync("""{"user":"dana","org":"contoso","title":"UI: filmstrip"}""");
        await ui.Http.SubmitTurnAsync(session, Api.Ticket101);
        JsonNode turn = JsonNode.Parse((await ui.Http.WaitForTurnAsync(session, 1, Api.IsAwaitingApproval)).GetRawText())!;
        JsonArray graph = turn["graph"]!.AsArray();
        string[] steps = [.. graph.Take(2).Select(n => n!["id"]!.GetValue<string>())];
        string[] tools = ["browser_open", "browser_click"];
        var events = new StringBuilder();
        for (int i = 0; i < steps.Length; i++)
        {
            JsonNode node = graph.Single(n => n!["id"]!.GetValue<string>() == steps[i])!;
            node["tool"] = tools[i];
            var attachments = new JsonObject();
            foreach (string when in new[] { "before", "after" })
            {
                PayloadRef png = await ui.Payloads.PutAsync(session, await PageShotAsync($"{steps[i]} {when}"), "image/png");
                attachments[$"screenshot_{when}"] = new JsonObject
                {
                    ["sha256"] = png.Sha256, ["bytes"] = png.Bytes, ["contentType"] = png.ContentType, ["kind"] = "screenshot",
                };
            }

            node["attachments"] = attachments;
            events.Append(new JsonObject
            {
                ["seq"] = 10_000 + i, ["time"] = "2026-11-26T10:00:00Z", ["turn"] = 1, ["type"] = "browser.action", ["step"] = steps[i],
                ["summary"] = $"{tools[i]} succeeded",
                ["outputs"] = new JsonObject { ["url"] = $"http://127.0.0.1:8081/page-{i}", ["outcome"] = "succeeded" },
            }.ToJsonString()).Append('\n');
        }

        UiPage tab = await ui.OpenAsync($"ui/session.html?id={session}&turn=1");
        IPage page = tab.Page;
        await Expect(page.Locator(".dag .node").First).ToBeVisibleAsync();
        await page.RouteAsync($"**/api/sessions/{session}/turns/1", route =>
            route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = turn.ToJsonString() }));
        await page.RouteAsync($"**/api/sessions/{session}/events", async route =>
        {
            IAPIResponse real = await route.FetchAsync();
            await route.FulfillAsync(new() { Response = real, Body = await real.TextAsync() + events });
        });

        // Act
        await page.ReloadAsync();

        // Assert: one frame per browser step in plan order, two loaded images each, the step's tool, URL and outcome.
        ILocator frames = page.Locator("#filmstrip-list .frame");
        await Expect(frames).ToHaveCountAsync(steps.Length);
        Assert.Equal(steps, await frames.EvaluateAllAsync<string[]>("fs => fs.map(f => f.dataset.node)"));
        for (int i = 0; i < steps.Length; i++)
        {
            ILocator frame = frames.Nth(i);
            await Expect(frame.Locator("img.shot")).ToHaveCountAsync(2);
            await Expect(frame.GetByAltText($"{steps[i]} before")).ToBeVisibleAsync();
            await Expect(frame.GetByAltText($"{steps[i]} after")).ToBeVisibleAsync();
            await Expect(frame.Locator(".tool")).ToHaveTextAsync(tools[i]);
            await Expect(frame.Locator(".url")).ToHaveTextAsync($"http://127.0.0.1:8081/page-{i}");
            await Expect(frame.Locator(".badge")).ToHaveTextAsync("succeeded");
        }

        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#filmstrip-list img.shot')].every(i => i.complete && i.naturalWidth > 0)");
        Assert.True(await page.EvaluateAsync<bool>("() => [...document.querySelectorAll('#filmstrip-list img.shot')].every(i => i.src.startsWith('blob:'))"));

        // Act 2: a frame selects its step, whose details show the same screenshots.
        await frames.Nth(1).ClickAsync();

        // Assert 2
        await Expect(frames.Nth(1)).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator(".dag .node[data-node=\"" + steps[1] + "\"]")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator("#node-details h2")).ToContainTextAsync(steps[1]);
        await Expect(page.Locator("#node-screenshots img.shot")).ToHaveCountAsync(2);
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#node-screenshots img.shot')].every(i => i.complete && i.naturalWidth > 0)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(UiFixture.Artifacts, "filmstrip.png"), FullPage = true });
        tab.AssertNoScriptErrors();
        Assert.Empty(ui.OffOriginRequests);
    }

    /// <summary>A real PNG: a screenshot, by the test's Chromium, of a page saying <paramref name="text"/>.</summary>
    async Task<byte[]> PageShotAsync(string text)
    {
        IPage shot = await ui.NewBlankPageAsync();
        try
        {
            await shot.SetViewportSizeAsync(640, 400);
            await shot.SetContentAsync($"<body style=\"font: 40px sans-serif; background: #eef\"><h1>{System.Net.WebUtility.HtmlEncode(text)}</h1></body>");
            return await shot.ScreenshotAsync();
        }
        finally
        {
            await shot.CloseAsync();
        }
    }
}
