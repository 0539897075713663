using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>Every bad input gets a problem+json answer that says what to fix.</summary>
[Collection(HostCollection.Name)]
public sealed class ApiValidationTests(HostFixture host)
{
    [Theory]
    [InlineData("""{"user":"dana","org":"contoso","riskTier":"extreme"}""", "riskTier")]
    [InlineData("""{"riskTier":"extreme"}""", "riskTier")]
    [InlineData("""{"user":"dana","org":"contoso","repository":"nope"}""", "repository")]
    [InlineData("""{"user":"dana","org":"contoso","approvalTimeoutSeconds":0}""", "approvalTimeoutSeconds")]
    [InlineData("""{"user":"dana","org":"contoso","idleTtlSeconds":99999999}""", "idleTtlSeconds")]
    public async Task CreateSession_InvalidField_Returns400NamingTheField(string body, string field)
    {
        HttpResponseMessage response = await host.Http.PostJsonAsync("api/sessions", body);

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out JsonElement messages), $"errors should name '{field}': {problem}");
        Assert.NotEmpty(messages.EnumerateArray().First().GetString()!);
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("""{"user":"dana","org":"contoso","colour":"red"}""", "colour")]
    [InlineData("[1,2]", "not valid JSON")]
    [InlineData("", "no body")]
    public async Task CreateSession_MalformedBody_Returns400(string body, string hint)
    {
        HttpResponseMessage response = await host.Http.PostJsonAsync("api/sessions", body);

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(hint, problem.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task CreateSession_NotJson_Returns415()
    {
        HttpResponseMessage response = await host.Http.PostAsync("api/sessions", new StringContent("user=dana", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task CreateSession_Valid_Returns201WithLocationAndLinks()
    {
        HttpResponseMessage response = await host.Http.PostJsonAsync("api/sessions", """{"user":"dana","org":"contoso","riskTier":"high"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonElement created = await response.JsonAsync();
        string id = created.GetProperty("sessionId").GetString()!;
        Assert.Equal($"/api/sessions/{id}", response.Headers.Location!.ToString());
        Assert.Equal($"s-{id}", created.GetProperty("instanceId").GetString());
        Assert.Equal($"/api/sessions/{id}/events", created.GetProperty("links").GetProperty("events").GetString());
        JsonElement session = await (await host.Http.GetAsync($"api/sessions/{id}")).JsonAsync();
        Assert.Equal("high", session.GetProperty("metadata").GetProperty("riskTier").GetString());
        Assert.Equal(40000, session.GetProperty("budget").GetProperty("remaining").GetInt32());
    }

    [Theory]
    [InlineData("GET", "api/sessions/nosuchsession1")]
    [InlineData("GET", "api/sessions/NOT..VALID")]
    [InlineData("GET", "api/sessions/nosuchsession1/events")]
    [InlineData("GET", "api/sessions/nosuchsession1/events/verify")]
    [InlineData("GET", "api/sessions/nosuchsession1/turns/1")]
    [InlineData("POST", "api/sessions/nosuchsession1/turns")]
    [InlineData("POST", "api/sessions/nosuchsession1/turns/1/approvals")]
    [InlineData("GET", "api/no/such/route")]
    public async Task UnknownSessionOrRoute_Returns404Problem(string method, string path)
    {
        string body = path.EndsWith("approvals") ? """{"decision":"approve"}""" : """{"input":"x"}""";
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? new StringContent(body, Encoding.UTF8, "application/json") : null,
        };

        HttpResponseMessage response = await host.Http.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GetTurn_UnknownTurnOfAKnownSession_Returns404()
    {
        string id = await host.Http.CreateSessionAsync();

        JsonElement problem = await AssertProblemAsync(await host.Http.GetAsync($"api/sessions/{id}/turns/7"), HttpStatusCode.NotFound);

        Assert.Contains("no turn 7", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task GetTurn_NotATurnNumber_Returns400(string turn)
    {
        string id = await host.Http.CreateSessionAsync();

        JsonElement problem = await AssertProblemAsync(await host.Http.GetAsync($"api/sessions/{id}/turns/{turn}"), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("turn", out _));
    }

    [Fact]
    public async Task SubmitTurn_MissingInput_Returns400()
    {
        string id = await host.Http.CreateSessionAsync();

        JsonElement problem = await AssertProblemAsync(await host.Http.PostJsonAsync($"api/sessions/{id}/turns", "{}"), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("input", out _));
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task SubmitTurn_InputOverTheLimit_Returns413WithAChunkingHint()
    {
        string id = await host.Http.CreateSessionAsync();

        HttpResponseMessage response = await host.Http.SubmitTurnAsync(id, new string('x', HostFixture.MaxTurnInputBytes + 1));

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("Split it into smaller turns", problem.GetProperty("detail").GetString());
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task SubmitTurn_BodyFarOverTheLimit_Returns413BeforeParsing()
    {
        string id = await host.Http.CreateSessionAsync();

        HttpResponseMessage response = await host.Http.SubmitTurnAsync(id, new string('x', 200_000));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("""{"decision":"maybe"}""", "decision")]
    [InlineData("""{"decision":"0","approver":"dana"}""", "decision")]
    [InlineData("""{"decision":"revise"}""", "rationale")]
    public async Task SubmitApproval_InvalidDecision_Returns400(string body, string field)
    {
        string id = await host.Http.CreateSessionAsync();

        JsonElement problem = await AssertProblemAsync(await host.Http.PostJsonAsync($"api/sessions/{id}/turns/1/approvals", body), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task SubmitApproval_TurnNotWaiting_Returns409()
    {
        string id = await host.Http.CreateSessionAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await host.Http.SubmitTurnAsync(id, "no recording matches this")).StatusCode);
        await host.Http.WaitForTurnAsync(id, 1, Api.IsCompleted);

        HttpResponseMessage response = await host.Http.PostJsonAsync($"api/sessions/{id}/turns/1/approvals", """{"decision":"approve"}""");

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("not waiting", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Turn_OverHttp_PreviewApproveCompleteAndReadTheLog()
    {
        string id = await host.Http.CreateSessionAsync();

        HttpResponseMessage accepted = await host.Http.SubmitTurnAsync(id, Api.Ticket101);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal($"/api/sessions/{id}/turns/1", accepted.Headers.Location!.ToString());
        Assert.Equal(1, (await accepted.JsonAsync()).GetProperty("turn").GetInt32());
        JsonElement waiting = await host.Http.WaitForTurnAsync(id, 1, Api.IsAwaitingApproval);
        JsonElement conflict = await AssertProblemAsync(await host.Http.SubmitTurnAsync(id, "next"), HttpStatusCode.Conflict);
        JsonElement session = await (await host.Http.GetAsync($"api/sessions/{id}")).JsonAsync();
        HttpResponseMessage decided = await host.Http.PostJsonAsync($"api/sessions/{id}/turns/1/approvals", """{"decision":"approve","rationale":"ok"}""");
        JsonElement done = await host.Http.WaitForTurnAsync(id, 1, Api.IsCompleted);
        HttpResponseMessage events = await host.Http.GetAsync($"api/sessions/{id}/events");
        JsonElement verified = await (await host.Http.GetAsync($"api/sessions/{id}/events/verify")).JsonAsync();

        Assert.Equal("awaiting_approval", waiting.GetProperty("phase").GetString());
        Assert.Equal(6, waiting.GetProperty("plan").GetProperty("plan").GetProperty("steps").GetArrayLength());
        Assert.Contains("still running", conflict.GetProperty("title").GetString());
        Assert.Equal(1, session.GetProperty("pendingApprovals").GetArrayLength());
        Assert.Equal(HttpStatusCode.Accepted, decided.StatusCode);
        Assert.Equal("completed", done.GetProperty("outcome").GetString());
        Assert.True(done.GetProperty("latency").GetProperty("toPlanPreviewMs").GetInt64() >= 0);
        Assert.All(done.GetProperty("graph").EnumerateArray(), n => Assert.Equal("succeeded", n.GetProperty("status").GetString()));
        Assert.Equal("application/x-ndjson", events.Content.Headers.ContentType!.MediaType);
        string[] lines = (await events.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => JsonDocument.Parse(l).RootElement.GetProperty("type").GetString() == "turn.completed");
        Assert.True(verified.GetProperty("valid").GetBoolean());
        Assert.Equal(lines.Length, verified.GetProperty("events").GetInt32());
        Assert.Empty(verified.GetProperty("problems").EnumerateArray());

        // The plan preview is stored once by reference and can be fetched by its hash.
        string sha = waiting.GetProperty("plan").GetProperty("planRef").GetProperty("sha256").GetString()!;
        JsonElement plan = await (await host.Http.GetAsync($"api/sessions/{id}/payloads/{sha}")).JsonAsync();
        Assert.Equal(6, plan.GetProperty("steps").GetArrayLength());
    }

    static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = await response.JsonAsync();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }
}
