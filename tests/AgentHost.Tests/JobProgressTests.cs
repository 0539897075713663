using System.Net;
using System.Text.Json;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>A client polling the event log over HTTP sees a long job's output while the job runs.</summary>
[Collection(HostCollection.Name)]
public sealed class JobProgressTests(HostFixture host)
{
    [Fact]
    public async Task Events_WhileRunTestsIsHeld_ShowTheJobsProgressBeforeTheStepCompletes()
    {
        // Arrange: hold the test job once it has printed its first lines.
        await File.WriteAllTextAsync(host.TestJobHold, "");
        string id;
        JsonElement[] whileHeld;
        JsonElement turnWhileHeld;
        try
        {
            id = await host.Http.CreateSessionAsync();
            Assert.Equal(HttpStatusCode.Accepted, (await host.Http.SubmitTurnAsync(id, Api.Ticket101)).StatusCode);

            // Act: poll the log as a client would
            whileHeld = await Eventually.MatchAsync(
                () => EventsAsync(id),
                events => events.Any(e => Type(e) == "step.progress" && Output(e).Contains("held by the test", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(90),
                "progress of the held test job");
            turnWhileHeld = await (await host.Http.GetAsync($"api/sessions/{id}/turns/1")).JsonAsync();
        }
        finally
        {
            File.Delete(host.TestJobHold);
        }

        await host.Http.WaitForTurnAsync(id, 1, Api.IsAwaitingApproval);
        HttpClient lee = host.Process.ClientAs(new Agents.Core.Sessions.Caller("lee", HostProcess.DefaultCaller.Org, ["approver"]));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await lee.PostJsonAsync($"api/sessions/{id}/turns/1/approvals", """{"decision":"approve"}""")).StatusCode);
        await host.Http.WaitForTurnAsync(id, 1, Api.IsCompleted);
        JsonElement[] after = await EventsAsync(id);

        // Assert: while held, progress was there and the step had not finished
        string step = whileHeld.First(e => Type(e) == "step.progress").GetProperty("step").GetString()!;
        Assert.Equal(["collecting tests", "held by the test"], whileHeld.Where(e => Type(e) == "step.progress").SelectMany(e => Output(e).Split('\n')));
        Assert.DoesNotContain(whileHeld, e => e.TryGetProperty("step", out JsonElement s) && s.GetString() == step && Type(e) is "step.completed" or "step.failed");
        JsonElement node = turnWhileHeld.GetProperty("graph").EnumerateArray().Single(n => n.GetProperty("id").GetString() == step);
        Assert.Equal("run_tests", node.GetProperty("tool").GetString());
        Assert.Equal("running", node.GetProperty("status").GetString());

        // Assert: afterwards the rest of the output followed, then the step's result
        JsonElement[] progress = after.Where(e => Type(e) == "step.progress" && e.GetProperty("step").GetString() == step).ToArray();
        JsonElement completed = after.Single(e => Type(e) == "step.completed" && e.GetProperty("step").GetString() == step);
        Assert.All(progress, p => Assert.True(p.GetProperty("seq").GetInt64() < completed.GetProperty("seq").GetInt64()));
        Assert.Contains("OK", string.Join('\n', progress.Select(Output)));
    }

    async Task<JsonElement[]> EventsAsync(string sessionId)
    {
        string text = await (await host.Http.GetAsync($"api/sessions/{sessionId}/events")).Content.ReadAsStringAsync();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
    }

    static string Type(JsonElement e) => e.GetProperty("type").GetString()!;

    static string Output(JsonElement e) =>
        e.TryGetProperty("outputs", out JsonElement outputs) && outputs.TryGetProperty("output", out JsonElement output) ? output.GetString()! : string.Empty;
}
