using Agents.Core.Contracts;
using Agents.Core.Policy;

namespace Agents.Core.Replay;

/// <summary>What a turn decided, read from a session's log: the facts a replay is compared on.</summary>
public sealed record Facts(
    SortedDictionary<int, IReadOnlyDictionary<string, string>> Plans,
    Dictionary<(int Revision, string Step), string> Decisions,
    Dictionary<string, string> Approvals,
    Dictionary<(int Revision, string Step), string> Steps,
    string? Outcome)
{
    public static Facts Of(IReadOnlyList<AgentEvent> log, int turn)
    {
        var plans = new SortedDictionary<int, IReadOnlyDictionary<string, string>>();
        var decisions = new Dictionary<(int, string), string>();
        var approvals = new Dictionary<string, string>(StringComparer.Ordinal);
        var steps = new Dictionary<(int, string), string>();
        var approvalCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        string? outcome = null;
        foreach (AgentEvent e in log.Where(e => e.Turn == turn))
        {
            int revision = e.Revision ?? 0;
            switch (e.Type)
            {
                case EventTypes.PlanPreviewed:
                    plans[revision] = e.Outputs ?? new Dictionary<string, string>();
                    break;
                case PolicyEvents.Type when e.Step is not null && e.Inputs?.GetValueOrDefault("stage") == "plan":
                    decisions[(revision, e.Step)] = $"{e.Decision} ({e.Outputs?.GetValueOrDefault("rules")})";
                    break;
                case EventTypes.ApprovalResolved when e.Decision != "ignored":
                    // Request numbers match between original and replay; the session prefix of the id does not.
                    string approvalId = e.Inputs?.GetValueOrDefault("approvalId") ?? string.Empty;
                    string request = approvalId[Math.Max(0, approvalId.LastIndexOf(":a-", StringComparison.Ordinal))..];
                    int n = approvalCounts.GetValueOrDefault(request);
                    approvalCounts[request] = n + 1;
                    approvals[$"{request}#{n + 1}"] = $"{e.Decision} by {e.Actor ?? "timer"}";
                    break;
                case EventTypes.StepCompleted or EventTypes.StepFailed or EventTypes.StepSkipped when e.Step is not null:
                    steps[(revision, e.Step)] = e.Type switch
                    {
                        EventTypes.StepCompleted => "succeeded",
                        EventTypes.StepFailed => "failed",
                        _ => "skipped",
                    };
                    break;
                case EventTypes.TurnCompleted:
                    outcome = e.Decision;
                    break;
            }
        }

        // A step the policy forbade never ran, so it has no step event: its status is the decision.
        foreach (((int revision, string step), string decision) in decisions)
        {
            if (decision.StartsWith("forbid", StringComparison.Ordinal))
            {
                steps.TryAdd((revision, step), "forbidden");
            }
        }

        return new Facts(plans, decisions, approvals, steps, outcome);
    }
}

/// <summary>Compares the facts of a turn in an original and in its replay.</summary>
public static class ReplayDiffer
{
    const string None = "(none)";

    public static IReadOnlyList<ReplayChange> Compare(Facts original, Facts replay)
    {
        var changes = new List<ReplayChange>();
        foreach (int revision in original.Plans.Keys.Union(replay.Plans.Keys).Order())
        {
            IReadOnlyDictionary<string, string>? a = original.Plans.GetValueOrDefault(revision);
            IReadOnlyDictionary<string, string>? b = replay.Plans.GetValueOrDefault(revision);
            var differing = (a?.Keys ?? []).Union(b?.Keys ?? []).Where(k => a?.GetValueOrDefault(k) != b?.GetValueOrDefault(k)).ToList();
            if (a is null || b is null || differing.Count > 0)
            {
                changes.Add(new ReplayChange("plan", differing.Count == 1 ? differing[0] : null, Render(a), Render(b),
                    a is null ? $"revision {revision} was planned only in the replay"
                    : b is null ? $"revision {revision} was planned only in the original"
                    : $"revision {revision}: steps {string.Join(", ", differing)} differ"));
            }
        }

        Keyed(changes, "decision", original.Decisions, replay.Decisions, k => k.Step, k => $"policy decision at planning, revision {k.Revision}");
        Keyed(changes, "approval", original.Approvals, replay.Approvals, _ => null, k => $"approval request {k.TrimStart(':')}");
        Keyed(changes, "step_status", original.Steps, replay.Steps, k => k.Step, k => $"step status, revision {k.Revision}");
        if (original.Outcome != replay.Outcome)
        {
            changes.Add(new ReplayChange("outcome", null, original.Outcome ?? None, replay.Outcome ?? None, "the turn ended differently"));
        }

        return changes;
    }

    static void Keyed<TKey>(List<ReplayChange> changes, string kind, Dictionary<TKey, string> a, Dictionary<TKey, string> b, Func<TKey, string?> step, Func<TKey, string> describe)
        where TKey : notnull
    {
        foreach (TKey key in a.Keys.Union(b.Keys))
        {
            string? x = a.GetValueOrDefault(key);
            string? y = b.GetValueOrDefault(key);
            if (x != y)
            {
                changes.Add(new ReplayChange(kind, step(key), x ?? None, y ?? None, describe(key)));
            }
        }
    }

    static string Render(IReadOnlyDictionary<string, string>? plan) =>
        plan is null ? None : string.Join("; ", plan.Select(kv => $"{kv.Key}: {kv.Value}"));
}
