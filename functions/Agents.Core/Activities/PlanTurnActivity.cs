using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Models;
using Agents.Core.Orchestrations;
using Agents.Core.Planning;
using Agents.Core.Storage;
using Agents.Core.Tools;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Agents.Core.Activities;

/// <summary>Asks the small tier for a JSON plan, validates it, stores prompt, answer and plan by reference, and logs it.</summary>
public sealed class PlanTurnActivity(
    IModelGateway models,
    ToolCatalog catalog,
    RepositoryWorkspace workspace,
    IPayloadStore payloads,
    IEventLog events,
    ILogger<PlanTurnActivity> logger) : TaskActivity<PlanTurnRequest, PlanTurnResult>
{
    public const int MaxPlanOutputTokens = 1500;

    public override Task<PlanTurnResult> RunAsync(TaskActivityContext context, PlanTurnRequest input) => this.ExecuteAsync(input);

    public async Task<PlanTurnResult> ExecuteAsync(PlanTurnRequest input, CancellationToken cancellationToken = default)
    {
        string sessionId = input.Session.SessionId;
        string prefix = $"{Ids.TurnInstanceId(sessionId, input.Turn)}/r{input.Revision}";
        var log = new List<EventDraft>();
        if (input.Revision == 0)
        {
            log.Add(new EventDraft($"{prefix}/{EventTypes.TurnStarted}", EventTypes.TurnStarted, sessionId, $"turn {input.Turn} started")
            {
                Turn = input.Turn,
                Revision = 0,
                Refs = [input.Input],
            });
        }

        string ticket = await payloads.GetTextAsync(sessionId, input.Input, cancellationToken).ConfigureAwait(false);
        string? previousPlan = input.PreviousPlan is null ? null : await payloads.GetTextAsync(sessionId, input.PreviousPlan, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> files = workspace.Exists(input.Session.Repository) ? workspace.Files(workspace.RootOf(input.Session.Repository)) : [];
        var messages = Prompts.Plan(input.Session, ticket, catalog.Definitions, files, previousPlan, input.ReviewerRationale);
        PayloadRef promptRef = await payloads.PutTextAsync(sessionId, string.Join("\n\n", messages.Select(m => $"[{m.Role}]\n{m.Text}")), cancellationToken: cancellationToken).ConfigureAwait(false);

        ModelResponse response;
        try
        {
            response = await models.CompleteAsync(new ModelRequest(Prompts.PlanPurpose, ModelTier.Small, messages, MaxPlanOutputTokens, JsonOutput: true), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Planning model call failed for {Session} turn {Turn}", sessionId, input.Turn);
            string error = $"the planning model call failed: {e.Message}";
            log.Add(Rejected(prefix, input, error, [promptRef], null));
            await events.AppendAsync(sessionId, log, cancellationToken).ConfigureAwait(false);
            return new PlanTurnResult(null, null, error, null);
        }

        PayloadRef responseRef = await payloads.PutTextAsync(sessionId, response.Text, "application/json", cancellationToken).ConfigureAwait(false);
        log.Add(new EventDraft($"{prefix}/{EventTypes.ModelCalled}/plan", EventTypes.ModelCalled, sessionId, $"plan by {response.Info.Model}")
        {
            Turn = input.Turn,
            Revision = input.Revision,
            Model = response.Info.Model,
            Tokens = response.Info.Tokens,
            CostUsd = response.Info.CostUsd,
            LatencyMs = response.Info.LatencyMs,
            Inputs = new Dictionary<string, string> { ["purpose"] = Prompts.PlanPurpose, ["provider"] = response.Info.Provider, ["prompt"] = promptRef.ToString() },
            Outputs = new Dictionary<string, string> { ["response"] = responseRef.ToString() },
            Refs = [promptRef, responseRef],
        });

        (Plan? plan, string? invalid) = PlanParser.Parse(response.Text, catalog);
        if (plan is null)
        {
            log.Add(Rejected(prefix, input, invalid!, [promptRef, responseRef], response.Info));
            await events.AppendAsync(sessionId, log, cancellationToken).ConfigureAwait(false);
            return new PlanTurnResult(null, null, $"the plan was rejected: {invalid}", response.Info);
        }

        PayloadRef planRef = await payloads.PutTextAsync(sessionId, JsonSerializer.Serialize(plan, JsonDefaults.Web), "application/json", cancellationToken).ConfigureAwait(false);
        log.Add(new EventDraft($"{prefix}/{EventTypes.PlanPreviewed}", EventTypes.PlanPreviewed, sessionId, $"{plan.Goal} ({plan.Steps.Count} steps)")
        {
            Turn = input.Turn,
            Revision = input.Revision,
            Inputs = input.ReviewerRationale is null ? null : new Dictionary<string, string> { ["reviewerRationale"] = input.ReviewerRationale },
            Outputs = plan.Steps.ToDictionary(
                s => s.Id,
                s => $"{s.Tool}{(s.DependsOn.Count == 0 ? string.Empty : " after " + string.Join(",", s.DependsOn))}{(s.RequiresApproval ? " [approval]" : string.Empty)}"),
            Refs = [planRef],
        });
        await events.AppendAsync(sessionId, log, cancellationToken).ConfigureAwait(false);
        return new PlanTurnResult(plan, planRef, null, response.Info);
    }

    static EventDraft Rejected(string prefix, PlanTurnRequest input, string error, IReadOnlyList<PayloadRef> refs, ModelCallInfo? model) =>
        new($"{prefix}/{EventTypes.PlanRejected}", EventTypes.PlanRejected, input.Session.SessionId, error)
        {
            Turn = input.Turn,
            Revision = input.Revision,
            Decision = "rejected",
            Model = model?.Model,
            Tokens = model?.Tokens,
            Refs = refs,
        };
}
