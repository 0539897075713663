using Agents.Core.Contracts;

namespace Agents.Core.Sessions;

public enum ApiErrorKind
{
    BadRequest,
    NotFound,
    Conflict,
    TooLarge,
    TooManyRequests,
    Forbidden,
}

/// <summary>What went wrong and what to fix; the edge turns it into problem+json.</summary>
public sealed record ApiError(ApiErrorKind Kind, string Title, string Detail)
{
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>For 429: when to try again.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiError Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(ApiErrorKind.BadRequest, "The request is invalid", "Fix the fields listed in 'errors' and send it again.") { Errors = errors };

    public static ApiError Forbidden(string title, string detail) => new(ApiErrorKind.Forbidden, title, detail);
}

public sealed record ApiResult<T>(T? Value, ApiError? Error)
{
    public static implicit operator ApiResult<T>(T value) => new(value, null);

    public static implicit operator ApiResult<T>(ApiError error) => new(default, error);
}

// Request bodies: everything nullable so that missing fields get a clear validation message, not a parse error.

/// <summary>
/// User and org come from the caller's token; when the body names them too they must be the caller's (older clients
/// send them), otherwise the request is refused rather than quietly acting for someone else.
/// </summary>
public sealed record CreateSessionBody(
    string? User,
    string? Org,
    string? RiskTier,
    string? Repository,
    string? Title,
    int? IdleTtlSeconds,
    int? ApprovalTimeoutSeconds,
    int? MaxRevisions)
{
    /// <summary>public, internal (default), confidential or restricted: only providers cleared for it receive the session's data.</summary>
    public string? DataSensitivity { get; init; }

    /// <summary>Tighter caps than the org's and risk tier's (never looser).</summary>
    public SessionBudgetBody? Budget { get; init; }
}

public sealed record SessionBudgetBody(int? TurnInputTokens, int? TurnOutputTokens, int? SessionTokens);

public sealed record SubmitTurnBody(string? Input, string? RequestedBy)
{
    /// <summary>For an input over the normal size: run it on the cheaper, larger-context tier instead of refusing it.</summary>
    public bool? ConsentToLongContextModel { get; init; }
}

public sealed record ApprovalBody(string? Decision, string? Approver, string? Rationale, string? ApprovalId)
{
    /// <summary>The steps decided; omitted means every step the request waits on.</summary>
    public IReadOnlyList<string>? Steps { get; init; }
}

// Responses.
public sealed record SessionLinks(string Self, string Turns, string Events);

public sealed record SessionCreatedView(string SessionId, string InstanceId, SessionLinks Links);

public sealed record TurnLinks(string Self, string Session, string Events, string Approvals);

public sealed record TurnAcceptedView(string SessionId, int Turn, string InstanceId, string Status, TurnLinks Links);

public sealed record BudgetView(int Limit, int InputTokens, int OutputTokens, int Used, int Remaining, decimal CostUsd, BudgetLimits Caps);

public sealed record LoadView(int DegradeLevel, int TurnsInFlight, long? QueueDepth, double Utilization);

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
    LoadView Load,
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
    TurnBudget? Budget,
    TurnLinks Links);

public sealed record ApprovalAcceptedView(string SessionId, int Turn, string ApprovalId, string Decision, TurnLinks Links);

public sealed record Payload(byte[] Content, string ContentType);
