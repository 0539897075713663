using System.Text.Json.Serialization;

namespace Agents.Core.Contracts;

[JsonConverter(typeof(SnakeCaseEnum<ApprovalDecisionKind>))]
public enum ApprovalDecisionKind
{
    Approve,
    Revise,
    Deny,
}

/// <summary>
/// External event raised on a turn by the approvals API (and, later, the Slack webhook).
/// It names the approval request it answers, so a late or duplicate click can never approve a different request.
/// </summary>
public sealed record ApprovalDecision(
    string ApprovalId,
    ApprovalDecisionKind Decision,
    string Approver,
    string? Rationale,
    DateTime DecidedAt,
    string Channel)
{
    public const string EventName = nameof(ApprovalDecision);
}

/// <summary>An open approval request: the steps it covers and when it times out.</summary>
public sealed record PendingApproval(string ApprovalId, IReadOnlyList<string> Steps, DateTime RequestedAt, DateTime ExpiresAt);

[JsonConverter(typeof(SnakeCaseEnum<ApprovalResolution>))]
public enum ApprovalResolution
{
    Approved,
    Revised,
    Denied,
    TimedOut,

    /// <summary>A decision that named a request no longer open (duplicate or late click); it changed nothing.</summary>
    Ignored,
}

/// <summary>The record of one decision: who, what, why and when.</summary>
public sealed record ApprovalRecord(
    string ApprovalId,
    IReadOnlyList<string> Steps,
    ApprovalResolution Resolution,
    string? Approver,
    string? Rationale,
    string? Channel,
    DateTime RequestedAt,
    DateTime ResolvedAt);
