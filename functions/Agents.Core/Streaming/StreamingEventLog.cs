using Agents.Core.Contracts;
using Agents.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Agents.Core.Streaming;

/// <summary>
/// The event log, plus a note for the event stream: after every append (including a retried one that appended
/// nothing, and a failed one) the session is marked pending and the publisher is woken. The marker is a hint that
/// keeps the sweep's work proportional to active sessions; it is bounded in time and its failure is only logged, so the
/// stream can never fail or stall a turn. What it misses, reconciliation finds (<see cref="EventStreamPublisher"/>).
/// </summary>
public sealed partial class StreamingEventLog(IEventLog inner, EventStreamStore store, EventStreamPublisher publisher, ILogger<StreamingEventLog> logger) : IEventLog
{
    static readonly TimeSpan MarkTimeout = TimeSpan.FromSeconds(5);

    public IEventLog Inner => inner;

    public async Task<IReadOnlyList<AgentEvent>> AppendAsync(string sessionId, IReadOnlyList<EventDraft> drafts, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.AppendAsync(sessionId, drafts, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (drafts.Count > 0)
            {
                await this.MarkAsync(sessionId).ConfigureAwait(false);
            }
        }
    }

    public Task<IReadOnlyList<AgentEvent>> ReadAsync(string sessionId, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(sessionId, cancellationToken);

    public Task<IReadOnlyList<string>> ReadLinesAsync(string sessionId, CancellationToken cancellationToken = default) =>
        inner.ReadLinesAsync(sessionId, cancellationToken);

    public Uri LocationOf(string sessionId) => inner.LocationOf(sessionId);

    async Task MarkAsync(string sessionId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(MarkTimeout);
            await store.MarkAsync(sessionId, timeout.Token).ConfigureAwait(false);
            publisher.Nudge();
        }
        catch (Exception e)
        {
            this.LogMarkFailed(e, sessionId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: could not mark it pending for the event stream; reconciliation will find its new events")]
    partial void LogMarkFailed(Exception e, string sessionId);
}
