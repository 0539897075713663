using Agents.Core.Activities;
using Agents.Core.Contracts;
using Agents.Core.LongTermMemory;
using Agents.Core.Orchestrations;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions;

/// <summary>
/// The activities, wrapped for the Functions host: each trigger hands its input to the shared activity class. Methods
/// end in <c>Async</c> so that no class or method carries a function's name (the Durable analyzers crash on that).
/// </summary>
public sealed class ActivityTriggers(
    RetrieveMemoryActivity retrieveMemory,
    PlanTurnActivity planTurn,
    EvaluatePolicyActivity evaluatePolicy,
    RunStepActivity runStep,
    RequestApprovalActivity requestApproval,
    AppendEventsActivity appendEvents,
    SummarizeTurnActivity summarizeTurn,
    ResolveReplayApprovalActivity resolveReplayApproval)
{
    [Function(ActivityNames.ResolveReplayApproval)]
    public Task<RecordedDecision?> ResolveReplayApprovalAsync([ActivityTrigger] ReplayApprovalRequest input, CancellationToken ct) => resolveReplayApproval.ExecuteAsync(input, ct);

    [Function(ActivityNames.RetrieveMemory)]
    public Task<RetrieveResult> RetrieveMemoryAsync([ActivityTrigger] RetrieveRequest input, CancellationToken ct) => retrieveMemory.ExecuteAsync(input, ct);

    [Function(ActivityNames.PlanTurn)]
    public Task<PlanTurnResult> PlanTurnAsync([ActivityTrigger] PlanTurnRequest input, CancellationToken ct) => planTurn.ExecuteAsync(input, ct);

    [Function(ActivityNames.EvaluatePolicy)]
    public Task<IReadOnlyList<StepDecision>> EvaluatePolicyAsync([ActivityTrigger] EvaluatePolicyRequest input, CancellationToken ct) => evaluatePolicy.ExecuteAsync(input, ct);

    [Function(ActivityNames.RunStep)]
    public Task<StepResult> RunStepAsync([ActivityTrigger] RunStepRequest input, CancellationToken ct) => runStep.ExecuteAsync(input, ct);

    [Function(ActivityNames.RequestApproval)]
    public Task<ApprovalNotice?> RequestApprovalAsync([ActivityTrigger] RequestApprovalRequest input, CancellationToken ct) => requestApproval.ExecuteAsync(input, ct);

    [Function(ActivityNames.AppendEvents)]
    public Task<int> AppendEventsAsync([ActivityTrigger] AppendEventsRequest input, CancellationToken ct) => appendEvents.ExecuteAsync(input, ct);

    [Function(ActivityNames.SummarizeTurn)]
    public Task<SummarizeTurnResult> SummarizeTurnAsync([ActivityTrigger] SummarizeTurnRequest input, CancellationToken ct) => summarizeTurn.ExecuteAsync(input, ct);
}
