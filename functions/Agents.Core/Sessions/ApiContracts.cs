using Agents.Core.Contracts;

namespace Agents.Core.Sessions;

public enum ApiErrorKind
{
    BadRequest,
    NotFound,
    Conflict,
    TooLarge,
}

/// <summary>What went wrong and what to fix; the edge turns it into problem+json.</summary>
public sealed record ApiError(ApiErrorKind Kind, string Title, string Detail)
{
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    public static ApiError Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(ApiErrorKind.BadRequest, "The request is invalid", "Fix the fields listed in 'errors' and send it again.") { Errors = errors };
}

public sealed record ApiResult<T>(T? Value, ApiError? Error)
{
    public static implicit operator ApiResult<T>(T value) => new(value, null);

    public static implicit operator ApiResult<T>(ApiError error) => new(default, error);
}

// Request bodies: everything nullable so that missing fields get a clear validation message, not a parse error.
public sealed record CreateSessionBody(
    string? User,
    string? Org,
    string? RiskTier,
    string? Repository,
    string? Title,
    int? IdleTtlSeconds,
    int? ApprovalTimeoutSeconds,
    int? MaxRevisions);

public sealed record SubmitTurnBody(string? Input, string? RequestedBy);

public sealed record ApprovalBody(string? Decision, string? Approver, string? Rationale, string? ApprovalId);

// Responses.
public sealed record SessionLinks(string Self, string Turns, string Events);

public sealed record SessionCreatedView(string SessionId, string InstanceId, SessionLinks Links);

public sealed record TurnLinks(string Self, string Session, string Events, string Approvals);

public sealed record TurnAcceptedView(string SessionId, int Turn, string InstanceId, string Status, TurnLinks Links);

public sealed record BudgetView(int Limit, int InputTokens, int OutputTokens, int Used, int Remaining, decimal CostUsd);

public sealed record TurnListItem(int Turn, string Outcome, string Summary, int Tokens, DateTime? CompletedAt, string Href);

public sealed record PendingApprovalView(int Turn, string ApprovalId, IReadOnlyList<string> Steps, DateTime RequestedAt, DateTime ExpiresAt, string Approve);

public sealed record SessionView(
    string SessionId,
    string InstanceId,
    string Status,
    SessionMetadata Metadata,
    int TurnCount,
    int? ActiveTurn,
    BudgetView Budget,
    DateTime? ExpiresAt,
    IReadOnlyList<TurnListItem> Turns,
    IReadOnlyList<PendingApprovalView> PendingApprovals,
    string EventLog,
    SessionLinks Links);

public sealed record TurnLatencyView(long? ToPlanPreviewMs, long? TotalMs);

public sealed record TurnView(
    string SessionId,
    int Turn,
    string InstanceId,
    string Status,
    string Phase,
    string? Outcome,
    int Revision,
    PlanPreview? Plan,
    IReadOnlyList<ActionNode> Graph,
    PendingApproval? PendingApproval,
    IReadOnlyList<ApprovalRecord> Approvals,
    TokenUsage Tokens,
    decimal CostUsd,
    TurnLatencyView Latency,
    string? Summary,
    string? Error,
    DateTime? AcceptedAt,
    TurnLinks Links);

public sealed record ApprovalAcceptedView(string SessionId, int Turn, string ApprovalId, string Decision, TurnLinks Links);

public sealed record Payload(byte[] Content, string ContentType);
