using System.Collections.Concurrent;
using System.Diagnostics;
using Agents.Core.Contracts;
using Agents.Core.Storage;
using Agents.Core.Streaming;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentBench;

/// <summary>
/// The event stream's outbox on Azurite with the topic at the seam (a sender that accepts at once): what the pending
/// marker adds to an append, how fast a sweep drains a backlog, and how long an appended event waits before it is sent
/// by the background publisher. Needs Azurite on 127.0.0.1:10000 (scripts/bench-stream.sh starts it).
/// </summary>
static class StreamBench
{
    public static async Task<object> RunAsync(string connectionString, int appends, int sessions)
    {
        string suffix = Guid.NewGuid().ToString("N")[..8];
        var storage = new BlobContainers(Options.Create(new StorageOptions { ConnectionString = connectionString, EventsContainer = "bench-ev-" + suffix }));
        IOptions<EventStreamOptions> options = Options.Create(new EventStreamOptions
        {
            FullyQualifiedNamespace = "sb-bench.servicebus.windows.net",
            Container = "bench-stream-" + suffix,
            PollSeconds = 5,
        });
        var topic = new InstantTopic();
        var store = new EventStreamStore(storage, options);
        var publisher = new EventStreamPublisher(store, topic, options, TimeProvider.System, NullLogger<EventStreamPublisher>.Instance);
        var plain = new BlobEventLog(storage, Agents.Core.Redaction.Redactor.Default);
        var marking = new StreamingEventLog(new BlobEventLog(storage, Agents.Core.Redaction.Redactor.Default), store, publisher, NullLogger<StreamingEventLog>.Instance);

        // 1. One append of 3 events, without and with the pending marker.
        await AppendAsync(plain, "warm-plain", 0);
        await AppendAsync(marking, "warm-marking", 0);
        List<double> plainMs = [], markingMs = [];
        for (int i = 1; i <= appends; i++)
        {
            plainMs.Add(await AppendAsync(plain, "plain", i));
            markingMs.Add(await AppendAsync(marking, "marking", i));
        }

        // 2. A backlog: sessions × 16 events (10 published), drained by one sweep.
        for (int s = 0; s < sessions; s++)
        {
            for (int i = 0; i < 4; i++)
            {
                await marking.AppendAsync($"backlog-{s}", Drafts($"backlog-{s}", i));
            }
        }

        await publisher.SweepAsync(reconcile: false, CancellationToken.None); // the warm-up sessions and plain/marking ones
        topic.Clear();
        for (int s = 0; s < sessions; s++)
        {
            await marking.AppendAsync($"drain-{s}", Drafts($"drain-{s}", 0));
            await marking.AppendAsync($"drain-{s}", Drafts($"drain-{s}", 1));
        }

        var drain = Stopwatch.StartNew();
        SweepResult swept = await publisher.SweepAsync(reconcile: false, CancellationToken.None);
        drain.Stop();

        // 3. Append → sent, with the background publisher running (woken by the append).
        topic.Clear();
        await publisher.StartAsync(CancellationToken.None);
        List<double> toSentMs = [];
        try
        {
            for (int i = 0; i < appends; i++)
            {
                string session = $"live-{i % 10}";
                long before = Stopwatch.GetTimestamp();
                IReadOnlyList<AgentEvent> appended = await marking.AppendAsync(session, Drafts(session, 100 + i));
                string last = appended[^1].Id;
                while (!topic.SentAt.ContainsKey(last))
                {
                    await Task.Delay(1);
                }

                toSentMs.Add(Stopwatch.GetElapsedTime(before, topic.SentAt[last]).TotalMilliseconds);
            }
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }

        var report = new
        {
            appendPlainMs = Summary(plainMs),
            appendWithMarkerMs = Summary(markingMs),
            drain = new { sessions = swept.Sessions, events = swept.Published, ms = drain.Elapsed.TotalMilliseconds, eventsPerSecond = swept.Published / drain.Elapsed.TotalSeconds },
            appendToSentMs = Summary(toSentMs),
        };
        Console.WriteLine($"event stream outbox on Azurite, {appends} appends of 4 events, {sessions} sessions in the backlog");
        Console.WriteLine($"  append, plain log            p50 {report.appendPlainMs.P50:0.0} ms  p95 {report.appendPlainMs.P95:0.0} ms");
        Console.WriteLine($"  append, with pending marker  p50 {report.appendWithMarkerMs.P50:0.0} ms  p95 {report.appendWithMarkerMs.P95:0.0} ms");
        Console.WriteLine($"  one sweep over the backlog   {swept.Sessions} sessions, {swept.Published} events in {drain.Elapsed.TotalMilliseconds:0} ms ({report.drain.eventsPerSecond:0} events/s)");
        Console.WriteLine($"  append returned → sent       p50 {report.appendToSentMs.P50:0.0} ms  p95 {report.appendToSentMs.P95:0.0} ms");
        return report;
    }

    static async Task<double> AppendAsync(IEventLog log, string session, int n)
    {
        long start = Stopwatch.GetTimestamp();
        await log.AppendAsync(session, Drafts(session, n));
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>Four events as a step writes them: progress, policy, completion and a turn event (the policy one is filtered out).</summary>
    static EventDraft[] Drafts(string session, int n) =>
    [
        new($"s-{session}:t-1/r0/step.progress/s{n}/1", EventTypes.StepProgress, session, "running 12 tests") { Turn = 1, Step = $"s{n}" },
        new($"s-{session}:t-1/r0/policy.evaluated/s{n}", "policy.evaluated", session, "permit") { Turn = 1, Step = $"s{n}" },
        new($"s-{session}:t-1/r0/step.completed/s{n}", EventTypes.StepCompleted, session, "12 tests passed") { Turn = 1, Step = $"s{n}" },
        new($"s-{session}:t-1/r0/turn.note/{n}", "turn.note", session, "step done") { Turn = 1 },
    ];

    static Percentiles Summary(List<double> values)
    {
        List<double> sorted = [.. values.Order()];
        return new Percentiles(Sample.Percentile(sorted, 0.50), Sample.Percentile(sorted, 0.95));
    }

    sealed record Percentiles(double P50, double P95);

    /// <summary>A topic that accepts every message at once and notes when.</summary>
    sealed class InstantTopic : IEventStreamSender
    {
        public ConcurrentDictionary<string, long> SentAt { get; } = new(StringComparer.Ordinal);

        public void Clear() => this.SentAt.Clear();

        public Task SendAsync(IReadOnlyList<ServiceBusMessage> messages, CancellationToken cancellationToken)
        {
            long now = Stopwatch.GetTimestamp();
            foreach (ServiceBusMessage message in messages)
            {
                this.SentAt[message.MessageId] = now;
            }

            return Task.CompletedTask;
        }
    }
}
