using System.Text.Json.Serialization;

namespace Agents.Core.Contracts;

[JsonConverter(typeof(SnakeCaseEnum<TurnPhase>))]
public enum TurnPhase
{
    Planning,
    Running,
    AwaitingApproval,
    Summarizing,
    Completed,
}

[JsonConverter(typeof(SnakeCaseEnum<TurnOutcome>))]
public enum TurnOutcome
{
    /// <summary>Every step succeeded.</summary>
    Completed,

    /// <summary>A step was denied or its approval timed out; the steps that depended on it did not run.</summary>
    Stopped,

    /// <summary>Planning failed or a step failed.</summary>
    Failed,

    /// <summary>The turn's or the session's token cap left no room for the next model call; none was made.</summary>
    BudgetExhausted,
}

/// <summary>The Turn orchestration's input.</summary>
public sealed record TurnInput(
    SessionMetadata Session,
    int Turn,
    string RequestId,
    PayloadRef Input,
    string RequestedBy,
    BudgetLedger Budget,
    TurnSettings Settings)
{
    /// <summary>The requester consented to a cheaper, larger-context model for an input over the normal size.</summary>
    public bool LongContext { get; init; }

    public DateTime AcceptedAt { get; init; }
}

/// <summary>The Turn orchestration's custom status (kept small: payloads are references).</summary>
public sealed record TurnStatus(
    string SessionId,
    int Turn,
    TurnPhase Phase,
    int Revision,
    PlanPreview? Plan,
    IReadOnlyList<ActionNode> Nodes,
    PendingApproval? PendingApproval,
    IReadOnlyList<ApprovalRecord> Approvals,
    TokenUsage Tokens,
    decimal CostUsd,
    DateTime StartedAt)
{
    public TurnOutcome? Outcome { get; init; }

    public string? Summary { get; init; }

    public string? Error { get; init; }

    public DateTime? CompletedAt { get; init; }

    public TurnBudget? Budget { get; init; }
}

/// <summary>The turn's spend against its caps (settled on provider-reported usage) and whether backoff applies.</summary>
public sealed record TurnBudget(int InputTokens, int OutputTokens, int InputCap, int OutputCap, int SessionTokensLeft, bool Backoff);

/// <summary>The Turn orchestration's output.</summary>
public sealed record TurnResult(TurnOutcome Outcome, string Summary, TokenUsage Tokens, decimal CostUsd, TurnStatus Final);
