namespace Agents.Core.Contracts;

/// <summary>
/// What the model calls of one activity cost and how long they took. <see cref="Tokens"/> is what the providers
/// reported (settled); <see cref="CountedInputTokens"/> is what the router counted before calling (reserved).
/// </summary>
public sealed record ModelCallInfo(string Provider, string Model, TokenUsage Tokens, long LatencyMs, decimal CostUsd)
{
    public int CountedInputTokens { get; init; }

    public int Calls { get; init; } = 1;

    public string? Tier { get; init; }
}

public sealed record PlanTurnRequest(
    SessionMetadata Session,
    int Turn,
    int Revision,
    PayloadRef Input,
    string? ReviewerRationale,
    PayloadRef? PreviousPlan,
    TokenAllotment Allotment)
{
    public bool LongContext { get; init; }
}

public sealed record PlanTurnResult(Plan? Plan, PayloadRef? PlanRef, string? Error, ModelCallInfo? Model)
{
    public bool BudgetExhausted { get; init; }
}

/// <summary>An upstream step's output handed to a step along a DAG edge (by reference).</summary>
public sealed record StepInput(string StepId, string Tool, PayloadRef Output);

public sealed record RunStepRequest(
    SessionMetadata Session,
    int Turn,
    int Revision,
    PlanStep Step,
    PayloadRef TurnInput,
    IReadOnlyList<StepInput> Inputs,
    string? ApprovalId)
{
    /// <summary>For steps whose tool calls a model; null otherwise.</summary>
    public TokenAllotment? Allotment { get; init; }
}

public sealed record StepResult(
    string StepId,
    bool Succeeded,
    PayloadRef? Output,
    string Preview,
    string? Error,
    ModelCallInfo? Model,
    long DurationMs)
{
    public bool BudgetExhausted { get; init; }
}

public sealed record RequestApprovalRequest(
    SessionMetadata Session,
    int Turn,
    int Revision,
    PendingApproval Approval,
    IReadOnlyList<PlanStep> Steps,
    TokenUsage TokensSoFar,
    decimal CostSoFar)
{
    /// <summary>Orchestrator-level events to append in the same call (saves a round trip).</summary>
    public IReadOnlyList<EventDraft> Events { get; init; } = [];
}

public sealed record AppendEventsRequest(string SessionId, IReadOnlyList<EventDraft> Events);

public sealed record SummarizeTurnRequest(
    SessionMetadata Session,
    int Turn,
    int Revision,
    TurnOutcome Outcome,
    PayloadRef Input,
    Plan? Plan,
    IReadOnlyList<ActionNode> Nodes,
    IReadOnlyList<ApprovalRecord> Approvals,
    TokenUsage TokensSoFar,
    decimal CostSoFar)
{
    public string? Error { get; init; }

    /// <summary>Null when no budget is left: the summary is then built from the graph without a model call.</summary>
    public TokenAllotment? Allotment { get; init; }

    public DateTime AcceptedAt { get; init; }

    /// <summary>Orchestrator-level events to append in the same call (saves a round trip).</summary>
    public IReadOnlyList<EventDraft> Events { get; init; } = [];
}

public sealed record SummarizeTurnResult(string Summary, PayloadRef? SummaryRef, ModelCallInfo? Model);
