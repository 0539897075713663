using Agents.Core.Contracts;
using Agents.Core.Orchestrations;
using Agents.Core.Storage;
using Microsoft.DurableTask;

namespace Agents.Core.Activities;

/// <summary>Records that a decision is needed and notifies whoever decides.</summary>
public sealed class RequestApprovalActivity(IEventLog events, IApprovalNotifier notifier) : TaskActivity<RequestApprovalRequest, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, RequestApprovalRequest input) => this.ExecuteAsync(input);

    public async Task<bool> ExecuteAsync(RequestApprovalRequest input, CancellationToken cancellationToken = default)
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
            Inputs = input.Steps.ToDictionary(s => s.Id, s => $"{s.Tool} {s.Arguments}"),
            Outputs = new Dictionary<string, string>
            {
                ["approvalId"] = input.Approval.ApprovalId,
                ["expiresAt"] = input.Approval.ExpiresAt.ToString("O"),
            },
        };
        await events.AppendAsync(sessionId, [.. input.Events, requested], cancellationToken).ConfigureAwait(false);
        await notifier.NotifyAsync(input, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
