using System.Text.Json.Serialization;

namespace Agents.Core.Contracts;

[JsonConverter(typeof(SnakeCaseEnum<RiskTier>))]
public enum RiskTier
{
    Low,
    Medium,
    High,
}

/// <summary>How sensitive the data of a call is; a provider only receives data up to its clearance.</summary>
[JsonConverter(typeof(SnakeCaseEnum<DataSensitivity>))]
public enum DataSensitivity
{
    Public,
    Internal,
    Confidential,
    Restricted,
}

[JsonConverter(typeof(SnakeCaseEnum<SessionPhase>))]
public enum SessionPhase
{
    Idle,
    Running,
    Expired,
}

public sealed record SessionMetadata(
    string SessionId,
    string User,
    string Org,
    RiskTier RiskTier,
    DataSensitivity Sensitivity,
    string Repository,
    string? Title,
    BudgetLimits Limits,
    DateTime CreatedAt)
{
    /// <summary>The principal's roles (the policy reads them; approving needs an approver role once identity is enforced).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Set when this session is a replay of another (model outputs served from that session's log).</summary>
    public ReplayInfo? Replay { get; init; }
}

/// <summary>Hard token caps of a session, fixed when it is created (defaults, then risk tier, org and session overrides).</summary>
public sealed record BudgetLimits(int TurnInputTokens, int TurnOutputTokens, int SessionTokens, int OrgDailyTokens)
{
    /// <summary>Input cap of a turn whose requester consented to the larger-context tier for an oversized input.</summary>
    public int LongContextTurnInputTokens { get; init; } = 150_000;

    /// <summary>Share of the session cap at which the backoff strategy applies (cheaper tier, shorter context).</summary>
    public const double BackoffShare = 0.8;
}

/// <summary>
/// What one activity may spend on model calls: carved by the Turn orchestrator out of what is left of the turn's and
/// the session's caps, so calls running at the same time can never overspend together.
/// </summary>
public sealed record TokenAllotment(int InputTokens, int OutputTokens, bool Backoff);

/// <summary>The session's token and cost ledger. Caps are enforced by the model router (see its issue).</summary>
public sealed record BudgetLedger(int SessionTokenLimit, int InputTokens, int OutputTokens, decimal CostUsd)
{
    public int UsedTokens => this.InputTokens + this.OutputTokens;

    public int RemainingTokens => Math.Max(0, this.SessionTokenLimit - this.UsedTokens);

    public BudgetLedger Add(TokenUsage usage, decimal costUsd) =>
        this with
        {
            InputTokens = this.InputTokens + usage.InputTokens,
            OutputTokens = this.OutputTokens + usage.OutputTokens,
            CostUsd = this.CostUsd + costUsd,
        };
}

public sealed record TokenUsage(int InputTokens, int OutputTokens)
{
    public static readonly TokenUsage Zero = new(0, 0);

    public int Total => this.InputTokens + this.OutputTokens;

    public static TokenUsage operator +(TokenUsage a, TokenUsage b) =>
        new(a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens);
}

/// <summary>One finished turn as the session remembers it.</summary>
public sealed record TurnSummary(int Turn, TurnOutcome Outcome, string Summary, TokenUsage Tokens, DateTime CompletedAt);

/// <summary>The Session orchestration's input, carried across ContinueAsNew.</summary>
public sealed record SessionState(
    SessionMetadata Metadata,
    BudgetLedger Budget,
    int TurnCount,
    TimeSpan IdleTtl,
    DateTime LastActivityAt,
    TurnSettings TurnSettings,
    IReadOnlyList<TurnSummary> RecentTurns)
{
    public const int RecentTurnsKept = 20;

    /// <summary>Turns to run before waiting for new ones (a replay queues the original's turns when it starts).</summary>
    public IReadOnlyList<TurnRequested> Queued { get; init; } = [];
}

/// <summary>Settings a session hands to each of its turns (fixed when the session is created).</summary>
public sealed record TurnSettings(TimeSpan ApprovalTimeout, int MaxRevisions);

/// <summary>The Session orchestration's custom status: the queryable summary of the session.</summary>
public sealed record SessionStatus(
    SessionMetadata Metadata,
    SessionPhase Phase,
    int TurnCount,
    int? ActiveTurn,
    BudgetLedger Budget,
    DateTime? ExpiresAt,
    IReadOnlyList<TurnSummary> RecentTurns);

public sealed record SessionOutcome(string SessionId, string Reason, int TurnCount, BudgetLedger Budget);

/// <summary>External event that asks the session to run its next turn.</summary>
public sealed record TurnRequested(int Turn, string RequestId, PayloadRef Input, string RequestedBy, DateTime RequestedAt)
{
    public const string EventName = nameof(TurnRequested);

    public bool LongContext { get; init; }
}
