using Agents.Core.Contracts;
using Agents.Core.Orchestrations;
using Agents.Core.Policy;
using Agents.Core.Storage;
using Agents.Core.Telemetry;
using Agents.Core.Tools;
using Microsoft.DurableTask;

namespace Agents.Core.Activities;

/// <summary>
/// Evaluates every ready planned tool call against the policy in force, before any of them runs, and records each
/// decision (effect, matched rules, policy version, the inputs the policy saw) in the log.
/// </summary>
public sealed class EvaluatePolicyActivity(PolicyEvaluator evaluator, IPayloadStore payloads, IEventLog events)
    : TaskActivity<EvaluatePolicyRequest, IReadOnlyList<StepDecision>>
{
    public override Task<IReadOnlyList<StepDecision>> RunAsync(TaskActivityContext context, EvaluatePolicyRequest input) => this.ExecuteAsync(input);

    public async Task<IReadOnlyList<StepDecision>> ExecuteAsync(EvaluatePolicyRequest input, CancellationToken cancellationToken = default)
    {
        string sessionId = input.Session.SessionId;
        var decisions = new List<StepDecision>();
        var log = new List<EventDraft>();
        await evaluator.EnsureLoadedAsync(input.Session, cancellationToken).ConfigureAwait(false);
        foreach (PlanStep step in input.Steps)
        {
            DateTimeOffset started = DateTimeOffset.UtcNow;
            IReadOnlyList<string> patchFiles = await PatchFilesAsync(payloads, sessionId, input.Inputs.GetValueOrDefault(step.Id) ?? [], cancellationToken).ConfigureAwait(false);
            PolicyDecision decision = evaluator.Evaluate(input.Session, input.Revision, step, patchFiles, input.Budget);
            TurnSpans.PolicyChecked(sessionId, input.Turn, step, "plan", decision, started);
            decisions.Add(new StepDecision(step.Id, decision));
            log.Add(PolicyEvents.Evaluated(sessionId, input.Turn, input.Revision, step, decision, "plan"));
        }

        await events.AppendAsync(sessionId, log, cancellationToken).ConfigureAwait(false);
        return decisions;
    }

    /// <summary>The files the turn's drafted patch changes (what a push or a test run acts on).</summary>
    internal static async Task<IReadOnlyList<string>> PatchFilesAsync(IPayloadStore payloads, string sessionId, IReadOnlyList<StepInput> inputs, CancellationToken cancellationToken)
    {
        StepInput? draft = inputs.LastOrDefault(i => i.Tool == DraftPatchTool.Name);
        if (draft is null)
        {
            return [];
        }

        string diff = await payloads.GetTextAsync(sessionId, draft.Output, cancellationToken).ConfigureAwait(false);
        return UnifiedDiff.Validate(diff).Files;
    }
}
