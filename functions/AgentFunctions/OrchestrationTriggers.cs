using Agents.Core.Contracts;
using Agents.Core.Orchestrations;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace AgentFunctions;

/// <summary>The orchestrations, wrapped for the Functions host; the portable host registers the same methods.</summary>
public static class OrchestrationTriggers
{
    [Function(nameof(Session))]
    public static Task<SessionOutcome> RunSession([OrchestrationTrigger] TaskOrchestrationContext context) =>
        Session.RunAsync(context, context.GetInput<SessionState>()!);

    [Function(nameof(Turn))]
    public static Task<TurnResult> RunTurn([OrchestrationTrigger] TaskOrchestrationContext context) =>
        Turn.RunAsync(context, context.GetInput<TurnInput>()!);
}
