using Agents.Core.Contracts;
using Agents.Core.Replay;
using Agents.Core.Storage;
using Microsoft.DurableTask;

namespace Agents.Core.Activities;

/// <summary>
/// A replay does not ask anyone: it takes the decision the original recorded for the same approval request (the
/// n-th decision on request number k of the turn). Null when the original recorded none (it never asked, or the
/// replay asks for more than it decided).
/// </summary>
public sealed class ResolveReplayApprovalActivity(ReplaySource source, IEventLog events) : TaskActivity<ReplayApprovalRequest, RecordedDecision?>
{
    public override Task<RecordedDecision?> RunAsync(TaskActivityContext context, ReplayApprovalRequest input) => this.ExecuteAsync(input);

    public async Task<RecordedDecision?> ExecuteAsync(ReplayApprovalRequest input, CancellationToken cancellationToken = default)
    {
        if (input.Events.Count > 0)
        {
            await events.AppendAsync(input.Session.SessionId, input.Events, cancellationToken).ConfigureAwait(false);
        }

        string original = input.Session.Replay?.OriginalSession
            ?? throw new InvalidOperationException($"session {input.Session.SessionId} is not a replay");
        IReadOnlyList<RecordedDecision> decisions = await source.DecisionsAsync(original, input.Turn, input.Sequence, cancellationToken).ConfigureAwait(false);
        return input.Index < decisions.Count ? decisions[input.Index] : null;
    }
}
