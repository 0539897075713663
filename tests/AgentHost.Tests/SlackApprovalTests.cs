using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Core.Slack;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>Approvals in Slack: the Block Kit message, the signed webhook, Approve and Revise, and everything that must change nothing.</summary>
[Collection(SlackCollection.Name)]
public sealed class SlackApprovalTests(SlackFixture fixture)
{
    async Task<(string SessionId, JsonElement Turn, SimulatedMessageView Message)> WaitingTurnAsync()
    {
        (string sessionId, JsonElement turn, Agents.Edge.SimulatedMessage message) = await fixture.WaitingTurnAsync();
        return (sessionId, turn, new SimulatedMessageView(message));
    }

    [Fact]
    public async Task RequestApproval_PostsOneBlockKitMessageWithApproveAndReviseAndTheEvidence()
    {
        (string sessionId, JsonElement turn, SimulatedMessageView message) = await WaitingTurnAsync();

        string posted = message.Message.Posted.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Assert.Equal("#approvals-test", (string?)message.Message.Posted["channel"]);
        Assert.Equal(["approve", "revise", "view_session"], SlackFixture.Buttons(message.Message).Select(b => (string)b["action_id"]!));
        JsonObject view = SlackFixture.Buttons(message.Message).Single(b => (string?)b["action_id"] == "view_session");
        Assert.Equal($"{fixture.PublicBaseUrl}/ui/session.html?id={sessionId}", (string?)view["url"]);
        Assert.Null(view["value"]); // a link, not a decision
        Assert.Contains("open_pull_request", posted);
        Assert.Contains("approve-publishing", posted); // the policy's reason
        Assert.Contains("Patch: `inventory/pagination.py`, `tests/test_pagination.py` (+6 −1)", posted);
        Assert.Contains("Tests: Ran 7 tests in", posted);
        Assert.Contains(" · OK", posted);
        Assert.Contains("So far:", posted);
        Assert.Contains(turn.GetProperty("pendingApproval").GetProperty("approvalId").GetString()!, posted);
        Assert.Equal((string?)message.Message.Posted["ts"] ?? message.Message.Ts, turn.GetProperty("pendingApproval").GetProperty("notice").GetProperty("messageId").GetString());
        await this.CleanUpAsync(sessionId);
    }

    [Fact]
    public async Task Approve_SignedClick_ResumesTheTurnRecordsTheSlackUserAndUpdatesTheMessage()
    {
        (string sessionId, _, SimulatedMessageView message) = await WaitingTurnAsync();
        string value = (string)SlackFixture.Buttons(message.Message).Single(b => (string?)b["action_id"] == "approve")["value"]!;
        string click = Guid.NewGuid().ToString("N");

        HttpResponseMessage ack = await fixture.PostAsync(fixture.Click("approve", value, click: click));
        JsonElement done = await fixture.Http.WaitForTurnAsync(sessionId, 1, Api.IsCompleted);

        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal("completed", done.GetProperty("outcome").GetString());
        JsonElement approval = done.GetProperty("approvals").EnumerateArray().Single();
        Assert.Equal("slack:U123:alice", approval.GetProperty("approver").GetString());
        Assert.Equal("slack", approval.GetProperty("channel").GetString());
        Assert.StartsWith("Approved pr", await fixture.ResponseAsync(click));
        await Eventually.MatchAsync(() => Task.FromResult(message.Message.Updates.Count), n => n > 0, TimeSpan.FromSeconds(10), "message updated");
        string updated = message.Message.Current.ToJsonString();
        Assert.Contains("approved by <@U123>", updated.Replace("\\u003C", "<").Replace("\\u003E", ">"));
        Assert.DoesNotContain("\"actions\"", updated); // the buttons are gone

        // Clicking again changes nothing and says so.
        string again = Guid.NewGuid().ToString("N");
        await fixture.PostAsync(fixture.Click("approve", value, click: again));
        Assert.StartsWith("Nothing changed", await fixture.ResponseAsync(again));
        JsonElement after = await (await fixture.Http.GetAsync($"api/sessions/{sessionId}/turns/1")).JsonAsync();
        Assert.Single(after.GetProperty("approvals").EnumerateArray());
    }

    [Fact]
    public async Task Revise_OpensTheModalAndItsSubmissionReplansWithTheRationale()
    {
        (string sessionId, _, SimulatedMessageView message) = await WaitingTurnAsync();
        string value = (string)SlackFixture.Buttons(message.Message).Single(b => (string?)b["action_id"] == "revise")["value"]!;
        int viewsBefore = fixture.Slack.Views.Count;

        await fixture.PostAsync(fixture.Click("revise", value));
        JsonObject view = (await Eventually.MatchAsync(() => Task.FromResult(fixture.Slack.Views.Skip(viewsBefore).LastOrDefault()), v => v is not null, TimeSpan.FromSeconds(10), "modal"))!;
        HttpResponseMessage submitted = await fixture.PostAsync(new JsonObject
        {
            ["type"] = "view_submission",
            ["user"] = new JsonObject { ["id"] = "U123", ["username"] = "alice" },
            ["view"] = new JsonObject
            {
                ["callback_id"] = SlackInteractions.ReviseCallback,
                ["private_metadata"] = (string?)view["private_metadata"],
                ["state"] = new JsonObject { ["values"] = new JsonObject { ["rationale"] = new JsonObject { ["value"] = new JsonObject { ["value"] = "Also add a changelog note to the README" } } } },
            },
        });
        JsonElement revised = await fixture.Http.WaitForTurnAsync(sessionId, 1, t => t.GetProperty("revision").GetInt32() == 1 && Api.IsAwaitingApproval(t));

        Assert.Equal("""{"response_action":"clear"}""", await submitted.Content.ReadAsStringAsync());
        Assert.Equal(SlackInteractions.ReviseCallback, (string?)view["callback_id"]);
        JsonElement record = revised.GetProperty("approvals").EnumerateArray().Single();
        Assert.Equal("revised", record.GetProperty("resolution").GetString());
        Assert.Equal("Also add a changelog note to the README", record.GetProperty("rationale").GetString());
        Assert.Contains(revised.GetProperty("plan").GetProperty("plan").GetProperty("steps").EnumerateArray(), s => s.GetProperty("id").GetString() == "read-readme");
        await this.CleanUpAsync(sessionId);
    }

    [Theory]
    [InlineData("unsigned")]
    [InlineData("wrong-secret")]
    [InlineData("stale")]
    [InlineData("tampered-body")]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task Webhook_RequestNotAuthenticBySlack_Returns401AndChangesNothing(string forgery)
    {
        (string sessionId, _, SimulatedMessageView message) = await WaitingTurnAsync();
        string value = (string)SlackFixture.Buttons(message.Message).Single(b => (string?)b["action_id"] == "approve")["value"]!;
        JsonObject click = fixture.Click("approve", value);

        HttpResponseMessage response = forgery switch
        {
            "unsigned" => await fixture.PostAsync(click, signature: ""),
            "wrong-secret" => await fixture.PostAsync(click, secret: "not-the-secret"),
            "stale" => await fixture.PostAsync(click, timestamp: DateTimeOffset.UtcNow.AddMinutes(-6).ToUnixTimeSeconds()),
            _ => await PostTamperedAsync(click),
        };

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await Task.Delay(500);
        JsonElement turn = await (await fixture.Http.GetAsync($"api/sessions/{sessionId}/turns/1")).JsonAsync();
        Assert.True(Api.IsAwaitingApproval(turn));
        Assert.Empty(turn.GetProperty("approvals").EnumerateArray());
        await this.CleanUpAsync(sessionId);

        async Task<HttpResponseMessage> PostTamperedAsync(JsonObject payload)
        {
            // Signed for one body, sent with another (the user id swapped).
            string body = "payload=" + Uri.EscapeDataString(payload.ToJsonString());
            long ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            string signature = SlackSignature.Sign(fixture.SigningSecret, ts, body);
            var request = new HttpRequestMessage(HttpMethod.Post, "api/slack/interactions")
            {
                Content = new StringContent(body.Replace("U123", "U999"), Encoding.UTF8, "application/x-www-form-urlencoded"),
            };
            request.Headers.Add("X-Slack-Request-Timestamp", ts.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("X-Slack-Signature", signature);
            return await fixture.Http.SendAsync(request);
        }
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task Approve_ButtonValueForgedOrForAnotherTurn_ChangesNothing()
    {
        (string first, _, SimulatedMessageView firstMessage) = await WaitingTurnAsync();
        (string second, _, _) = await WaitingTurnAsync();
        string value = (string)SlackFixture.Buttons(firstMessage.Message).Single(b => (string?)b["action_id"] == "approve")["value"]!;

        // A value re-sealed by someone without the platform's key, pointing at the other session.
        string[] parts = value.Split('.');
        string forgedBody = Convert.ToBase64String(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[0]))).Replace(first, second)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        string forgedClick = Guid.NewGuid().ToString("N");
        await fixture.PostAsync(fixture.Click("approve", $"{forgedBody}.{parts[1]}", click: forgedClick));

        // The first session's real button, used as a "revise" action id it was not issued for.
        string mismatchClick = Guid.NewGuid().ToString("N");
        await fixture.PostAsync(fixture.Click("revise", value, click: mismatchClick));

        Assert.Contains("seal does not match", await fixture.ResponseAsync(forgedClick));
        Assert.Contains("cannot be used", await fixture.ResponseAsync(mismatchClick));
        foreach (string session in new[] { first, second })
        {
            JsonElement turn = await (await fixture.Http.GetAsync($"api/sessions/{session}/turns/1")).JsonAsync();
            Assert.True(Api.IsAwaitingApproval(turn));
            Assert.Empty(turn.GetProperty("approvals").EnumerateArray());
            await this.CleanUpAsync(session);
        }

        static string Pad(string s) => s.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (s.Length % 4)) % 4);
    }

    async Task CleanUpAsync(string sessionId) =>
        await fixture.Http.PostJsonAsync($"api/sessions/{sessionId}/turns/1/approvals", """{"decision":"deny","rationale":"cleanup"}""");

    public sealed record SimulatedMessageView(Agents.Edge.SimulatedMessage Message);
}
