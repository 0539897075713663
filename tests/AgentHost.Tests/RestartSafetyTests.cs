using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentCli.Chaos;
using Agents.Core.Contracts;
using Agents.Core.Storage;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>
/// On the Azure Storage backend (Azurite), a turn waiting for approval survives the host process being killed: a new
/// host process on the same task hub takes the decision, finishes the turn, and every event is in the log exactly once.
/// (Kills at other moments, many times over: <see cref="CrashRecoveryTests"/>.)
/// </summary>
public sealed class RestartSafetyTests : IAsyncLifetime
{
    TestEnvironment? environment;

    public async Task InitializeAsync() => this.environment = await TestEnvironment.StartAsync();

    public async Task DisposeAsync() => await this.environment!.DisposeAsync();

    [Fact]
    public async Task Turn_WaitingForApproval_CompletesOnceOnANewHostAfterRestart()
    {
        var settings = this.environment!.Settings(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "AzureStorage",
            ["Durable:TaskHub"] = "restart" + Guid.NewGuid().ToString("N")[..8],
            ["Durable:MaxQueuePollingIntervalSeconds"] = "0.5",
        });
        string sessionId;
        JsonElement before;
        await using (HostProcess first = await HostProcess.StartAsync(settings))
        {
            Assert.Equal("AzureStorage", (await (await first.Http.GetAsync("api/health")).JsonAsync()).GetProperty("backend").GetString());
            sessionId = await first.Http.CreateSessionAsync();
            Assert.Equal(HttpStatusCode.Accepted, (await first.Http.SubmitTurnAsync(sessionId, Api.Ticket101)).StatusCode);
            before = await first.Http.WaitForTurnAsync(sessionId, 1, Api.IsAwaitingApproval);
            await first.KillAsync();
        }

        await using HostProcess second = await HostProcess.StartAsync(settings);
        JsonElement stillWaiting = await second.Http.WaitForTurnAsync(sessionId, 1, Api.IsAwaitingApproval);
        HttpResponseMessage decided = await second.Http.PostJsonAsync($"api/sessions/{sessionId}/turns/1/approvals", """{"decision":"approve"}""");
        JsonElement done = await second.Http.WaitForTurnAsync(sessionId, 1, Api.IsCompleted);
        string log = await (await second.Http.GetAsync($"api/sessions/{sessionId}/events")).Content.ReadAsStringAsync();
        ChainVerification verification = (await (await second.Http.GetAsync($"api/sessions/{sessionId}/events/verify")).Content
            .ReadFromJsonAsync<ChainVerification>(JsonDefaults.Web))!;

        Assert.Equal(HttpStatusCode.Accepted, decided.StatusCode);
        Assert.Equal(
            before.GetProperty("pendingApproval").GetProperty("approvalId").GetString(),
            stillWaiting.GetProperty("pendingApproval").GetProperty("approvalId").GetString());
        Assert.Equal("completed", done.GetProperty("outcome").GetString());
        var events = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<AgentEvent>(l, JsonDefaults.Web)!).ToList();
        Assert.Empty(ExactlyOnceChecks.EventLog(sessionId, events, verification, turns: [1]));
        foreach (string step in new[] { "search", "read-impl", "read-tests", "draft", "test", "pr" })
        {
            Assert.Single(events, e => e.Type == EventTypes.StepCompleted && e.Step == step);
        }

        Assert.Single(events, e => e.Type == EventTypes.ApprovalRequested);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(this.environment.RemotesRoot, "inventory-service.pulls"), $"*{sessionId}*"));

        // The session itself came through too: the new host loads its history from storage and runs the next turn.
        await Eventually.MatchAsync(
            async () => await (await second.Http.GetAsync($"api/sessions/{sessionId}")).JsonAsync(),
            s => s.GetProperty("turnCount").GetInt32() == 1 && s.GetProperty("status").GetString() == "idle",
            TimeSpan.FromSeconds(60),
            "session back to idle after turn 1");
        Assert.Equal(HttpStatusCode.Accepted, (await second.Http.SubmitTurnAsync(sessionId, Api.Ticket101)).StatusCode);
        await second.Http.WaitForTurnAsync(sessionId, 2, Api.IsAwaitingApproval);
    }
}
