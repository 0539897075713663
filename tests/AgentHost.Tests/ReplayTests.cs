using System.Net;
using System.Text.Json;
using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>
/// A host of its own (its policy file is rewritten by these tests), with one recorded session: the sample ticket,
/// planned, approved by lee, completed. Each test replays it.
/// </summary>
public sealed class ReplayFixture : IAsyncLifetime
{
    public const string OriginalVersion = "replay-test-v1";
    public const string StricterVersion = "replay-test-v2";

    TestEnvironment? environment;
    HostProcess? host;
    readonly string policyDirectory = Directory.CreateTempSubdirectory("agentfn-policy-").FullName;

    public HttpClient Http => this.host!.Http;

    public HostProcess Process => this.host!;

    public string PolicyPath => Path.Combine(this.policyDirectory, "policy.yaml");

    public string Original { get; private set; } = string.Empty;

    public JsonElement OriginalTurn { get; private set; }

    public static string Policy(string version, bool forbidTests)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "policies", "pr-prep.yaml"));
        text = System.Text.RegularExpressions.Regex.Replace(text, "(?m)^version: .*$", $"version: {version}");
        return forbidTests
            ? text.Replace("rules:\n", "rules:\n  - id: forbid-test-runs\n    effect: forbid\n    when: action.tool == 'run_tests'\n    reason: test runs are suspended\n\n", StringComparison.Ordinal)
            : text;
    }

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(this.PolicyPath, Policy(OriginalVersion, forbidTests: false));
        this.environment = await TestEnvironment.StartAsync();
        this.host = await HostProcess.StartAsync(this.environment.Settings(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "InMemory",
            ["Policy:Path"] = this.PolicyPath,
            ["Policy:ReloadSeconds"] = "0.5",
        }));

        this.Original = await this.Http.CreateSessionAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await this.Http.SubmitTurnAsync(this.Original, Api.Ticket101)).StatusCode);
        await this.Http.WaitForTurnAsync(this.Original, 1, Api.IsAwaitingApproval);
        HttpClient lee = this.host.ClientAs(new Caller("lee", HostProcess.DefaultCaller.Org, ["approver"]));
        Assert.Equal(HttpStatusCode.Accepted, (await lee.PostJsonAsync($"api/sessions/{this.Original}/turns/1/approvals", """{"decision":"approve","rationale":"looks right"}""")).StatusCode);
        this.OriginalTurn = await this.Http.WaitForTurnAsync(this.Original, 1, Api.IsCompleted);
    }

    public async Task<JsonElement> ReplayAsync(string body)
    {
        HttpResponseMessage response = await this.Http.PostJsonAsync($"api/sessions/{this.Original}/replay", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.JsonAsync();
    }

    public Task<JsonElement> DiffWhenCompleteAsync(string replaySession) =>
        Eventually.MatchAsync(
            async () => await (await this.Http.GetAsync($"api/sessions/{replaySession}/replay/diff")).JsonAsync(),
            d => d.GetProperty("complete").GetBoolean(),
            TimeSpan.FromSeconds(90),
            $"replay {replaySession}");

    public async Task<JsonElement[]> EventsAsync(string sessionId) =>
        (await (await this.Http.GetAsync($"api/sessions/{sessionId}/events")).Content.ReadAsStringAsync())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToArray();

    public async Task DisposeAsync()
    {
        if (this.host is not null)
        {
            await this.host.DisposeAsync();
        }

        if (this.environment is not null)
        {
            await this.environment.DisposeAsync();
        }

        Directory.Delete(this.policyDirectory, recursive: true);
    }
}

public sealed class ReplayTests(ReplayFixture fixture) : IClassFixture<ReplayFixture>
{
    [Fact]
    public async Task Replay_Recorded_SamePlanDecisionsAndOutcome_WithZeroTokensAndNoPush()
    {
        JsonElement started = await fixture.ReplayAsync($$"""{"tools":"recorded","policyVersion":"{{ReplayFixture.OriginalVersion}}"}""");
        string replay = started.GetProperty("replay_session").GetString()!;

        JsonElement diff = await fixture.DiffWhenCompleteAsync(replay);
        JsonElement[] events = await fixture.EventsAsync(replay);
        JsonElement turn = await (await fixture.Http.GetAsync($"api/sessions/{replay}/turns/1")).JsonAsync();
        JsonElement verified = await (await fixture.Http.GetAsync($"api/sessions/{replay}/events/verify")).JsonAsync();

        Assert.Equal(fixture.Original, started.GetProperty("original_session").GetString());
        Assert.True(diff.GetProperty("same").GetBoolean(), diff.GetRawText());
        Assert.Equal("same plan, same decisions, same outcome", diff.GetProperty("summary").GetString());
        Assert.Equal(0, diff.GetProperty("replay_tokens").GetInt32());
        JsonElement[] modelCalls = events.Where(e => e.GetProperty("type").GetString() == "model.called").ToArray();
        Assert.NotEmpty(modelCalls);
        Assert.All(modelCalls, e => Assert.Equal("replayed", e.GetProperty("decision").GetString()));
        Assert.Equal("completed", turn.GetProperty("outcome").GetString());
        Assert.Equal(0, turn.GetProperty("tokens").GetProperty("inputTokens").GetInt32());
        // The approval came from the log (lee's decision), and the PR step was served, not run.
        Assert.Contains(turn.GetProperty("approvals").EnumerateArray(), a => a.GetProperty("approver").GetString() == "lee" && a.GetProperty("resolution").GetString() == "approved");
        JsonElement pr = turn.GetProperty("graph").EnumerateArray().Single(n => n.GetProperty("tool").GetString() == "open_pull_request");
        Assert.Contains("served from the recording", pr.GetProperty("outputPreview").GetString());
        Assert.True(verified.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Replay_RerunTools_RunsReadAndTestToolsAgainButNeverThePullRequest()
    {
        string replay = (await fixture.ReplayAsync($$"""{"tools":"rerun","policyVersion":"{{ReplayFixture.OriginalVersion}}"}""")).GetProperty("replay_session").GetString()!;

        JsonElement diff = await fixture.DiffWhenCompleteAsync(replay);
        JsonElement turn = await (await fixture.Http.GetAsync($"api/sessions/{replay}/turns/1")).JsonAsync();

        Assert.True(diff.GetProperty("same").GetBoolean(), diff.GetRawText());
        Assert.Equal("rerun", diff.GetProperty("replay").GetProperty("tools").GetString());
        JsonElement[] graph = turn.GetProperty("graph").EnumerateArray().ToArray();
        Assert.DoesNotContain("served from the recording", graph.Single(n => n.GetProperty("tool").GetString() == "run_tests").GetProperty("outputPreview").GetString());
        Assert.Contains("served from the recording", graph.Single(n => n.GetProperty("tool").GetString() == "open_pull_request").GetProperty("outputPreview").GetString());
    }

    [Fact]
    public async Task Replay_UnderAStricterPolicy_SaysWhichDecisionChangedAndWhere_ThenTheNamedOldVersionStillReplaysTheSame()
    {
        string tests = fixture.OriginalTurn.GetProperty("graph").EnumerateArray().First(n => n.GetProperty("tool").GetString() == "run_tests").GetProperty("id").GetString()!;
        await File.WriteAllTextAsync(fixture.PolicyPath, ReplayFixture.Policy(ReplayFixture.StricterVersion, forbidTests: true));
        try
        {
            HttpResponseMessage accepted = await Eventually.MatchAsync(
                () => fixture.Http.PostJsonAsync($"api/sessions/{fixture.Original}/replay", $$"""{"policyVersion":"{{ReplayFixture.StricterVersion}}"}"""),
                r => r.StatusCode == HttpStatusCode.Accepted,
                TimeSpan.FromSeconds(30),
                "the stricter policy to load");
            string stricter = (await accepted.JsonAsync()).GetProperty("replay_session").GetString()!;
            string same = (await fixture.ReplayAsync($$"""{"policyVersion":"{{ReplayFixture.OriginalVersion}}"}""")).GetProperty("replay_session").GetString()!;

            JsonElement diff = await fixture.DiffWhenCompleteAsync(stricter);
            JsonElement oldDiff = await fixture.DiffWhenCompleteAsync(same);

            Assert.False(diff.GetProperty("same").GetBoolean());
            JsonElement[] changes = diff.GetProperty("turns")[0].GetProperty("changes").EnumerateArray().ToArray();
            JsonElement decision = Assert.Single(changes, c => c.GetProperty("kind").GetString() == "decision" && c.GetProperty("step").GetString() == tests);
            Assert.StartsWith("permit", decision.GetProperty("original").GetString());
            Assert.StartsWith("forbid (forbid-test-runs", decision.GetProperty("replay").GetString());
            Assert.Contains(changes, c => c.GetProperty("kind").GetString() == "step_status" && c.GetProperty("step").GetString() == tests && c.GetProperty("replay").GetString() == "forbidden");
            Assert.Contains(changes, c => c.GetProperty("kind").GetString() == "outcome");
            Assert.Equal(ReplayFixture.StricterVersion, diff.GetProperty("replay").GetProperty("policy_version").GetString());
            Assert.True(oldDiff.GetProperty("same").GetBoolean(), oldDiff.GetRawText());
        }
        finally
        {
            await File.WriteAllTextAsync(fixture.PolicyPath, ReplayFixture.Policy(ReplayFixture.OriginalVersion, forbidTests: false));
        }
    }

    [Fact]
    public async Task Replay_ForkedFromTheDraftStep_CallsTheModelLiveFromThereOnly()
    {
        string draft = fixture.OriginalTurn.GetProperty("graph").EnumerateArray().First(n => n.GetProperty("tool").GetString() == "draft_patch").GetProperty("id").GetString()!;
        string replay = (await fixture.ReplayAsync($$$"""{"policyVersion":"{{{ReplayFixture.OriginalVersion}}}","fork":{"turn":1,"step":"{{{draft}}}","tier":"frontier"}}""")).GetProperty("replay_session").GetString()!;

        JsonElement diff = await fixture.DiffWhenCompleteAsync(replay);
        JsonElement[] calls = (await fixture.EventsAsync(replay)).Where(e => e.GetProperty("type").GetString() == "model.called").ToArray();

        Assert.True(diff.GetProperty("replay_tokens").GetInt32() > 0);
        Assert.Equal(draft, diff.GetProperty("replay").GetProperty("fork").GetProperty("step").GetString());
        JsonElement plan = Assert.Single(calls, c => c.GetProperty("id").GetString()!.Contains("/plan/", StringComparison.Ordinal));
        Assert.Equal("replayed", plan.GetProperty("decision").GetString());
        JsonElement drafted = Assert.Single(calls, c => c.TryGetProperty("step", out JsonElement s) && s.GetString() == draft);
        Assert.False(drafted.TryGetProperty("decision", out _), "the forked step's model call is live");
        Assert.True(drafted.GetProperty("tokens").GetProperty("outputTokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Replay_StartedByAColleague_RecordsThemAsTheReplaysUserInTheSameOrg()
    {
        HttpClient kim = fixture.Process.ClientAs(new Caller("kim", HostProcess.DefaultCaller.Org, []));

        HttpResponseMessage started = await kim.PostJsonAsync($"api/sessions/{fixture.Original}/replay", $$"""{"policyVersion":"{{ReplayFixture.OriginalVersion}}"}""");
        string replay = (await started.JsonAsync()).GetProperty("replay_session").GetString()!;
        JsonElement metadata = (await (await kim.GetAsync($"api/sessions/{replay}")).JsonAsync()).GetProperty("metadata");
        await fixture.DiffWhenCompleteAsync(replay);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal("kim", metadata.GetProperty("user").GetString());
        Assert.Equal(HostProcess.DefaultCaller.Org, metadata.GetProperty("org").GetString());
    }

    [Fact]
    public async Task EvalCase_OfTheRecordedSession_HasItsInputApprovalAnswersAndExpectedOutcome()
    {
        JsonElement evalCase = await (await fixture.Http.GetAsync($"api/sessions/{fixture.Original}/eval-case")).JsonAsync();

        JsonElement turn = Assert.Single(evalCase.GetProperty("turns").EnumerateArray());
        Assert.Contains("TICKET-101", turn.GetProperty("input").GetString());
        Assert.Equal("approved", Assert.Single(turn.GetProperty("approvals").EnumerateArray()).GetProperty("decision").GetString());
        Assert.Contains(turn.GetProperty("recordings").EnumerateArray(), r => r.GetProperty("purpose").GetString() == "plan" && r.GetProperty("response").GetString()!.Contains("steps"));
        Assert.Equal("completed", turn.GetProperty("expected").GetProperty("outcome").GetString());
        Assert.Equal(6, turn.GetProperty("expected").GetProperty("plan").EnumerateObject().Count());
        Assert.All(turn.GetProperty("expected").GetProperty("steps").EnumerateObject(), s => Assert.Equal("succeeded", s.Value.GetString()));
    }

    [Theory]
    [InlineData("""{"tools":"sometimes"}""", "tools")]
    [InlineData("""{"policyVersion":"no-such-version"}""", "policyVersion")]
    [InlineData("""{"fork":{"turn":9}}""", "fork.turn")]
    [InlineData("""{"fork":{"turn":1,"step":"no-such-step"}}""", "fork.step")]
    [InlineData("""{"fork":{"turn":1,"tier":"huge"}}""", "fork.tier")]
    public async Task Replay_InvalidRequest_Returns400NamingTheField(string body, string field)
    {
        HttpResponseMessage response = await fixture.Http.PostJsonAsync($"api/sessions/{fixture.Original}/replay", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Replay_UnknownSession_404_DiffOfANonReplay_404_AndAReplayTakesNoNewTurns()
    {
        HttpResponseMessage unknown = await fixture.Http.PostJsonAsync("api/sessions/nosuchsession1/replay", "{}");
        HttpResponseMessage notReplay = await fixture.Http.GetAsync($"api/sessions/{fixture.Original}/replay/diff");
        string replay = (await fixture.ReplayAsync($$"""{"policyVersion":"{{ReplayFixture.OriginalVersion}}"}""")).GetProperty("replay_session").GetString()!;
        await fixture.DiffWhenCompleteAsync(replay);
        HttpResponseMessage turn = await fixture.Http.SubmitTurnAsync(replay, "one more thing");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notReplay.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, turn.StatusCode);
        Assert.Contains("fork", (await turn.JsonAsync()).GetProperty("detail").GetString());
    }
}
