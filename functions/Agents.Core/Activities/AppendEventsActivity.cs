using Agents.Core.Contracts;
using Agents.Core.Storage;
using Microsoft.DurableTask;

namespace Agents.Core.Activities;

/// <summary>Appends orchestrator-level events (decisions, expiry): orchestrators never write the log themselves.</summary>
public sealed class AppendEventsActivity(IEventLog events) : TaskActivity<AppendEventsRequest, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, AppendEventsRequest input) => this.ExecuteAsync(input);

    public async Task<int> ExecuteAsync(AppendEventsRequest input, CancellationToken cancellationToken = default) =>
        (await events.AppendAsync(input.SessionId, input.Events, cancellationToken).ConfigureAwait(false)).Count;
}
