using Agents.Core.Contracts;

namespace Agents.Core.Policy;

public static class PolicyEvents
{
    public const string Type = "policy.evaluated";

    /// <summary>One event per decision: what was decided and everything needed to explain it.</summary>
    public static EventDraft Evaluated(string sessionId, int turn, int revision, PlanStep step, PolicyDecision decision, string stage) =>
        new($"{Ids.TurnInstanceId(sessionId, turn)}/r{revision}/{Type}/{stage}/{step.Id}/{decision.Binding ?? decision.PolicyVersion}", Type, sessionId,
            $"{step.Tool}: {decision.Effective.Snake()} ({decision.Reason})")
        {
            Turn = turn,
            Revision = revision,
            Step = step.Id,
            Decision = decision.Effective.Snake(),
            Inputs = new Dictionary<string, string>
            {
                ["policyVersion"] = decision.PolicyVersion,
                ["stage"] = stage,
                ["input"] = decision.Inputs,
            },
            Outputs = new Dictionary<string, string?>
            {
                ["decision"] = decision.Decision.Snake(),
                ["effective"] = decision.Effective.Snake(),
                ["rules"] = string.Join(",", decision.Matched.Select(m => $"{m.Id}:{m.Effect.Snake()}{(m.Mode == PolicyMode.ReportOnly ? "(report_only)" : string.Empty)}")),
                ["wouldHave"] = decision.WouldHave,
                ["binding"] = decision.Binding,
                ["errors"] = decision.Errors.Count == 0 ? null : string.Join("; ", decision.Errors),
            }.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!),
        };
}
