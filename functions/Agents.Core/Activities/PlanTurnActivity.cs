using System.Diagnostics;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Load;
using Agents.Core.LongTermMemory;
using Agents.Core.Models;
using Agents.Core.Orchestrations;
using Agents.Core.Planning;
using Agents.Core.Policy;
using Agents.Core.Storage;
using Agents.Core.Telemetry;
using Agents.Core.Tools;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.Activities;

/// <summary>Asks the small tier for a JSON plan, validates it, stores prompt, answer and plan by reference, and logs it.</summary>
public sealed class PlanTurnActivity(
    IModelGateway models,
    ToolCatalog catalog,
    PolicyEvaluator policy,
    RepositoryWorkspace workspace,
    IPayloadStore payloads,
    IEventLog events,
    ILoadState load,
    TokenCounter tokens,
    IOptions<MemoryOptions> memoryOptions,
    ILogger<PlanTurnActivity> logger) : TaskActivity<PlanTurnRequest, PlanTurnResult>
{
    public const int MaxPlanOutputTokens = 1500;

    public override Task<PlanTurnResult> RunAsync(TaskActivityContext context, PlanTurnRequest input) => this.ExecuteAsync(input);

    public async Task<PlanTurnResult> ExecuteAsync(PlanTurnRequest input, CancellationToken cancellationToken = default)
    {
        string sessionId = input.Session.SessionId;
        long started = Stopwatch.GetTimestamp();
        using Activity? span = TurnTrace.Start(TurnSpans.Plan, sessionId, input.Turn);
        span?.SetTag(SpanAttributes.Revision, input.Revision);
        try
        {
            return await this.PlanAsync(input, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            AgentTelemetry.RecordStage(Stages.Plan, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    async Task<PlanTurnResult> PlanAsync(PlanTurnRequest input, CancellationToken cancellationToken)
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

        Activity? promptSpan = TurnTrace.Start(TurnSpans.PromptBuild, sessionId, input.Turn);
        string ticket = await payloads.GetTextAsync(sessionId, input.Input, cancellationToken).ConfigureAwait(false);
        string? previousPlan = input.PreviousPlan is null ? null : await payloads.GetTextAsync(sessionId, input.PreviousPlan, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> files = workspace.Exists(input.Session.Repository) ? workspace.Files(workspace.RootOf(input.Session.Repository)) : [];

        // Under load the planner sees fewer tools (degrade level 2), and never a tool the policy forbids outright for
        // this principal and resource: it could only plan a step that is refused.
        int degradeLevel = load.Current.Level;
        PolicyBudget budget = input.Budget ?? new PolicyBudget(input.Allotment.InputTokens + input.Allotment.OutputTokens, 0, 0, 0, 0);
        var withheld = new List<string>();
        // A replay serves the recorded plan: it is checked against the catalog as the original planner saw it, so that
        // today's policy is judged on each step (the policy then refuses a step; withholding it would hide why).
        bool recordedPlan = input.Session.Replay is { } replay && !replay.IsLiveTurn(input.Turn);
        await policy.EnsureLoadedAsync(input.Session, cancellationToken).ConfigureAwait(false);
        ToolCatalog available = recordedPlan ? catalog : catalog.AvailableAt(degradeLevel).Without(tool =>
        {
            bool forbidden = policy.ForbidsOutright(input.Session, tool, budget);
            if (forbidden)
            {
                withheld.Add(tool.Name);
            }

            return forbidden;
        });
        var messages = Prompts.Plan(input.Session, ticket, available.Definitions, files, previousPlan, input.ReviewerRationale);
        IReadOnlyList<MemoryHit> memory = await this.MemoryAsync(input, messages.Sum(m => tokens.Count(m.Text)), cancellationToken).ConfigureAwait(false);
        if (memory.Count > 0)
        {
            messages = Prompts.Plan(input.Session, ticket, available.Definitions, files, previousPlan, input.ReviewerRationale, memory);
        }

        // The prompt is private working state: the model sees it, the core reads it, the API never serves it.
        PayloadRef promptRef = await payloads.PutPrivateTextAsync(sessionId, string.Join("\n\n", messages.Select(m => $"[{m.Role}]\n{m.Text}")), PayloadKinds.Prompt, cancellationToken).ConfigureAwait(false);
        promptSpan?.SetTag("agentfunctions.prompt.messages", messages.Count);
        promptSpan?.SetTag("agentfunctions.prompt.tools", available.Definitions.Count);
        promptSpan?.Dispose();

        var request = new ModelRequest(
            Prompts.PlanPurpose,
            input.LongContext ? ModelTier.LongContext : ModelTier.Small,
            messages,
            MaxPlanOutputTokens,
            new ModelCallContext(input.Session, input.Turn, input.Revision, $"{prefix}/plan", input.Allotment))
        {
            Output = PlanParser.ContractFor(available),
        };
        ModelResponse response;
        try
        {
            response = await models.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelCallException e)
        {
            logger.LogWarning("Planning failed for {Session} turn {Turn}: {Reason}", sessionId, input.Turn, e.Message);
            bool exhausted = e is ModelCallRefusedException { Kind: RefusalKind.BudgetExceeded };
            string error = exhausted ? $"token budget exhausted: {e.Message}" : $"the plan was rejected: {e.Message}";
            log.AddRange(e.Events);
            log.Add(Rejected(prefix, input, error, [promptRef], e.Spent));
            await events.AppendAsync(sessionId, log, cancellationToken).ConfigureAwait(false);
            return new PlanTurnResult(null, null, error, e.Spent) { BudgetExhausted = exhausted };
        }

        log.AddRange(response.Events);
        Plan plan = PlanParser.Build(response.Json!.Value, available);
        PayloadRef planRef = await payloads.PutTextAsync(sessionId, JsonSerializer.Serialize(plan, JsonDefaults.Web), "application/json", cancellationToken).ConfigureAwait(false);
        log.Add(new EventDraft($"{prefix}/{EventTypes.PlanPreviewed}", EventTypes.PlanPreviewed, sessionId, $"{plan.Goal} ({plan.Steps.Count} steps)")
        {
            Turn = input.Turn,
            Revision = input.Revision,
            Model = response.Info.Model,
            Tokens = response.Info.Tokens,
            CostUsd = response.Info.CostUsd,
            LatencyMs = response.Info.LatencyMs,
            Inputs = new Dictionary<string, string?>
            {
                ["prompt"] = promptRef.ToString(),
                ["reviewerRationale"] = input.ReviewerRationale,
                ["degradeLevel"] = degradeLevel.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["tools"] = string.Join(",", available.Definitions.Select(d => d.Name)),
                ["memory"] = memory.Count == 0 ? null : string.Join(", ", memory.Select(h => $"{h.Path}:{h.StartLine}-{h.EndLine}")),
                ["withheldByPolicy"] = withheld.Count == 0 ? null : string.Join(",", withheld),
            }.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!),
            Outputs = plan.Steps.ToDictionary(
                s => s.Id,
                s => $"{s.Tool}{(s.DependsOn.Count == 0 ? string.Empty : " after " + string.Join(",", s.DependsOn))}{(s.RequiresApproval ? " [approval]" : string.Empty)}"),
            Refs = [promptRef, planRef],
        });
        await events.AppendAsync(sessionId, log, cancellationToken).ConfigureAwait(false);
        return new PlanTurnResult(plan, planRef, null, response.Info);
    }

    /// <summary>
    /// The retrieved chunks that fit the prompt: best first, at most <see cref="MemoryOptions.PromptTokens"/> tokens and
    /// at most half of what the prompt without them leaves of the call's input allotment, so the memory never makes the
    /// planning call too large for its budget nor takes all of what later calls of the turn need. When the session has
    /// less than half a turn's input cap left, the plan goes without memory: the tokens left are for the work itself.
    /// </summary>
    async Task<IReadOnlyList<MemoryHit>> MemoryAsync(PlanTurnRequest input, int promptTokens, CancellationToken cancellationToken)
    {
        const int HeadingTokens = 32;
        int room = (input.Allotment.InputTokens - promptTokens) / 2 - HeadingTokens;
        bool starved = input.Allotment.InputTokens < input.Session.Limits.TurnInputTokens / 2;
        if (input.Memory is null || room <= 0 || starved)
        {
            return [];
        }

        string json = await payloads.GetTextAsync(input.Session.SessionId, input.Memory, cancellationToken).ConfigureAwait(false);
        RetrievedMemory? retrieved = JsonSerializer.Deserialize<RetrievedMemory>(json, JsonDefaults.Web);
        int budget = Math.Min(memoryOptions.Value.PromptTokens, room);
        return Prompts.FitMemory(retrieved?.Hits ?? [], budget, tokens.Count);
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
