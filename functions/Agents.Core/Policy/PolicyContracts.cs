using System.Text.Json.Serialization;
using Agents.Core.Contracts;

namespace Agents.Core.Policy;

[JsonConverter(typeof(SnakeCaseEnum<PolicyEffect>))]
public enum PolicyEffect
{
    Permit,
    Forbid,
    RequireApproval,
}

[JsonConverter(typeof(SnakeCaseEnum<PolicyMode>))]
public enum PolicyMode
{
    /// <summary>The decision is applied.</summary>
    Enforce,

    /// <summary>The decision is recorded with what would have happened; the call proceeds.</summary>
    ReportOnly,
}

/// <summary>A rule that matched, and whether it counted.</summary>
public sealed record MatchedRule(string Id, PolicyEffect Effect, PolicyMode Mode, string? Reason);

/// <summary>
/// What the policy decided for one planned tool call, with everything needed to explain it afterwards: the rules that
/// matched, the policy version, the inputs it saw, and (for require_approval) the binding an approval must carry.
/// </summary>
public sealed record PolicyDecision(
    PolicyEffect Decision,
    PolicyEffect Effective,
    string PolicyVersion,
    IReadOnlyList<MatchedRule> Matched,
    string Reason)
{
    /// <summary>Canonical JSON of the input the policy evaluated (principal, action, resource, context).</summary>
    public string Inputs { get; init; } = "{}";

    /// <summary>For require_approval: SHA-256 of tool, canonical arguments, policy version and budget snapshot.</summary>
    public string? Binding { get; init; }

    /// <summary>Report-only: what enforcement would have done differently.</summary>
    public string? WouldHave { get; init; }

    public IReadOnlyList<string> Errors { get; init; } = [];
}

/// <summary>An approval as evidence: who approved exactly what, under which policy and budget.</summary>
public sealed record ApprovalBinding(string ApprovalId, string Approver, string Binding, string PolicyVersion, long BudgetSnapshot);
