using Agents.Core.Browser;
using Agents.Core.Contracts;
using Agents.Core.Storage;
using Agents.Core.Telemetry;
using Microsoft.DurableTask;

namespace Agents.Core.Activities;

/// <summary>Appends orchestrator-level events (decisions, expiry) and updates a closed approval's notice: orchestrators never do I/O themselves.</summary>
public sealed class AppendEventsActivity(IEventLog events, IApprovalNotifier notifier, BrowserBroker browser) : TaskActivity<AppendEventsRequest, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, AppendEventsRequest input) => this.ExecuteAsync(input);

    public async Task<int> ExecuteAsync(AppendEventsRequest input, CancellationToken cancellationToken = default)
    {
        int appended = (await events.AppendAsync(input.SessionId, input.Events, cancellationToken).ConfigureAwait(false)).Count;
        foreach (RecordedSpan span in input.Spans)
        {
            TurnTrace.Record(span.Name, input.SessionId, span.Turn, span.Start, span.End, span.Attributes.Select(a => new KeyValuePair<string, object?>(a.Key, a.Value)));
            if (span.Stage is { } stage)
            {
                AgentTelemetry.RecordStage(stage, (span.End - span.Start).TotalMilliseconds);
            }
        }

        if (input.Close is { } close)
        {
            await notifier.CloseAsync(close, cancellationToken).ConfigureAwait(false);
        }

        // The session orchestration logs its end through here: its browser (if it ever had one) goes with it.
        if (input.Events.Any(e => e.Type == EventTypes.SessionExpired))
        {
            await browser.CloseSessionAsync(input.SessionId).ConfigureAwait(false);
        }

        return appended;
    }
}
