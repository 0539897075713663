using System.Text.Json.Nodes;
using AgentCli.Chaos;
using Agents.Core.Contracts;
using Agents.Core.Publishing;
using Agents.Core.Storage;
using Agents.Edge;

namespace AgentHost.Tests;

/// <summary>The checks the crash-recovery run and the restart test rely on find what they are meant to find.</summary>
public sealed class ExactlyOnceChecksTests
{
    static readonly TurnRef Turn1 = new("abc", 1);

    [Fact]
    public void EventLog_DuplicatedEventAndSecondCompletion_AreReported()
    {
        AgentEvent completed = Chained(1, "t1/done", EventTypes.TurnCompleted);
        var events = new[] { completed, completed with { Seq = 2 } };
        var verification = EventChain.Verify("abc", events.Select(e => System.Text.Json.JsonSerializer.Serialize(e, JsonDefaults.Web)));

        IReadOnlyList<string> problems = ExactlyOnceChecks.EventLog("abc", events, verification, turns: [1]);

        Assert.Contains(problems, p => p.Contains("event id t1/done appears 2 times", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("turn 1 has 2 turn.completed events", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("duplicated", StringComparison.Ordinal));
    }

    [Fact]
    public void Pushes_BranchPushedTwiceOrNever_AreReported()
    {
        var turn2 = new TurnRef("abc", 2);

        IReadOnlyList<string> problems = ExactlyOnceChecks.Pushes(["refs/heads/agent/abc-t1", "refs/heads/agent/abc-t1", "refs/heads/main"], [Turn1, turn2]);

        Assert.Equal(["abc turn 1: branch agent/abc-t1 pushed 2 times", "abc turn 2: branch agent/abc-t2 pushed 0 times"], problems);
    }

    [Fact]
    public void PullRequests_OnePerTurn_Passes()
    {
        var record = new PullRequestRecord(1, "inventory-service", "agent/abc-t1", "main", "c0ffee", "t", "b", "abc", 1, "a-1", DateTime.UtcNow);

        Assert.Empty(ExactlyOnceChecks.PullRequests([record], [Turn1]));
        Assert.Single(ExactlyOnceChecks.PullRequests([record, record with { Number = 2 }], [Turn1]));
    }

    [Fact]
    public void SlackMessages_ApprovalPostedTwice_IsReported()
    {
        JsonObject Post() => new() { ["text"] = "Approval needed", ["blocks"] = new JsonArray { new JsonObject { ["text"] = "`s-abc:t-1:a-1`" } } };
        var once = new List<SlackSimulator.JournalEntry> { new("chat.postMessage", "1.000001", Post()), new("chat.update", "1.000001", new JsonObject()) };
        var twice = once.Append(new SlackSimulator.JournalEntry("chat.postMessage", "1.000002", Post())).ToList();
        var approval = new ApprovalRef(Turn1, "s-abc:t-1:a-1");

        Assert.Empty(ExactlyOnceChecks.SlackMessages(once, [approval]));
        Assert.Equal(["abc turn 1: approval s-abc:t-1:a-1 posted 2 times"], ExactlyOnceChecks.SlackMessages(twice, [approval]));
    }

    [Fact]
    public void SlackMessages_SameUpdateReappliedAfterACrash_PassesButADifferentSecondUpdateIsReported()
    {
        JsonObject Post() => new() { ["text"] = "Approval needed", ["blocks"] = new JsonArray { new JsonObject { ["text"] = "`s-abc:t-1:a-1`" } } };
        JsonObject Decided(string who) => new() { ["text"] = $"approved by {who}" };
        var approval = new ApprovalRef(Turn1, "s-abc:t-1:a-1");
        var reapplied = new List<SlackSimulator.JournalEntry>
        {
            new("chat.postMessage", "1.000001", Post()), new("chat.update", "1.000001", Decided("lee")), new("chat.update", "1.000001", Decided("lee")),
        };
        var changed = reapplied.Append(new SlackSimulator.JournalEntry("chat.update", "1.000001", Decided("kim"))).ToList();
        var never = reapplied.Take(1).ToList();

        Assert.Empty(ExactlyOnceChecks.SlackMessages(reapplied, [approval]));
        Assert.Equal(["abc turn 1: the message of approval s-abc:t-1:a-1 was updated to 2 different contents"], ExactlyOnceChecks.SlackMessages(changed, [approval]));
        Assert.Equal(["abc turn 1: the message of approval s-abc:t-1:a-1 was updated to 0 different contents"], ExactlyOnceChecks.SlackMessages(never, [approval]));
    }

    static AgentEvent Chained(long seq, string id, string type)
    {
        var e = new AgentEvent(seq, id, type, "abc", "summary") { Turn = 1, Time = new DateTime(2026, 11, 26, 0, 0, 0, DateTimeKind.Utc) };
        return e with { PrevHash = string.Empty, Hash = EventLogHash.Compute(e, string.Empty) };
    }
}
