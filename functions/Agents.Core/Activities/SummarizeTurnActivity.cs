using System.Diagnostics;
using System.Text;
using Agents.Core.Budgets;
using Agents.Core.Contracts;
using Agents.Core.Load;
using Agents.Core.Models;
using Agents.Core.Planning;
using Agents.Core.Storage;
using Agents.Core.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Agents.Core.Activities;

/// <summary>
/// Summarises the turn for the reviewer with the small tier and closes the turn in the log. If the model cannot
/// summarise, a factual summary built from the graph is used instead and the failure is recorded: a turn is never lost
/// for want of a summary.
/// </summary>
public sealed class SummarizeTurnActivity(
    IModelGateway models,
    IPayloadStore payloads,
    IEventLog events,
    ITurnsInFlight inFlight,
    IOrgBudget orgBudget,
    ILogger<SummarizeTurnActivity> logger)
    : TaskActivity<SummarizeTurnRequest, SummarizeTurnResult>
{
    public const int SummaryOutputTokens = 400;

    public override Task<SummarizeTurnResult> RunAsync(TaskActivityContext context, SummarizeTurnRequest input) => this.ExecuteAsync(input);

    public async Task<SummarizeTurnResult> ExecuteAsync(SummarizeTurnRequest input, CancellationToken cancellationToken = default)
    {
        string sessionId = input.Session.SessionId;
        SummarizeTurnResult result;
        using (Activity? span = TurnTrace.Start(TurnSpans.Summarize, sessionId, input.Turn))
        {
            result = await this.SummarizeAsync(input, cancellationToken).ConfigureAwait(false);
        }

        DateTime ended = DateTime.UtcNow;
        AgentTelemetry.RecordStage(Stages.Turn, (ended - input.TurnStartedAt).TotalMilliseconds);
        TokenUsage tokens = input.TokensSoFar + (result.Model?.Tokens ?? TokenUsage.Zero);
        TurnTrace.RecordTurn(sessionId, input.Turn, input.TurnStartedAt, ended,
        [
            new(SpanAttributes.Outcome, input.Outcome.Snake()),
            new(SpanAttributes.Revision, input.Revision),
            new(SpanAttributes.InputTokens, tokens.InputTokens),
            new(SpanAttributes.OutputTokens, tokens.OutputTokens),
            new(SpanAttributes.CostUsd, (double)(input.CostSoFar + (result.Model?.CostUsd ?? 0))),
        ]);
        return result;
    }

    async Task<SummarizeTurnResult> SummarizeAsync(SummarizeTurnRequest input, CancellationToken cancellationToken)
    {
        string sessionId = input.Session.SessionId;
        string facts = Facts(input);
        string summary = Fallback(input);
        ModelCallInfo? model = null;
        string? modelNote = null;
        PayloadRef? summaryRef = null;
        IReadOnlyList<EventDraft> routerEvents = [];

        if (input.Plan is not null && input.Allotment is null)
        {
            modelNote = "no token budget left for a model summary; a factual summary was used";
        }
        else if (input.Plan is not null)
        {
            try
            {
                string ticket = await payloads.GetTextAsync(sessionId, input.Input, cancellationToken).ConfigureAwait(false);
                ModelResponse response = await models.CompleteAsync(
                    new ModelRequest(Prompts.SummaryPurpose, ModelTier.Small, Prompts.Summary(ticket, input.Outcome, facts), SummaryOutputTokens,
                        new ModelCallContext(input.Session, input.Turn, input.Revision, $"{Ids.TurnInstanceId(sessionId, input.Turn)}/summary", input.Allotment!))
                    {
                        Output = OutputSchemas.Summary,
                    },
                    cancellationToken).ConfigureAwait(false);
                model = response.Info;
                routerEvents = response.Events;
                summary = response.Json!.Value.GetProperty("summary").GetString()!.Trim();
            }
            catch (ModelCallException e)
            {
                logger.LogWarning("Summary model call failed for {Session} turn {Turn}: {Reason}", sessionId, input.Turn, e.Message);
                model = e.Spent;
                routerEvents = e.Events;
                modelNote = $"the summary model call failed ({e.Message}); a factual summary was used";
            }

            summaryRef = await payloads.PutTextAsync(sessionId, summary + "\n\n" + facts, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        TokenUsage tokens = input.TokensSoFar + (model?.Tokens ?? TokenUsage.Zero);
        var completed = new EventDraft(
            $"{Ids.TurnInstanceId(sessionId, input.Turn)}/{EventTypes.TurnCompleted}",
            EventTypes.TurnCompleted,
            sessionId,
            summary)
        {
            Turn = input.Turn,
            Revision = input.Revision,
            Decision = input.Outcome.Snake(),
            Model = model?.Model,
            Tokens = tokens,
            CostUsd = input.CostSoFar + (model?.CostUsd ?? 0),
            Outputs = new Dictionary<string, string?>
            {
                ["outcome"] = input.Outcome.Snake(),
                ["error"] = input.Error,
                ["note"] = modelNote,
            }.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!),
            Refs = summaryRef is null ? null : [summaryRef],
        };
        await events.AppendAsync(sessionId, [.. input.Events, .. routerEvents, completed], cancellationToken).ConfigureAwait(false);

        // The turn is over: it no longer counts as load, and the org keeps only what it really spent of its reservation.
        await orgBudget.SettleAsync(input.Session.Org, Ids.TurnInstanceId(sessionId, input.Turn), input.AcceptedAt, tokens.Total, cancellationToken).ConfigureAwait(false);
        await inFlight.ClearAsync(sessionId, input.Turn, cancellationToken).ConfigureAwait(false);
        return new SummarizeTurnResult(summary, summaryRef, model);
    }

    static string Facts(SummarizeTurnRequest input)
    {
        var facts = new StringBuilder();
        foreach (ActionNode node in input.Nodes)
        {
            facts.Append("- ").Append(node.Id).Append(" (").Append(node.Tool).Append("): ").Append(node.Status.Snake());
            if (node.OutputPreview is not null || node.Error is not null)
            {
                facts.Append(" — ").Append(node.Error ?? node.OutputPreview);
            }

            facts.Append('\n');
        }

        foreach (ApprovalRecord approval in input.Approvals.Where(a => a.Resolution != ApprovalResolution.Ignored))
        {
            facts.Append("- approval ").Append(approval.ApprovalId).Append(": ").Append(approval.Resolution.Snake())
                .Append(" by ").Append(approval.Approver ?? "timer").Append(approval.Rationale is null ? string.Empty : $" ({approval.Rationale})").Append('\n');
        }

        return facts.ToString();
    }

    static string Fallback(SummarizeTurnRequest input)
    {
        if (input.Plan is null)
        {
            return $"Turn {input.Turn} failed before any step ran: {input.Error ?? "no plan"}.";
        }

        int succeeded = input.Nodes.Count(n => n.Status == StepStatus.Succeeded);
        string stopped = string.Join(", ", input.Nodes.Where(n => n.Status is not StepStatus.Succeeded).Select(n => $"{n.Id} {n.Status.Snake()}"));
        return $"{input.Outcome}: {succeeded} of {input.Nodes.Count} steps succeeded for \"{input.Plan.Goal}\"{(stopped.Length > 0 ? $"; {stopped}" : string.Empty)}.";
    }
}
