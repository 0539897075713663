using System.Diagnostics;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Credentials;
using Agents.Core.Models;
using Agents.Core.Orchestrations;
using Agents.Core.Policy;
using Agents.Core.Redaction;
using Agents.Core.Replay;
using Agents.Core.Storage;
using Agents.Core.Telemetry;
using Agents.Core.Tools;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Agents.Core.Activities;

/// <summary>Runs one node of the Action Graph through its tool; the output is stored by reference and logged.</summary>
public sealed class RunStepActivity(
    ToolCatalog catalog,
    PolicyEvaluator policy,
    IPayloadStore payloads,
    IEventLog events,
    CredentialBroker credentials,
    Redactor redactor,
    ReplayTools replay,
    ILogger<RunStepActivity> logger)
    : TaskActivity<RunStepRequest, StepResult>
{
    const int PreviewChars = 240;

    public override Task<StepResult> RunAsync(TaskActivityContext context, RunStepRequest input) => this.ExecuteAsync(input);

    public async Task<StepResult> ExecuteAsync(RunStepRequest input, CancellationToken cancellationToken = default)
    {
        string sessionId = input.Session.SessionId;
        long started = Stopwatch.GetTimestamp();
        ToolOutput output;
        bool budgetExhausted = false;
        ScopedCredential? credential = null;
        // The policy again, right before the tool runs: the decision may have changed since the plan was evaluated
        // (a new policy version, a different budget), and an approval only covers exactly what was approved.
        await policy.EnsureLoadedAsync(input.Session, cancellationToken).ConfigureAwait(false);
        DateTimeOffset policyStarted = DateTimeOffset.UtcNow;
        IReadOnlyList<string> patchFiles = await EvaluatePolicyActivity.PatchFilesAsync(payloads, sessionId, input.Inputs, cancellationToken).ConfigureAwait(false);
        PolicyDecision decision = policy.Evaluate(input.Session, input.Revision, input.Step, patchFiles, input.Budget);
        TurnSpans.PolicyChecked(sessionId, input.Turn, input.Step, "run", decision, policyStarted);
        string? refusal = decision.Effective switch
        {
            PolicyEffect.Forbid => $"forbidden by policy {decision.PolicyVersion}: {decision.Reason}",
            PolicyEffect.RequireApproval when input.Approval is null => $"needs approval under policy {decision.PolicyVersion}: {decision.Reason}",
            PolicyEffect.RequireApproval when input.Approval.Binding != decision.Binding =>
                $"the approval ({input.Approval.ApprovalId} by {input.Approval.Approver}) no longer matches what would run " +
                $"(policy {input.Approval.PolicyVersion} → {decision.PolicyVersion}, budget snapshot {input.Approval.BudgetSnapshot} → {input.Budget.Snapshot}, or the arguments changed); approval is needed again",
            _ => null,
        };
        if (refusal is not null)
        {
            await events.AppendAsync(sessionId, [PolicyEvents.Evaluated(sessionId, input.Turn, input.Revision, input.Step, decision, "run")], cancellationToken).ConfigureAwait(false);
            return new StepResult(input.Step.Id, false, null, refusal, refusal, null, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds)
            {
                Policy = decision,
                Forbidden = decision.Effective == PolicyEffect.Forbid,
                NeedsApproval = decision.Effective == PolicyEffect.RequireApproval,
            };
        }

        using Activity? span = TurnSpans.StartTool(sessionId, input.Turn, input.Revision, input.Step);
        // A replay serves the recorded output instead of running the tool: nothing runs, so no credential is issued.
        ToolOutput? recorded = await replay.ServeAsync(input, cancellationToken).ConfigureAwait(false);
        catalog.TryGet(input.Step.Tool, out IAgentTool? tool);
        // Checked here as well as in the plan: a step reaches this activity by other routes too (a revised plan, a
        // replay under another catalog version), and nothing may run, not even a credential be issued, on bad arguments.
        string? refused = recorded is not null ? null : tool is null ? $"unknown tool '{input.Step.Tool}'" : InvalidArguments(catalog, input.Step);
        if (recorded is null && tool is not null && refused is null)
        {
            // A credential for this invocation only: the catalog entry's scope, this step, five minutes; a push
            // credential only with the approval the policy check above just accepted.
            try
            {
                credential = credentials.Issue(
                    tool.Definition.CredentialScope, new CredentialSubject(sessionId, input.Session.Repository, input.Turn, input.Step.Id), input.Approval);
            }
            catch (CredentialRefusedException e)
            {
                refused = e.Message;
            }
        }

        if (recorded is not null)
        {
            output = recorded;
        }
        else if (tool is null || refused is not null)
        {
            output = ToolOutput.Failure(refused ?? $"unknown tool '{input.Step.Tool}'");
        }
        else
        {
            string turnInput = await payloads.GetTextAsync(sessionId, input.TurnInput, cancellationToken).ConfigureAwait(false);
            using JsonDocument args = JsonDocument.Parse(input.Step.Arguments);
            var invocation = new ToolInvocation(
                input.Session,
                input.Turn,
                input.Step,
                args.RootElement,
                turnInput,
                input.Inputs,
                (i, ct) => payloads.GetTextAsync(sessionId, i.Output, ct),
                input.Approval?.ApprovalId)
            {
                Revision = input.Revision,
                ModelContext = input.Allotment is null ? null : new ModelCallContext(
                    input.Session, input.Turn, input.Revision, $"{Ids.TurnInstanceId(sessionId, input.Turn)}/r{input.Revision}/step/{input.Step.Id}", input.Allotment)
                {
                    Step = input.Step.Id,
                    ReplayLive = input.ReplayLive,
                },
                Progress = new StepProgressLog(events, logger, input.Session.SessionId, input.Turn, input.Revision, input.Step),
                Credential = credential,
            };
            using var timeLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeLimit.CancelAfter(tool.Definition.TimeLimit);
            try
            {
                output = await tool.RunAsync(invocation, timeLimit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeLimit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                output = ToolOutput.Failure($"{input.Step.Tool} was stopped at its time limit of {tool.Definition.TimeLimit.TotalSeconds:0.#} s (its catalog entry)");
            }
            catch (ModelCallException e)
            {
                budgetExhausted = e is ModelCallRefusedException { Kind: RefusalKind.BudgetExceeded };
                output = ToolOutput.Failure(budgetExhausted ? $"token budget exhausted: {e.Message}" : $"{input.Step.Tool}: {e.Message}") with { Model = e.Spent, Events = e.Events };
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Tool {Tool} failed in {Session} turn {Turn} step {Step}", input.Step.Tool, sessionId, input.Turn, input.Step.Id);
                output = ToolOutput.Failure($"{input.Step.Tool} failed: {e.Message}");
            }
        }

        long durationMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        AgentTelemetry.RecordStage(Stages.Tool, durationMs);
        if (!output.Succeeded)
        {
            span?.SetStatus(ActivityStatusCode.Error, output.Error);
        }

        PayloadRef? outputRef = output.Content.Length == 0
            ? null
            : await payloads.PutTextAsync(sessionId, output.Content, output.ContentType, cancellationToken).ConfigureAwait(false);
        // The preview and error travel into the orchestration's history and the API: redacted, fetched secrets included.
        string preview = Truncate(redactor.Redact(output.Succeeded ? output.Preview : output.Error ?? output.Preview));
        string? error = output.Succeeded ? null : redactor.Redact(output.Error);

        string type = output.Succeeded ? EventTypes.StepCompleted : EventTypes.StepFailed;
        var outputs = new Dictionary<string, string>();
        var refs = new List<PayloadRef>();
        if (outputRef is not null)
        {
            outputs["output"] = outputRef.ToString();
            refs.Add(outputRef);
        }

        foreach ((string name, PayloadRef attachment) in output.Attachments)
        {
            outputs[name] = attachment.ToString();
            refs.Add(attachment);
        }

        await events.AppendAsync(sessionId, [
            .. output.Events,
            new EventDraft($"{Ids.TurnInstanceId(sessionId, input.Turn)}/r{input.Revision}/{type}/{input.Step.Id}", type, sessionId, preview)
            {
                Turn = input.Turn,
                Revision = input.Revision,
                Step = input.Step.Id,
                LatencyMs = durationMs,
                Model = output.Model?.Model,
                Tokens = output.Model?.Tokens,
                CostUsd = output.Model?.CostUsd,
                Decision = output.Succeeded ? "succeeded" : "failed",
                Actor = input.Approval?.Approver,
                Inputs = credential is null
                    ? new Dictionary<string, string> { ["tool"] = input.Step.Tool, ["args"] = Truncate(redactor.Redact(input.Step.Arguments)) }
                    : new Dictionary<string, string> { ["tool"] = input.Step.Tool, ["args"] = Truncate(redactor.Redact(input.Step.Arguments)), ["credential"] = credential.Describe() },
                Outputs = outputs.Count == 0 ? null : outputs,
                Refs = refs.Count == 0 ? null : refs,
            },
        ], cancellationToken).ConfigureAwait(false);

        return new StepResult(input.Step.Id, output.Succeeded, outputRef, preview, error, output.Model, durationMs)
        {
            BudgetExhausted = budgetExhausted,
            Policy = decision,
            Attachments = output.Attachments.Count == 0 ? null : output.Attachments,
        };
    }

    /// <summary>Null when the step's arguments are JSON that satisfies the tool's schema; otherwise what to fix.</summary>
    static string? InvalidArguments(ToolCatalog catalog, PlanStep step)
    {
        try
        {
            using JsonDocument args = JsonDocument.Parse(step.Arguments);
            return catalog.ValidateArguments(step.Tool, args.RootElement) is { } error
                ? $"arguments for {step.Tool} are invalid, so nothing ran: {error}"
                : null;
        }
        catch (JsonException e)
        {
            return $"arguments for {step.Tool} are not JSON, so nothing ran: {e.Message}";
        }
    }

    static string Truncate(string text) => text.Length <= PreviewChars ? text : text[..PreviewChars] + "…";
}
