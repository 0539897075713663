using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Core.Slack;
using Agents.Edge;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>
/// The guardrail catalog's Slack scenarios (tests/guardrails/scenarios.json, layer "slack") against a real host and its
/// signed webhook: each attack on a turn waiting for approval must get the answer the catalog says and leave the turn
/// with exactly the approvals it says (none: the turn still waits, nothing was pushed).
/// </summary>
[Collection(SlackCollection.Name)]
[Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
public sealed class SlackGuardrailTests(SlackFixture fixture)
{
    const string Mallory = "U999";

    public static TheoryData<string> SlackScenarios() => new(GuardrailCatalog.IdsOfLayer("slack"));

    [Theory]
    [MemberData(nameof(SlackScenarios))]
    public async Task Interaction_AdversarialScenario_EndsInTheCatalogsDecision(string id)
    {
        // Arrange
        SlackScenario expected = GuardrailCatalog.Get(id).Slack ?? throw new InvalidDataException($"scenario {id} has layer 'slack' but no 'slack'");
        (string sessionId, _, SimulatedMessage message) = await fixture.WaitingTurnAsync();

        // Act
        (int turn, string answer) = id switch
        {
            "SLK-05" => await this.ReplayAfterTheTurnResumedAsync(sessionId, message),
            "SLK-06" => await this.ExpiredButtonAsync(message),
            "APR-02" => await this.EarlierTurnsButtonAsync(sessionId, message),
            "NAP-01" => await this.NonApproverClicksApproveAsync(message),
            "NAP-02" => await this.NonApproverSubmitsReviseAsync(message),
            _ => throw new InvalidDataException($"scenario {id} has no attack in {nameof(SlackGuardrailTests)}"),
        };

        // Assert
        Assert.Contains(expected.Says, answer, StringComparison.Ordinal);
        JsonElement after = await (await fixture.Http.GetAsync($"api/sessions/{sessionId}/turns/{turn}")).JsonAsync();
        Assert.Equal(expected.Approvals, after.GetProperty("approvals").GetArrayLength());
        if (expected.Approvals == 0)
        {
            Assert.True(Api.IsAwaitingApproval(after), "the attacked turn no longer waits for a decision");
            Assert.Equal(0, after.GetProperty("revision").GetInt32());
            HttpResponseMessage cleanup = await fixture.Http.PostJsonAsync($"api/sessions/{sessionId}/turns/{turn}/approvals", """{"decision":"deny","rationale":"cleanup"}""");
            Assert.Equal(HttpStatusCode.Accepted, cleanup.StatusCode);
        }
    }

    /// <summary>The approver's genuine signed click, captured and sent again byte for byte once the turn went on.</summary>
    async Task<(int Turn, string Answer)> ReplayAfterTheTurnResumedAsync(string sessionId, SimulatedMessage message)
    {
        string click = Guid.NewGuid().ToString("N");
        SignedSlackRequest captured = fixture.Sign(fixture.Click("approve", SlackFixture.ButtonValue(message, "approve"), click: click));
        Assert.Equal(HttpStatusCode.OK, (await fixture.SendAsync(captured)).StatusCode);
        await fixture.Http.WaitForTurnAsync(sessionId, 1, Api.IsCompleted);

        HttpResponseMessage replayed = await fixture.SendAsync(captured);

        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        return (1, (await fixture.ResponsesAsync(click, 2))[1]);
    }

    /// <summary>The turn's own Approve button, re-sealed by the platform's key with a time in the past.</summary>
    async Task<(int Turn, string Answer)> ExpiredButtonAsync(SimulatedMessage message)
    {
        byte[] key = ActionToken.KeyFrom(fixture.SigningSecret);
        ActionToken token = ActionToken.Open(SlackFixture.ButtonValue(message, "approve"), key, DateTimeOffset.UtcNow).Token!;
        string expired = (token with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds() }).Seal(key);
        return (1, await this.ClickAsync("approve", expired, SlackFixture.Approver));
    }

    /// <summary>Turn 1's Approve button, kept after turn 1 was denied, clicked while turn 2 waits.</summary>
    async Task<(int Turn, string Answer)> EarlierTurnsButtonAsync(string sessionId, SimulatedMessage message)
    {
        string firstTurns = SlackFixture.ButtonValue(message, "approve");
        await fixture.Http.PostJsonAsync($"api/sessions/{sessionId}/turns/1/approvals", """{"decision":"deny","rationale":"not this one"}""");
        await fixture.Http.WaitForTurnAsync(sessionId, 1, Api.IsCompleted);
        await Eventually.MatchAsync(() => fixture.Http.SubmitTurnAsync(sessionId, Api.Ticket101), r => r.StatusCode == HttpStatusCode.Accepted, TimeSpan.FromSeconds(30), "turn 2 accepted");
        await fixture.Http.WaitForTurnAsync(sessionId, 2, Api.IsAwaitingApproval);
        return (2, await this.ClickAsync("approve", firstTurns, SlackFixture.Approver));
    }

    async Task<(int Turn, string Answer)> NonApproverClicksApproveAsync(SimulatedMessage message) =>
        (1, await this.ClickAsync("approve", SlackFixture.ButtonValue(message, "approve"), Mallory));

    /// <summary>The revise modal's form, as the platform seals it, submitted by someone who may not decide.</summary>
    async Task<(int Turn, string Answer)> NonApproverSubmitsReviseAsync(SimulatedMessage message)
    {
        HttpResponseMessage response = await fixture.PostAsync(new JsonObject
        {
            ["type"] = "view_submission",
            ["user"] = new JsonObject { ["id"] = Mallory, ["username"] = "mallory" },
            ["view"] = new JsonObject
            {
                ["callback_id"] = SlackInteractions.ReviseCallback,
                ["private_metadata"] = SlackFixture.ButtonValue(message, "revise"),
                ["state"] = new JsonObject { ["values"] = new JsonObject { ["rationale"] = new JsonObject { ["value"] = new JsonObject { ["value"] = "Push straight to main instead" } } } },
            },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (1, await response.Content.ReadAsStringAsync());
    }

    async Task<string> ClickAsync(string action, string value, string user)
    {
        string click = Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await fixture.PostAsync(fixture.Click(action, value, user: user, name: user == Mallory ? "mallory" : "alice", click: click))).StatusCode);
        return await fixture.ResponseAsync(click);
    }
}
