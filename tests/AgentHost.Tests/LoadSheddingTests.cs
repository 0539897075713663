using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>Backpressure at the edge: at degrade level 3 new turns get 429 with Retry-After; accepted turns finish; the level releases.</summary>
public sealed class LoadSheddingTests : IAsyncLifetime
{
    PrivateHost? owned;

    HostProcess Host => this.owned!.Process;

    public async Task InitializeAsync()
    {
        this.owned = await PrivateHost.StartAsync(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "InMemory",
            ["Backpressure:TurnCapacity"] = "2",
            ["Backpressure:RetryAfterSeconds"] = "7",
        });
    }

    public async Task DisposeAsync() => await this.owned!.DisposeAsync();

    [Fact]
    public async Task SubmitTurn_AtFullCapacity_Returns429WithRetryAfterAndRecoversWhenTurnsFinish()
    {
        HttpClient http = this.Host.Http;
        string first = await http.CreateSessionAsync(), second = await http.CreateSessionAsync(), third = await http.CreateSessionAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await http.SubmitTurnAsync(first, Api.Ticket101)).StatusCode);
        await http.WaitForTurnAsync(first, 1, Api.IsAwaitingApproval);
        int levelWithOne = await LevelAsync(http, third, level => level == 0);
        Assert.Equal(HttpStatusCode.Accepted, (await SubmitWithKeyAsync(http, second, "load-second-1")).StatusCode);
        await http.WaitForTurnAsync(second, 1, Api.IsAwaitingApproval);
        int levelWithTwo = await LevelAsync(http, third, level => level == 3);

        HttpResponseMessage shed = await http.SubmitTurnAsync(third, Api.Ticket101);
        HttpResponseMessage retryOfAccepted = await SubmitWithKeyAsync(http, second, "load-second-1");

        Assert.Equal(0, levelWithOne);
        Assert.Equal(3, levelWithTwo);
        Assert.Equal(HttpStatusCode.TooManyRequests, shed.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), shed.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", shed.Content.Headers.ContentType?.MediaType);

        // A retry of an accepted request (same Idempotency-Key, its 202 lost) gets that turn back, not a 429.
        Assert.Equal(HttpStatusCode.Accepted, retryOfAccepted.StatusCode);
        Assert.Equal(1, (await retryOfAccepted.JsonAsync()).GetProperty("turn").GetInt32());

        // The accepted turns still finish; then the level releases and new turns are accepted again.
        foreach (string session in new[] { first, second })
        {
            await http.PostJsonAsync($"api/sessions/{session}/turns/1/approvals", """{"decision":"deny","rationale":"load test"}""");
            JsonElement done = await http.WaitForTurnAsync(session, 1, Api.IsCompleted);
            Assert.Equal("stopped", done.GetProperty("outcome").GetString());
        }

        Assert.Equal(0, await LevelAsync(http, third, level => level == 0));
        Assert.Equal(HttpStatusCode.Accepted, (await http.SubmitTurnAsync(third, Api.Ticket101)).StatusCode);
    }

    static Task<HttpResponseMessage> SubmitWithKeyAsync(HttpClient http, string sessionId, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"api/sessions/{sessionId}/turns") { Content = JsonContent.Create(new { input = Api.Ticket101 }) };
        request.Headers.Add("Idempotency-Key", key);
        return http.SendAsync(request);
    }

    static async Task<int> LevelAsync(HttpClient http, string sessionId, Func<int, bool> until)
    {
        JsonElement session = await Eventually.MatchAsync(
            async () => await (await http.GetAsync($"api/sessions/{sessionId}")).JsonAsync(),
            s => until(s.GetProperty("load").GetProperty("degradeLevel").GetInt32()),
            TimeSpan.FromSeconds(15),
            "degrade level");
        return session.GetProperty("load").GetProperty("degradeLevel").GetInt32();
    }
}
