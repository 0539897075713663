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

    /// <summary>The chunks the RetrieveMemory activity found for the turn (<see cref="LongTermMemory.RetrievedMemory"/>, by reference); null when retrieval gave nothing.</summary>
    public PayloadRef? Memory { get; init; }
    /// <summary>The budget as the policy sees it, for withholding the tools the policy forbids outright.</summary>
    public PolicyBudget? Budget { get; init; }
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
    IReadOnlyList<StepInput> Inputs)
{
    /// <summary>For steps whose tool calls a model; null otherwise.</summary>
    public TokenAllotment? Allotment { get; init; }

    /// <summary>The approval the step runs under; checked again against the policy right before the tool runs.</summary>
    public Policy.ApprovalBinding? Approval { get; init; }

    /// <summary>What the policy sees of the budget now (the binding includes the snapshot).</summary>
    public PolicyBudget Budget { get; init; } = PolicyBudget.None;

    /// <summary>In a replay: the step is at or after the fork point, so its tool and model calls run live.</summary>
    public bool ReplayLive { get; init; }
}

/// <summary>The budget as the policy sees it, and the snapshot an approval binds to.</summary>
public sealed record PolicyBudget(long SessionTokensLeft, long TurnTokens, decimal TurnCostUsd, decimal SessionCostUsd, long Snapshot)
{
    public static readonly PolicyBudget None = new(0, 0, 0, 0, 0);
}

public sealed record EvaluatePolicyRequest(
    SessionMetadata Session,
    int Turn,
    int Revision,
    IReadOnlyList<PlanStep> Steps,
    IReadOnlyDictionary<string, IReadOnlyList<StepInput>> Inputs,
    PolicyBudget Budget);

public sealed record StepDecision(string StepId, Policy.PolicyDecision Decision);

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

    /// <summary>Payloads the tool stored itself (the browser's screenshots), by output name; null when none.</summary>
    public IReadOnlyDictionary<string, PayloadRef>? Attachments { get; init; }

    /// <summary>The policy check right before the tool ran; when it forbids or wants a (new) approval, the tool did not run.</summary>
    public Policy.PolicyDecision? Policy { get; init; }

    public bool Forbidden { get; init; }

    public bool NeedsApproval { get; init; }
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
    /// <summary>Per step: the policy's reasons for asking.</summary>
    public IReadOnlyDictionary<string, string> Reasons { get; init; } = new Dictionary<string, string>();

    /// <summary>Outputs the approver should see (for example the drafted patch), by reference.</summary>
    public IReadOnlyList<StepInput> Evidence { get; init; } = [];

    public DateTime TurnStartedAt { get; init; }

    /// <summary>Orchestrator-level events to append in the same call (saves a round trip).</summary>
    public IReadOnlyList<EventDraft> Events { get; init; } = [];
}

/// <summary>
/// A span the orchestrator knows the times of but cannot emit itself (it holds no Activity across replays), such as the
/// wait for an approval: an activity records it in the turn's trace.
/// </summary>
public sealed record RecordedSpan(string Name, int Turn, DateTime Start, DateTime End, IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>When set, the duration is also recorded in the stage latency histogram under this stage.</summary>
    public string? Stage { get; init; }
}

public sealed record AppendEventsRequest(string SessionId, IReadOnlyList<EventDraft> Events)
{
    /// <summary>Spans to record in the turn's trace (see <see cref="RecordedSpan"/>).</summary>
    public IReadOnlyList<RecordedSpan> Spans { get; init; } = [];

    /// <summary>A posted approval request to update with its outcome (for example the Slack message).</summary>
    public CloseApproval? Close { get; init; }
}

public sealed record CloseApproval(SessionMetadata Session, int Turn, ApprovalNotice Notice, IReadOnlyList<ApprovalRecord> Outcome);

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

    /// <summary>When the turn orchestration started (from its context): the start of the turn span.</summary>
    public DateTime TurnStartedAt { get; init; }

    /// <summary>Orchestrator-level events to append in the same call (saves a round trip).</summary>
    public IReadOnlyList<EventDraft> Events { get; init; } = [];
}

public sealed record SummarizeTurnResult(string Summary, PayloadRef? SummaryRef, ModelCallInfo? Model);
