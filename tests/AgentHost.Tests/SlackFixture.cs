using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Core.Slack;
using Agents.Edge;
using Agents.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentHost.Tests;

/// <summary>A host with Slack configured against a Slack API stand-in in the test process that records every call.</summary>
public sealed class SlackFixture : IAsyncLifetime
{
    TestEnvironment? environment;
    HostProcess? host;
    WebApplication? slackServer;

    /// <summary>The one Slack user listed in Slack:Approvers; clicks are made as this user unless a test says otherwise.</summary>
    public const string Approver = "U123";

    public string SigningSecret { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public SlackSimulator Slack { get; } = new();

    public HttpClient Http => this.host!.Http;

    public Uri SlackBase { get; private set; } = null!;

    /// <summary>Where people reach the platform, as configured for links in messages (no trailing slash).</summary>
    public string PublicBaseUrl => "https://agents.example.test";

    public async Task InitializeAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        this.slackServer = builder.Build();
        this.Slack.Map(this.slackServer, "/api");
        await this.slackServer.StartAsync();
        this.SlackBase = new Uri(this.slackServer.Urls.First() + "/api/");

        this.environment = await TestEnvironment.StartAsync();
        this.host = await HostProcess.StartAsync(this.environment.Settings(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "InMemory",
            ["Slack:SigningSecret"] = this.SigningSecret,
            ["Slack:BotToken"] = "xoxb-test",
            ["Slack:ApiBaseUrl"] = this.SlackBase.ToString(),
            ["Slack:Channel"] = "#approvals-test",
            ["Slack:Approvers"] = Approver,
            ["Slack:PublicBaseUrl"] = this.PublicBaseUrl,
        }));
    }

    public async Task DisposeAsync()
    {
        await this.host!.DisposeAsync();
        await this.environment!.DisposeAsync();
        await this.slackServer!.DisposeAsync();
    }

    /// <summary>The newest message posted about this session's turn.</summary>
    public SimulatedMessage? MessageFor(string sessionId, int turn) =>
        this.Slack.Messages.Values.Where(m => ((string?)m.Posted["text"] ?? string.Empty).Contains($"(session {sessionId}, turn {turn})", StringComparison.Ordinal))
            .OrderBy(m => m.Ts, StringComparer.Ordinal).LastOrDefault();

    public static IEnumerable<JsonObject> Buttons(SimulatedMessage message) =>
        message.Posted["blocks"]!.AsArray().Where(b => (string?)b!["type"] == "actions").SelectMany(b => b!["elements"]!.AsArray().Select(e => e!.AsObject()));

    /// <summary>Posts an interaction exactly as Slack does: form-encoded <c>payload=</c>, signed (v0) with the secret.</summary>
    public Task<HttpResponseMessage> PostAsync(JsonObject payload, string? secret = null, long? timestamp = null, string? signature = null) =>
        this.SendAsync(this.Sign(payload, secret, timestamp, signature));

    /// <summary>The request Slack would send for this payload: its form body, timestamp and v0 signature.</summary>
    public SignedSlackRequest Sign(JsonObject payload, string? secret = null, long? timestamp = null, string? signature = null)
    {
        string body = "payload=" + Uri.EscapeDataString(payload.ToJsonString());
        long ts = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new SignedSlackRequest(body, ts, signature ?? SlackSignature.Sign(secret ?? this.SigningSecret, ts, body));
    }

    /// <summary>Sends a signed request as is (a replay sends the same one twice).</summary>
    public Task<HttpResponseMessage> SendAsync(SignedSlackRequest signed)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/slack/interactions")
        {
            Content = new StringContent(signed.Body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("X-Slack-Request-Timestamp", signed.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Slack-Signature", signed.Signature);
        return this.Http.SendAsync(request);
    }

    /// <summary>A new session whose first turn (TICKET-101) waits for approval, and the Slack message that asks for it.</summary>
    public async Task<(string SessionId, JsonElement Turn, SimulatedMessage Message)> WaitingTurnAsync()
    {
        string sessionId = await this.Http.CreateSessionAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await this.Http.SubmitTurnAsync(sessionId, Api.Ticket101)).StatusCode);
        JsonElement turn = await this.Http.WaitForTurnAsync(sessionId, 1, Api.IsAwaitingApproval);
        SimulatedMessage message = (await Eventually.MatchAsync(() => Task.FromResult(this.MessageFor(sessionId, 1)), m => m is not null, TimeSpan.FromSeconds(10), "approval message"))!;
        return (sessionId, turn, message);
    }

    /// <summary>The sealed value of the message's button for this action (approve, revise).</summary>
    public static string ButtonValue(SimulatedMessage message, string actionId) =>
        (string)Buttons(message).Single(b => (string?)b["action_id"] == actionId)["value"]!;

    public JsonObject Click(string actionId, string value, string user = Approver, string name = "alice", string? click = null) => new()
    {
        ["type"] = "block_actions",
        ["user"] = new JsonObject { ["id"] = user, ["username"] = name },
        ["trigger_id"] = $"T-{Guid.NewGuid():N}",
        ["response_url"] = new Uri(this.SlackBase, $"response?click={click ?? Guid.NewGuid().ToString("N")}").ToString(),
        ["actions"] = new JsonArray { new JsonObject { ["type"] = "button", ["action_id"] = actionId, ["value"] = value } },
    };

    /// <summary>Every answer Slack was sent through the click's response_url, once there are at least <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<string>> ResponsesAsync(string click, int count) =>
        (await Eventually.MatchAsync(
            () => Task.FromResult(this.Slack.Responses.Where(r => (string?)r["click"] == click).Select(r => (string)r["text"]!).ToList()),
            r => r.Count >= count,
            TimeSpan.FromSeconds(10),
            $"{count} Slack responses")).AsReadOnly();

    public async Task<string> ResponseAsync(string click) =>
        (string)(await Eventually.MatchAsync(
            () => Task.FromResult(this.Slack.Responses.LastOrDefault(r => (string?)r["click"] == click)),
            r => r is not null,
            TimeSpan.FromSeconds(10),
            "Slack response"))!["text"]!;
}

/// <summary>An interaction request as Slack signs it.</summary>
public sealed record SignedSlackRequest(string Body, long Timestamp, string Signature);

[CollectionDefinition(Name)]
public sealed class SlackCollection : ICollectionFixture<SlackFixture>
{
    public const string Name = "slack";
}
