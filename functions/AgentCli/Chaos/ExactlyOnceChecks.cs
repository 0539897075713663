using Agents.Core.Contracts;
using Agents.Core.Publishing;
using Agents.Core.Storage;
using Agents.Edge;

namespace AgentCli.Chaos;

/// <summary>A turn of a session.</summary>
public sealed record TurnRef(string SessionId, int Turn)
{
    /// <summary>The branch the turn's pull request is pushed on (<c>OpenPullRequestTool</c>).</summary>
    public string Branch => $"agent/{this.SessionId}-t{this.Turn}";

    public override string ToString() => $"{this.SessionId} turn {this.Turn}";
}

/// <summary>An approval request as the log records it (<c>approval.requested</c>).</summary>
public sealed record ApprovalRef(TurnRef Turn, string ApprovalId);

/// <summary>
/// What "exactly once" means after crashes, as problems found (none = passed): the session's event log, and each side
/// effect outside the platform (push, pull request, Slack message) counted where it landed. Shared by the crash-recovery
/// run (<see cref="ChaosDriver"/>) and the restart test.
/// </summary>
public static class ExactlyOnceChecks
{
    /// <summary>
    /// One session's log: the chain verifies (as <c>GET .../events/verify</c> reports it), sequence numbers run 1..n,
    /// every event id is unique, and each of <paramref name="turns"/> has exactly one <c>turn.completed</c> event.
    /// </summary>
    public static IReadOnlyList<string> EventLog(string sessionId, IReadOnlyList<AgentEvent> events, ChainVerification verification, IEnumerable<int> turns)
    {
        var problems = verification.Problems
            .Select(p => $"{sessionId}: line {p.Line}{(p.Seq is { } seq ? $" (event {seq})" : string.Empty)}: {p.Kind.Snake()}: {p.Detail}")
            .ToList();
        if (!verification.Valid && problems.Count == 0)
        {
            problems.Add($"{sessionId}: the chain does not verify");
        }

        if (!events.Select(e => e.Seq).SequenceEqual(Enumerable.Range(1, events.Count).Select(i => (long)i)))
        {
            problems.Add($"{sessionId}: sequence numbers are not 1..{events.Count} in order");
        }

        problems.AddRange(events.GroupBy(e => e.Id, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"{sessionId}: event id {g.Key} appears {g.Count()} times"));
        foreach (int turn in turns)
        {
            int completed = events.Count(e => e.Type == EventTypes.TurnCompleted && e.Turn == turn);
            if (completed != 1)
            {
                problems.Add($"{sessionId}: turn {turn} has {completed} {EventTypes.TurnCompleted} events");
            }
        }

        return problems;
    }

    /// <summary>The approval requests in a session's log.</summary>
    public static IEnumerable<ApprovalRef> Approvals(string sessionId, IEnumerable<AgentEvent> events) =>
        events.Where(e => e.Type == EventTypes.ApprovalRequested && e.Turn is not null && e.Outputs?.ContainsKey("approvalId") == true)
            .Select(e => new ApprovalRef(new TurnRef(sessionId, e.Turn!.Value), e.Outputs!["approvalId"]));

    /// <summary>Each turn's branch was pushed exactly once (<paramref name="pushedRefs"/>: every ref a pre-receive hook saw).</summary>
    public static IReadOnlyList<string> Pushes(IEnumerable<string> pushedRefs, IEnumerable<TurnRef> turns)
    {
        var counts = pushedRefs.Select(r => r.Trim()).GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return turns.Select(t => (Turn: t, Count: counts.GetValueOrDefault($"refs/heads/{t.Branch}")))
            .Where(x => x.Count != 1)
            .Select(x => $"{x.Turn}: branch {x.Turn.Branch} pushed {x.Count} times")
            .ToList();
    }

    /// <summary>Each turn has exactly one pull request record.</summary>
    public static IReadOnlyList<string> PullRequests(IEnumerable<PullRequestRecord> records, IEnumerable<TurnRef> turns)
    {
        var counts = records.GroupBy(r => new TurnRef(r.SessionId, r.Turn)).ToDictionary(g => g.Key, g => g.Count());
        return turns.Select(t => (Turn: t, Count: counts.GetValueOrDefault(t)))
            .Where(x => x.Count != 1)
            .Select(x => $"{x.Turn}: {x.Count} pull requests")
            .ToList();
    }

    /// <summary>
    /// Each approval request was posted to Slack exactly once, and its message updated to exactly one content (the
    /// decision). chat.update overwrites the message, so the same content sent again (the notifying activity re-run
    /// after a crash, as the engine runs activities at least once) leaves what people see unchanged and is not a second
    /// effect; a second, different content would be. <paramref name="journal"/> is the Slack simulator's record of calls.
    /// </summary>
    public static IReadOnlyList<string> SlackMessages(IReadOnlyList<SlackSimulator.JournalEntry> journal, IEnumerable<ApprovalRef> approvals)
    {
        var problems = new List<string>();
        var posts = journal.Where(e => e.Method == "chat.postMessage").ToList();
        var updates = journal.Where(e => e.Method == "chat.update").ToList();
        foreach (ApprovalRef approval in approvals)
        {
            var posted = posts.Where(p => p.Body.ToJsonString().Contains(approval.ApprovalId, StringComparison.Ordinal)).ToList();
            if (posted.Count != 1)
            {
                problems.Add($"{approval.Turn}: approval {approval.ApprovalId} posted {posted.Count} times");
                continue;
            }

            var contents = updates.Where(u => u.Ts == posted[0].Ts).Select(u => u.Body.ToJsonString()).Distinct(StringComparer.Ordinal).Count();
            if (contents != 1)
            {
                problems.Add($"{approval.Turn}: the message of approval {approval.ApprovalId} was updated to {contents} different contents");
            }
        }

        return problems;
    }
}
