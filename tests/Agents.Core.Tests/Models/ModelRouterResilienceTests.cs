using System.Diagnostics;
using Agents.Core.Contracts;
using Agents.Core.Models;
using Agents.Testing;

namespace Agents.Core.Tests.Models;

/// <summary>Retries, failover, circuit breakers and time limits, against real HTTP failures from scripted servers.</summary>
[Collection(ModelRouterCollection.Name)]
public sealed class ModelRouterResilienceTests(ModelRouterFixture fixture)
{
    [Fact]
    public async Task CompleteAsync_FirstCandidateAlwaysFailsWith500_RetriesItThenAnswersFromSecondAndLogsFailover()
    {
        await using var a = await ScriptedOpenAIServer.StartAsync();
        await using var b = await ScriptedOpenAIServer.StartAsync();
        a.Otherwise(ScriptedReply.ServerError());
        b.Enqueue(ScriptedReply.Answer("answer from b"));
        const int maxRetries = 2;
        await using RouterUnderTest router = fixture.Start(Pair(a, b)
            .Set("Resilience:MaxRetries", maxRetries)
            .Set("Resilience:BreakerMinimumThroughput", 10)); // keep the breaker out of this test
        SessionMetadata session = ModelCalls.Session();

        ModelResponse response = await router.Gateway.CompleteAsync(ModelCalls.Ask(session));

        Assert.Equal("answer from b", response.Text);
        Assert.Equal("b", response.Info.Provider);
        Assert.Equal(1 + maxRetries, a.RequestCount);
        Assert.Equal(1, b.RequestCount);

        // The caller appends the router's events to the session's log, as the activities do: the failover is there, before the call.
        await router.EventLog.AppendAsync(session.SessionId, response.Events);
        IReadOnlyList<AgentEvent> log = await router.EventLog.ReadAsync(session.SessionId);
        EventLogAssert.IsIntactAndExactlyOnce(log);
        AgentEvent failover = Assert.Single(log, e => e.Type == ModelCalls.Failover);
        Assert.Equal("a/model-a", failover.Inputs!["from"]);
        Assert.Equal("server_error", failover.Inputs["reason"]);
        Assert.Equal("b/model-b", failover.Outputs!["to"]);
        AgentEvent called = Assert.Single(log, e => e.Type == EventTypes.ModelCalled);
        Assert.Equal("b", called.Inputs!["provider"]);
        Assert.True(failover.Seq < called.Seq, "the failover is logged before the call that answered");
    }

    [Fact]
    public async Task CompleteAsync_RateLimitedWithShortRetryAfter_WaitsItOutAndRetriesSameCandidate()
    {
        await using var a = await ScriptedOpenAIServer.StartAsync();
        await using var b = await ScriptedOpenAIServer.StartAsync();
        TimeSpan retryAfter = TimeSpan.FromSeconds(0.4);
        a.Enqueue(ScriptedReply.RateLimited(retryAfter), ScriptedReply.Answer("answer from a"));
        b.Otherwise(ScriptedReply.Answer("answer from b"));
        await using RouterUnderTest router = fixture.Start(Pair(a, b).Set("Resilience:MaxRetryAfterSeconds", 1));
        SessionMetadata session = ModelCalls.Session();

        ModelResponse response = await router.Gateway.CompleteAsync(ModelCalls.Ask(session));

        Assert.Equal("answer from a", response.Text);
        Assert.Equal(2, a.RequestCount);
        Assert.Equal(0, b.RequestCount);
        TimeSpan waited = a.Requests[1].ReceivedAt - a.Requests[0].ReceivedAt;
        Assert.True(waited >= retryAfter - TimeSpan.FromMilliseconds(50), $"the retry came {waited.TotalMilliseconds:0} ms after the 429, before its Retry-After of {retryAfter.TotalMilliseconds} ms");
        Assert.Empty(response.Events.OfEventType(ModelCalls.Failover));
    }

    [Fact]
    public async Task CompleteAsync_RateLimitedWithRetryAfterBeyondLimit_FailsOverWithoutRetrying()
    {
        await using var a = await ScriptedOpenAIServer.StartAsync();
        await using var b = await ScriptedOpenAIServer.StartAsync();
        a.Otherwise(ScriptedReply.RateLimited(TimeSpan.FromSeconds(30)));
        b.Enqueue(ScriptedReply.Answer("answer from b"));
        await using RouterUnderTest router = fixture.Start(Pair(a, b).Set("Resilience:MaxRetryAfterSeconds", 1));
        SessionMetadata session = ModelCalls.Session();
        var clock = Stopwatch.StartNew();

        ModelResponse response = await router.Gateway.CompleteAsync(ModelCalls.Ask(session));

        Assert.Equal("answer from b", response.Text);
        Assert.Equal(1, a.RequestCount);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the call waited {clock.Elapsed.TotalSeconds:0.0} s instead of failing over at once");
        EventDraft failover = Assert.Single(response.Events.OfEventType(ModelCalls.Failover));
        Assert.Equal("rate_limited", failover.Inputs!["reason"]);
        Assert.Contains("Retry-After 30 s", failover.Summary);
    }

    [Fact]
    public async Task CompleteAsync_CandidateKeepsFailing_CircuitOpensSkipsItUntilBreakEndsThenProbesIt()
    {
        await using var a = await ScriptedOpenAIServer.StartAsync();
        await using var b = await ScriptedOpenAIServer.StartAsync();
        a.Enqueue(ScriptedReply.ServerError(), ScriptedReply.ServerError()).Otherwise(ScriptedReply.Answer("a is back"));
        b.Otherwise(ScriptedReply.Answer("answer from b"));
        // Long enough for the three calls, including their first (cold) writes of the answers to Blob storage.
        TimeSpan breakDuration = TimeSpan.FromSeconds(5);
        await using RouterUnderTest router = fixture.Start(Pair(a, b)
            .Set("Resilience:MaxRetries", 2)
            .Set("Resilience:BreakerFailureRatio", 0.5)
            .Set("Resilience:BreakerMinimumThroughput", 2)
            .Set("Resilience:BreakDurationSeconds", breakDuration.TotalSeconds));
        SessionMetadata session = ModelCalls.Session();
        var clock = Stopwatch.StartNew();

        // Two failures open the circuit inside the first call: its third attempt is refused without reaching a.
        ModelResponse first = await router.Gateway.CompleteAsync(ModelCalls.Ask(session, scope: "call-1"));
        int reachedWhileClosed = a.RequestCount;
        ModelResponse second = await router.Gateway.CompleteAsync(ModelCalls.Ask(session, scope: "call-2"));
        ModelResponse third = await router.Gateway.CompleteAsync(ModelCalls.Ask(session, scope: "call-3"));
        int reachedWhileOpen = a.RequestCount - reachedWhileClosed;
        Assert.True(clock.Elapsed < breakDuration, "the calls must finish inside the break for this test to mean anything");
        await Task.Delay(breakDuration + TimeSpan.FromSeconds(0.3)); // a whole break after the circuit last refused: it half-opens
        ModelResponse afterBreak = await router.Gateway.CompleteAsync(ModelCalls.Ask(session, scope: "call-4"));

        Assert.Equal(["answer from b", "answer from b", "answer from b"], new[] { first.Text, second.Text, third.Text });
        Assert.Equal(2, reachedWhileClosed);
        Assert.Equal(0, reachedWhileOpen);
        Assert.Equal("a is back", afterBreak.Text);
        Assert.Equal("a", afterBreak.Info.Provider);
        Assert.Equal(3, a.RequestCount);
        Assert.Equal(3, b.RequestCount);
        // Every failover away from a was the open circuit, the first call's included: its last attempt met the open circuit.
        IReadOnlyList<EventDraft> failovers = new[] { first, second, third, afterBreak }.SelectMany(r => r.Events).OfEventType(ModelCalls.Failover);
        Assert.Equal(["circuit_open", "circuit_open", "circuit_open"], failovers.Select(e => e.Inputs!["reason"]));
    }

    [Fact]
    public async Task CompleteAsync_CandidateSlowerThanAttemptTimeout_TimesOutAndFailsOver()
    {
        await using var a = await ScriptedOpenAIServer.StartAsync();
        await using var b = await ScriptedOpenAIServer.StartAsync();
        a.Otherwise(ScriptedReply.Answer("too late").After(TimeSpan.FromSeconds(10)));
        b.Enqueue(ScriptedReply.Answer("answer from b"));
        await using RouterUnderTest router = fixture.Start(Pair(a, b)
            .Set("Resilience:AttemptTimeoutSeconds", 1)
            .Set("Resilience:MaxRetries", 1)
            .Set("Resilience:BreakerMinimumThroughput", 10));
        SessionMetadata session = ModelCalls.Session();
        var clock = Stopwatch.StartNew();

        ModelResponse response = await router.Gateway.CompleteAsync(ModelCalls.Ask(session));

        Assert.Equal("answer from b", response.Text);
        Assert.Equal(2, a.RequestCount); // the first attempt and one retry, each cut off at 1 s
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"the call took {clock.Elapsed.TotalSeconds:0.0} s: the slow candidate was not cut off");
        EventDraft failover = Assert.Single(response.Events.OfEventType(ModelCalls.Failover));
        Assert.Equal("timeout", failover.Inputs!["reason"]);
    }

    [Fact]
    public async Task CompleteAsync_CallTimeLimitEndsDuringAttempt_ThrowsModelUnavailableNamingTheLimit()
    {
        await using var a = await ScriptedOpenAIServer.StartAsync();
        await using var b = await ScriptedOpenAIServer.StartAsync();
        a.Otherwise(ScriptedReply.Answer("too late").After(TimeSpan.FromSeconds(10)));
        b.Otherwise(ScriptedReply.Answer("answer from b"));
        await using RouterUnderTest router = fixture.Start(Pair(a, b)
            .Set("Resilience:AttemptTimeoutSeconds", 5)
            .Set("Resilience:CallTimeoutSeconds", 1));
        SessionMetadata session = ModelCalls.Session();

        var failure = await Assert.ThrowsAsync<ModelUnavailableException>(() => router.Gateway.CompleteAsync(ModelCalls.Ask(session)));

        Assert.Contains("call time limit 1 s", failure.Message);
        Assert.Equal(0, b.RequestCount);
    }

    static ModelSettings Pair(ScriptedOpenAIServer a, ScriptedOpenAIServer b) => new ModelSettings()
        .OpenAICompatible("a", a)
        .OpenAICompatible("b", b)
        .Candidate(ModelTier.Small, "a", "model-a")
        .Candidate(ModelTier.Small, "b", "model-b");
}
