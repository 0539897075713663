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

    /// <summary>The steps this decision is about; null means every step the request still waits on.</summary>
    public IReadOnlyList<string>? Steps { get; init; }
}

/// <summary>An open approval request: the steps it covers, what exactly each would run under, and when it times out.</summary>
public sealed record PendingApproval(string ApprovalId, IReadOnlyList<string> Steps, DateTime RequestedAt, DateTime ExpiresAt)
{
    /// <summary>Per step: the binding (hash of tool, canonical arguments, policy version and budget snapshot) approved.</summary>
    public IReadOnlyDictionary<string, string> Bindings { get; init; } = new Dictionary<string, string>();

    public long BudgetSnapshot { get; init; }

    public string? PolicyVersion { get; init; }

    /// <summary>Where the request was posted (for example the Slack channel and message ts), to update it with the outcome.</summary>
    public ApprovalNotice? Notice { get; init; }
}

/// <summary>A posted approval request that can be updated later.</summary>
public sealed record ApprovalNotice(string Channel, string MessageId);

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
    DateTime ResolvedAt)
{
    /// <summary>What was approved: per step, the binding hash; with the policy version and budget snapshot.</summary>
    public IReadOnlyDictionary<string, string>? Bindings { get; init; }

    public string? PolicyVersion { get; init; }

    public long? BudgetSnapshot { get; init; }
}
