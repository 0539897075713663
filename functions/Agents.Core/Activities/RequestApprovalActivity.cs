using System.Diagnostics;
using Agents.Core.Contracts;
using Agents.Core.Orchestrations;
using Agents.Core.Storage;
using Agents.Core.Telemetry;
using Microsoft.DurableTask;

namespace Agents.Core.Activities;

/// <summary>Records that a decision is needed and notifies whoever decides.</summary>
public sealed class RequestApprovalActivity(IEventLog events, IApprovalNotifier notifier) : TaskActivity<RequestApprovalRequest, ApprovalNotice?>
{
    public override Task<ApprovalNotice?> RunAsync(TaskActivityContext context, RequestApprovalRequest input) => this.ExecuteAsync(input);

    public async Task<ApprovalNotice?> ExecuteAsync(RequestApprovalRequest input, CancellationToken cancellationToken = default)
    {
        string sessionId = input.Session.SessionId;
        var requested = new EventDraft(
            $"{Ids.TurnInstanceId(sessionId, input.Turn)}/{EventTypes.ApprovalRequested}/{input.Approval.ApprovalId}",
            EventTypes.ApprovalRequested,
            sessionId,
            $"approval needed for {string.Join(", ", input.Steps.Select(s => $"{s.Id} ({s.Tool})"))}")
        {
            Turn = input.Turn,
            Revision = input.Revision,
            Time = input.Approval.RequestedAt,
            Decision = "require_approval",
            Tokens = input.TokensSoFar,
            CostUsd = input.CostSoFar,
            Inputs = input.Steps.ToDictionary(s => s.Id, s => $"{s.Tool} {s.Arguments} — {input.Reasons.GetValueOrDefault(s.Id)}"),
            Outputs = new Dictionary<string, string>
            {
                ["approvalId"] = input.Approval.ApprovalId,
                ["expiresAt"] = input.Approval.ExpiresAt.ToString("O"),
                ["policyVersion"] = input.Approval.PolicyVersion ?? string.Empty,
                ["bindings"] = string.Join(",", input.Approval.Bindings.Select(b => $"{b.Key}:{b.Value}")),
            },
        };

        using Activity? span = TurnTrace.Start(TurnSpans.RequestApproval, sessionId, input.Turn);
        span?.SetTag(SpanAttributes.ApprovalId, input.Approval.ApprovalId);
        span?.SetTag(SpanAttributes.Step, string.Join(",", input.Steps.Select(s => s.Id)));

        // Logged before anyone is told, so a decision can never arrive for a request the log does not know.
        await events.AppendAsync(sessionId, [.. input.Events, requested], cancellationToken).ConfigureAwait(false);
        return await notifier.NotifyAsync(input, cancellationToken).ConfigureAwait(false);
    }
}
