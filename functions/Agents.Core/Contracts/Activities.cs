namespace Agents.Core.Contracts;

/// <summary>What a model call cost and how long it took.</summary>
public sealed record ModelCallInfo(string Provider, string Model, TokenUsage Tokens, long LatencyMs, decimal CostUsd);

public sealed record PlanTurnRequest(
    SessionMetadata Session,
    int Turn,
    int Revision,
    PayloadRef Input,
    string? ReviewerRationale,
    PayloadRef? PreviousPlan);

public sealed record PlanTurnResult(Plan? Plan, PayloadRef? PlanRef, string? Error, ModelCallInfo? Model);

/// <summary>An upstream step's output handed to a step along a DAG edge (by reference).</summary>
public sealed record StepInput(string StepId, string Tool, PayloadRef Output);

public sealed record RunStepRequest(
    SessionMetadata Session,
    int Turn,
    int Revision,
    PlanStep Step,
    PayloadRef TurnInput,
    IReadOnlyList<StepInput> Inputs,
    string? ApprovalId);

public sealed record StepResult(
    string StepId,
    bool Succeeded,
    PayloadRef? Output,
    string Preview,
    string? Error,
    ModelCallInfo? Model,
    long DurationMs);

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

    /// <summary>Orchestrator-level events to append in the same call (saves a round trip).</summary>
    public IReadOnlyList<EventDraft> Events { get; init; } = [];
}

public sealed record SummarizeTurnResult(string Summary, PayloadRef? SummaryRef, ModelCallInfo? Model);
