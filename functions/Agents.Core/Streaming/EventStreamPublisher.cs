using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Agents.Core.Contracts;
using Agents.Core.Telemetry;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.Streaming;

public enum SessionPublishOutcome
{
    /// <summary>Everything in the log up to now is published (or filtered) and checkpointed.</summary>
    Complete,

    /// <summary>Another publisher holds the session's lease; it is left to that one.</summary>
    Busy,

    /// <summary>A send or a checkpoint write failed; the checkpoint stays at the last success and the next sweep retries.</summary>
    Failed,
}

public sealed record SessionPublishResult(string SessionId, SessionPublishOutcome Outcome, int Published, int Filtered, StreamCheckpoint Checkpoint, Exception? Error = null);

public sealed record SweepResult(int Sessions, int Published, int Failed, int Busy);

/// <summary>
/// Publishes the session logs' events to the Service Bus topic. The event log is the outbox: nothing is queued in
/// memory or sent from the turn's path. A sweep (every <see cref="EventStreamOptions.PollSeconds"/>, or right after an
/// append through <see cref="StreamingEventLog"/>) lists the sessions marked pending and, for each under its lease,
/// reads the log past its checkpoint, sends the events in order in chunks of <see cref="EventStreamOptions.BatchSize"/>
/// and advances the checkpoint after each accepted chunk. A failed send leaves the checkpoint and the marker where they
/// were: the next sweep sends the same messages again (same MessageId, so the topic's duplicate detection drops the ones
/// that did arrive). Delivery is at least once and in log order per session; no event is dropped. Every
/// <see cref="EventStreamOptions.ReconcileMinutes"/> (and at start) every log is compared with its checkpoint and the
/// sessions behind are marked, which covers a marker that was never written (a crash right after an append).
/// </summary>
public sealed partial class EventStreamPublisher : BackgroundService
{
    static readonly Counter<long> PublishedCounter = AgentTelemetry.Meter.CreateCounter<long>("agentfunctions.stream.published", "{event}", "Events published to the event stream");
    static readonly Counter<long> FilteredCounter = AgentTelemetry.Meter.CreateCounter<long>("agentfunctions.stream.filtered", "{event}", "Events the event stream's type filter left out");
    static readonly Counter<long> FailureCounter = AgentTelemetry.Meter.CreateCounter<long>("agentfunctions.stream.failures", "{attempt}", "Session publish attempts that failed and will be retried");

    /// <summary>Sweeps back off after failures (a Service Bus outage) up to this.</summary>
    static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(2);

    /// <summary>Blob lease on a session's checkpoint while it is published; renewed after every chunk.</summary>
    static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    readonly EventStreamStore store;
    readonly IEventStreamSender sender;
    readonly IOptions<EventStreamOptions> options;
    readonly TimeProvider clock;
    readonly ILogger<EventStreamPublisher> logger;
    readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public EventStreamPublisher(EventStreamStore store, IEventStreamSender sender, IOptions<EventStreamOptions> options, TimeProvider clock, ILogger<EventStreamPublisher> logger)
    {
        this.store = store;
        this.sender = sender;
        this.options = options;
        this.clock = clock;
        this.logger = logger;
    }

    /// <summary>Asks for a sweep now (after an append) instead of at the next poll. Never blocks, never throws.</summary>
    public void Nudge() => this.wake.Writer.TryWrite(true);

    /// <summary>One pass: optionally mark the sessions behind their logs, then publish every pending session.</summary>
    public async Task<SweepResult> SweepAsync(bool reconcile, CancellationToken cancellationToken)
    {
        if (reconcile)
        {
            int marked = 0;
            await foreach (string session in this.store.BehindAsync(cancellationToken).ConfigureAwait(false))
            {
                await this.store.MarkAsync(session, cancellationToken).ConfigureAwait(false);
                marked++;
            }

            if (marked > 0)
            {
                this.LogReconciled(marked);
            }
        }

        int sessions = 0, published = 0, failed = 0, busy = 0;
        await Parallel.ForEachAsync(
            this.store.PendingAsync(cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = this.options.Value.MaxConcurrentSessions, CancellationToken = cancellationToken },
            async (pending, token) =>
            {
                SessionPublishResult result = await this.PublishSessionAsync(pending.SessionId, token).ConfigureAwait(false);
                Interlocked.Increment(ref sessions);
                Interlocked.Add(ref published, result.Published);
                switch (result.Outcome)
                {
                    case SessionPublishOutcome.Complete:
                        await this.store.ClearAsync(pending, token).ConfigureAwait(false);
                        break;
                    case SessionPublishOutcome.Busy:
                        Interlocked.Increment(ref busy);
                        break;
                    default:
                        Interlocked.Increment(ref failed);
                        break;
                }
            }).ConfigureAwait(false);
        return new SweepResult(sessions, published, failed, busy);
    }

    /// <summary>
    /// Publishes what the session's log holds past its checkpoint. Never throws for a send or storage failure (the
    /// outcome says <see cref="SessionPublishOutcome.Failed"/>); only cancellation propagates.
    /// </summary>
    public async Task<SessionPublishResult> PublishSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        EventStreamOptions settings = this.options.Value;
        StreamCheckpoint checkpoint = StreamCheckpoint.Start;
        int published = 0, filtered = 0;
        try
        {
            await using SessionLease? lease = await this.store.TryLeaseAsync(sessionId, LeaseDuration, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                return new SessionPublishResult(sessionId, SessionPublishOutcome.Busy, 0, 0, checkpoint);
            }

            checkpoint = await this.store.ReadCheckpointAsync(sessionId, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<LoggedEvent> fresh = await this.ReadPastAsync(sessionId, checkpoint, cancellationToken).ConfigureAwait(false);
            string? org = checkpoint.Org ?? fresh.Select(l => EventStreamMessages.OrgOf(l.Event)).FirstOrDefault(o => o is not null);
            Uri location = this.store.LogLocation(sessionId);

            int next = 0;
            while (next < fresh.Count)
            {
                // A chunk: up to BatchSize events to send, plus the filtered ones among them (they advance the checkpoint too).
                var messages = new List<ServiceBusMessage>();
                int end = next, chunkFiltered = 0;
                for (; end < fresh.Count && messages.Count < settings.BatchSize; end++)
                {
                    AgentEvent e = fresh[end].Event;
                    if (settings.IsPublished(e.Type))
                    {
                        messages.Add(EventStreamMessages.ToMessage(e, org, settings, location));
                    }
                    else
                    {
                        chunkFiltered++;
                        FilteredCounter.Add(1, new KeyValuePair<string, object?>("type", e.Type));
                    }
                }

                if (messages.Count > 0)
                {
                    await this.sender.SendAsync(messages, cancellationToken).ConfigureAwait(false);
                }

                LoggedEvent last = fresh[end - 1];
                StreamCheckpoint advanced = checkpoint with
                {
                    Seq = last.Event.Seq,
                    Hash = last.Event.Hash,
                    Length = last.End,
                    Org = org,
                    Published = checkpoint.Published + messages.Count,
                    Filtered = checkpoint.Filtered + chunkFiltered,
                    UpdatedAt = this.clock.GetUtcNow().UtcDateTime,
                };
                await lease.WriteAsync(advanced, cancellationToken).ConfigureAwait(false);
                checkpoint = advanced;
                published += messages.Count;
                filtered += chunkFiltered;
                PublishedCounter.Add(messages.Count);
                next = end;
                if (next < fresh.Count)
                {
                    await lease.RenewAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            if (published + filtered > 0)
            {
                this.LogPublished(sessionId, published, filtered, checkpoint.Seq);
            }

            return new SessionPublishResult(sessionId, SessionPublishOutcome.Complete, published, filtered, checkpoint);
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            FailureCounter.Add(1);
            this.LogPublishFailed(e, sessionId, checkpoint.Seq);
            return new SessionPublishResult(sessionId, SessionPublishOutcome.Failed, published, filtered, checkpoint, e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        EventStreamOptions settings = this.options.Value;
        if (!settings.IsEnabled)
        {
            this.LogDisabled();
            return;
        }

        this.LogStarted(settings.NamespaceHost, settings.Topic);
        DateTimeOffset nextReconcile = this.clock.GetUtcNow();
        int failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            bool reconcile = this.clock.GetUtcNow() >= nextReconcile;
            try
            {
                SweepResult result = await this.SweepAsync(reconcile, stoppingToken).ConfigureAwait(false);
                if (reconcile)
                {
                    nextReconcile = settings.ReconcileMinutes > 0 ? this.clock.GetUtcNow().AddMinutes(settings.ReconcileMinutes) : DateTimeOffset.MaxValue;
                }

                failures = result.Failed > 0 ? failures + 1 : 0;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Storage unreachable (listing markers): nothing was lost, try again later.
                this.LogSweepFailed(e);
                failures++;
            }

            await this.WaitAsync(Backoff(settings.PollSeconds, failures), wakeable: failures == 0, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>The wait before the next sweep: the poll interval, doubled per consecutive failed sweep up to two minutes.</summary>
    public static TimeSpan Backoff(int pollSeconds, int failures)
    {
        double seconds = pollSeconds * Math.Pow(2, Math.Min(failures, 16));
        return TimeSpan.FromSeconds(Math.Min(seconds, Math.Max(pollSeconds, MaxBackoff.TotalSeconds)));
    }

    async Task<IReadOnlyList<LoggedEvent>> ReadPastAsync(string sessionId, StreamCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        IReadOnlyList<LoggedEvent> fresh = await this.store.ReadLogAsync(sessionId, checkpoint.Length, cancellationToken).ConfigureAwait(false);
        if (fresh.Count == 0 || (fresh[0].Event.Seq == checkpoint.Seq + 1 && fresh[0].Event.PrevHash == checkpoint.Hash))
        {
            return fresh;
        }

        // The offset does not land after the checkpointed event (not expected: the log is append-only). Read it all and
        // go on after the checkpointed sequence number rather than skip or repeat anything.
        this.LogOffsetMismatch(sessionId, checkpoint.Seq, checkpoint.Length, fresh[0].Event.Seq);
        IReadOnlyList<LoggedEvent> all = await this.store.ReadLogAsync(sessionId, 0, cancellationToken).ConfigureAwait(false);
        return all.Where(l => l.Event.Seq > checkpoint.Seq).ToList();
    }

    async Task WaitAsync(TimeSpan delay, bool wakeable, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(delay);
        try
        {
            if (wakeable)
            {
                await this.wake.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            else
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The poll interval elapsed.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event stream disabled (EventStream:FullyQualifiedNamespace is empty): nothing is published")]
    partial void LogDisabled();

    [LoggerMessage(Level = LogLevel.Information, Message = "Event stream publishing to {Namespace}/{Topic}")]
    partial void LogStarted(string @namespace, string topic);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: published {Published} events, filtered {Filtered}, checkpoint at seq {Seq}")]
    partial void LogPublished(string sessionId, int published, int filtered, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: publishing failed after seq {Seq}; it stays pending and is retried")]
    partial void LogPublishFailed(Exception e, string sessionId, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event stream sweep failed; retrying later")]
    partial void LogSweepFailed(Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event stream reconciliation: {Count} sessions were behind their logs and are marked pending")]
    partial void LogReconciled(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the log at byte {Length} does not follow checkpoint seq {Seq} (found seq {Found}); reading the whole log")]
    partial void LogOffsetMismatch(string sessionId, long seq, long length, long found);
}
