using System.Globalization;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Sessions;
using Agents.Core.Storage;

namespace AgentCli;

/// <summary>Plain-text rendering of API views for people; --json variants for scripts.</summary>
public static class Display
{
    public static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonDefaults.Web);

    public static void Session(SessionView s)
    {
        Console.WriteLine($"session {s.SessionId} ({s.Status}) for {s.Metadata.User}@{s.Metadata.Org}, risk {s.Metadata.RiskTier.Snake()}, repository {s.Metadata.Repository}");
        Console.WriteLine($"  turns: {s.TurnCount}{(s.ActiveTurn is int a ? $", turn {a} running" : string.Empty)}");
        Console.WriteLine($"  budget: {s.Budget.Used} of {s.Budget.Limit} tokens used ({s.Budget.InputTokens} in, {s.Budget.OutputTokens} out), ${s.Budget.CostUsd.ToString("0.0000", CultureInfo.InvariantCulture)}");
        foreach (TurnListItem t in s.Turns)
        {
            Console.WriteLine($"  turn {t.Turn}: {t.Outcome} {t.Summary}");
        }

        foreach (PendingApprovalView p in s.PendingApprovals)
        {
            Console.WriteLine($"  waiting for approval: turn {p.Turn}, steps {string.Join(", ", p.Steps)} (until {p.ExpiresAt:u})");
        }

        Console.WriteLine($"  event log: {s.EventLog}");
    }

    public static void Turn(TurnView t)
    {
        Console.WriteLine($"turn {t.Turn} of {t.SessionId}: {t.Phase}{(t.Outcome is null ? string.Empty : $", {t.Outcome}")} (revision {t.Revision})");
        if (t.Plan is not null)
        {
            Plan(t.Plan);
        }

        foreach (ActionNode n in t.Graph)
        {
            Console.WriteLine("  " + Node(n));
        }

        if (t.PendingApproval is { } p)
        {
            Console.WriteLine($"  waiting for approval {p.ApprovalId}: {string.Join(", ", p.Steps)} (until {p.ExpiresAt:u})");
        }

        foreach (ApprovalRecord a in t.Approvals)
        {
            Console.WriteLine($"  approval {a.ApprovalId}: {a.Resolution.Snake()} by {a.Approver ?? "timer"}{(a.Rationale is null ? string.Empty : $" — {a.Rationale}")}");
        }

        Console.WriteLine($"  tokens: {t.Tokens.InputTokens} in, {t.Tokens.OutputTokens} out; cost ${t.CostUsd.ToString("0.0000", CultureInfo.InvariantCulture)}");
        if (t.Summary is not null)
        {
            Console.WriteLine($"  summary: {t.Summary}");
        }

        if (t.Error is not null)
        {
            Console.WriteLine($"  error: {t.Error}");
        }
    }

    public static void Plan(PlanPreview preview)
    {
        Console.WriteLine($"  plan (revision {preview.Revision}): {preview.Plan.Goal}");
        foreach (PlanStep s in preview.Plan.Steps)
        {
            string after = s.DependsOn.Count == 0 ? "start" : "after " + string.Join(", ", s.DependsOn);
            Console.WriteLine($"    {s.Id,-12} {s.Tool,-18} {after,-28}{(s.RequiresApproval ? " needs approval" : string.Empty)}");
        }
    }

    public static string Node(ActionNode n)
    {
        string mark = n.Status switch
        {
            StepStatus.Succeeded => "✓",
            StepStatus.Failed => "✗",
            StepStatus.Denied or StepStatus.TimedOut or StepStatus.Skipped => "–",
            StepStatus.AwaitingApproval => "?",
            _ => "…",
        };
        string time = n.DurationMs is long ms ? $" {ms} ms" : string.Empty;
        return $"{mark} {n.Id,-12} {n.Tool,-18} {n.Status.Snake()}{time}  {n.Error ?? n.OutputPreview}";
    }

    public static string EventLine(AgentEvent e) =>
        $"{e.Seq,4} {e.Time:HH:mm:ss.fff} {e.Type,-18} {(e.Turn is int t ? $"t{t}" : "  ")} {e.Step ?? string.Empty,-12} {e.Summary}";
}
