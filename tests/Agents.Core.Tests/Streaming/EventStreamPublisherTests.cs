using Agents.Core.Contracts;
using Agents.Core.Streaming;
using Agents.Testing;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;

namespace Agents.Core.Tests.Streaming;

/// <summary>The outbox: real session logs on Azurite (BlobEventLog), the topic at the seam (<see cref="FakeTopic"/>).</summary>
[Collection(StreamingCollection.Name)]
public sealed class EventStreamPublisherTests(StreamingFixture fixture)
{
    [Fact]
    public async Task PublishSession_SenderFailsThreeTimes_DeliversEveryEventOnceInOrderAndCheckpointsOnlyOnSuccess()
    {
        // Arrange: 16 events, 10 of them turn/step/approval/plan; chunks of 3; the 2nd, 3rd and 4th sends fail.
        Streams streams = fixture.NewStreams(o => o.BatchSize = 3);
        string session = Streams.NewSession();
        IReadOnlyList<AgentEvent> log = await streams.AppendTurnAsync(streams.NewLog(), session);
        streams.Topic.FailCalls.UnionWith([2, 3, 4]);
        EventStreamPublisher publisher = streams.NewPublisher();
        EventStreamStore store = streams.NewStore();

        // Act
        var outcomes = new List<(SessionPublishResult Result, StreamCheckpoint Stored)>();
        for (int attempt = 0; attempt < 10 && outcomes.LastOrDefault().Result?.Outcome != SessionPublishOutcome.Complete; attempt++)
        {
            SessionPublishResult result = await publisher.PublishSessionAsync(session, CancellationToken.None);
            outcomes.Add((result, await store.ReadCheckpointAsync(session, CancellationToken.None)));
        }

        // Assert: three failures, each leaving the checkpoint after the first (accepted) chunk, then success.
        Assert.Equal(
            [SessionPublishOutcome.Failed, SessionPublishOutcome.Failed, SessionPublishOutcome.Failed, SessionPublishOutcome.Complete],
            outcomes.Select(o => o.Result.Outcome));
        long afterFirstChunk = log.Single(e => e.Type == EventTypes.PlanPreviewed).Seq;
        Assert.All(outcomes.Take(3), o => Assert.Equal(afterFirstChunk, o.Stored.Seq));
        Assert.All(outcomes.Take(3), o => Assert.IsType<ServiceBusException>(o.Result.Error));
        Assert.Equal(3, streams.Topic.Failures);

        string[] expected = log.Where(e => streams.Options.IsPublished(e.Type)).Select(e => e.Id).ToArray();
        Assert.Equal(10, expected.Length);
        Assert.Equal(expected, streams.Topic.Accepted.Select(m => m.MessageId)); // exactly once, in log order
        Assert.Equal(expected, streams.Topic.Delivered.Select(m => m.MessageId));
        Assert.All(streams.Topic.Accepted, m => Assert.Equal(session, m.SessionId));

        StreamCheckpoint final = outcomes[^1].Stored;
        Assert.Equal(log[^1].Seq, final.Seq);
        Assert.Equal(log[^1].Hash, final.Hash);
        Assert.Equal((await streams.NewStore().ReadLogAsync(session, 0, CancellationToken.None))[^1].End, final.Length);
        Assert.Equal(10, final.Published);
        Assert.Equal(6, final.Filtered);
        Assert.Equal("contoso", final.Org);
        Assert.All(streams.Topic.Accepted, m => Assert.Equal("contoso", m.ApplicationProperties["org"]));
    }

    [Fact]
    public async Task PublishSession_ResponseLostAfterTheTopicAccepted_ResendsTheSameMessageIdsAndSubscribersGetEachOnce()
    {
        // Arrange: the first send reaches the topic, but its answer is lost.
        Streams streams = fixture.NewStreams();
        string session = Streams.NewSession();
        IReadOnlyList<AgentEvent> log = await streams.AppendTurnAsync(streams.NewLog(), session);
        int calls = 0;
        streams.Topic.AfterAccept = _ =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new ServiceBusException("the send timed out (test)", ServiceBusFailureReason.ServiceTimeout);
            }
        };
        EventStreamPublisher publisher = streams.NewPublisher();

        // Act
        SessionPublishResult first = await publisher.PublishSessionAsync(session, CancellationToken.None);
        StreamCheckpoint between = await streams.NewStore().ReadCheckpointAsync(session, CancellationToken.None);
        SessionPublishResult second = await publisher.PublishSessionAsync(session, CancellationToken.None);

        // Assert
        Assert.Equal(SessionPublishOutcome.Failed, first.Outcome);
        Assert.Equal(0, between.Seq);
        Assert.Equal(SessionPublishOutcome.Complete, second.Outcome);
        Assert.Equal(streams.Topic.Calls[0].Select(m => m.MessageId), streams.Topic.Calls[1].Select(m => m.MessageId));
        string[] expected = log.Where(e => streams.Options.IsPublished(e.Type)).Select(e => e.Id).ToArray();
        Assert.Equal(expected.Concat(expected), streams.Topic.Accepted.Select(m => m.MessageId)); // sent twice...
        Assert.Equal(expected, streams.Topic.Delivered.Select(m => m.MessageId)); // ...delivered once (duplicate detection)
    }

    [Fact]
    public async Task PublishSession_ProcessStopsBetweenSendAndCheckpoint_NextProcessRedeliversWithTheSameMessageIds()
    {
        // Arrange: the host stops right after the topic accepted the first chunk, before the checkpoint is written.
        Streams streams = fixture.NewStreams(o => o.BatchSize = 4);
        string session = Streams.NewSession();
        IReadOnlyList<AgentEvent> log = await streams.AppendTurnAsync(streams.NewLog(), session);
        using var stopping = new CancellationTokenSource();
        streams.Topic.AfterAccept = _ => stopping.Cancel();

        // Act
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => streams.NewPublisher().PublishSessionAsync(session, stopping.Token));
        StreamCheckpoint afterCrash = await streams.NewStore().ReadCheckpointAsync(session, CancellationToken.None);
        streams.Topic.AfterAccept = null;
        SessionPublishResult restarted = await streams.NewPublisher().PublishSessionAsync(session, CancellationToken.None);

        // Assert
        Assert.Equal(0, afterCrash.Seq);
        Assert.Equal(SessionPublishOutcome.Complete, restarted.Outcome);
        string[] beforeCrash = streams.Topic.Calls[0].Select(m => m.MessageId).ToArray();
        Assert.Equal(4, beforeCrash.Length);
        Assert.Equal(beforeCrash, streams.Topic.Calls[1].Select(m => m.MessageId));
        Assert.Equal(streams.Topic.Calls[0].Select(m => m.Body.ToString()), streams.Topic.Calls[1].Select(m => m.Body.ToString()));
        string[] expected = log.Where(e => streams.Options.IsPublished(e.Type)).Select(e => e.Id).ToArray();
        Assert.Equal(expected, streams.Topic.Delivered.Select(m => m.MessageId));
        Assert.Equal(expected.Length + 4, streams.Topic.Accepted.Count);
    }

    [Fact]
    public async Task Sweep_AppendsThroughTheStreamingLog_PublishesOnlyNewEventsAndClearsTheMarker()
    {
        // Arrange
        Streams streams = fixture.NewStreams();
        string session = Streams.NewSession();
        EventStreamStore store = streams.NewStore();
        EventStreamPublisher publisher = streams.NewPublisher();
        var log = new StreamingEventLog(streams.NewLog(), store, publisher, NullLogger<StreamingEventLog>.Instance);
        IReadOnlyList<AgentEvent> turn1 = await streams.AppendTurnAsync(log, session, turn: 1);
        bool markedAfterAppend = await store.IsMarkedAsync(session, CancellationToken.None);

        // Act
        SweepResult first = await publisher.SweepAsync(reconcile: false, CancellationToken.None);
        bool markedAfterSweep = await store.IsMarkedAsync(session, CancellationToken.None);
        IReadOnlyList<AgentEvent> turn2 = await streams.AppendTurnAsync(log, session, turn: 2);
        SweepResult second = await publisher.SweepAsync(reconcile: false, CancellationToken.None);
        SweepResult idle = await publisher.SweepAsync(reconcile: false, CancellationToken.None);

        // Assert
        Assert.True(markedAfterAppend);
        Assert.False(markedAfterSweep);
        Assert.Equal(new SweepResult(1, 10, 0, 0), first);
        Assert.Equal(new SweepResult(1, 10, 0, 0), second);
        Assert.Equal(new SweepResult(0, 0, 0, 0), idle);
        string[] expected = turn1.Concat(turn2).Where(e => streams.Options.IsPublished(e.Type)).Select(e => e.Id).ToArray();
        Assert.Equal(expected, streams.Topic.Accepted.Select(m => m.MessageId));
        Assert.All(streams.Topic.Accepted.Skip(10), m => Assert.Equal(2, m.ApplicationProperties["turn"]));
    }

    [Fact]
    public async Task Sweep_LogAppendedWithoutAMarker_IsFoundByReconciliationOnly()
    {
        // Arrange: one session published already; another appended by a host that died before marking it.
        Streams streams = fixture.NewStreams();
        string published = Streams.NewSession(), unmarked = Streams.NewSession();
        EventStreamStore store = streams.NewStore();
        EventStreamPublisher publisher = streams.NewPublisher();
        await streams.AppendTurnAsync(new StreamingEventLog(streams.NewLog(), store, publisher, NullLogger<StreamingEventLog>.Instance), published);
        await publisher.SweepAsync(reconcile: false, CancellationToken.None);
        int before = streams.Topic.Accepted.Count;
        IReadOnlyList<AgentEvent> log = await streams.AppendTurnAsync(streams.NewLog(), unmarked);

        // Act
        SweepResult withoutReconcile = await publisher.SweepAsync(reconcile: false, CancellationToken.None);
        SweepResult withReconcile = await publisher.SweepAsync(reconcile: true, CancellationToken.None);

        // Assert
        Assert.Equal(10, before);
        Assert.Equal(new SweepResult(0, 0, 0, 0), withoutReconcile);
        Assert.Equal(new SweepResult(1, 10, 0, 0), withReconcile);
        Assert.Equal(
            log.Where(e => streams.Options.IsPublished(e.Type)).Select(e => e.Id),
            streams.Topic.Accepted.Skip(before).Select(m => m.MessageId));
        Assert.False(await store.IsMarkedAsync(published, CancellationToken.None));
        Assert.False(await store.IsMarkedAsync(unmarked, CancellationToken.None));
    }

    [Fact]
    public async Task PublishSession_LeaseHeldByAnotherPublisher_IsBusyAndSendsNothing()
    {
        // Arrange
        Streams streams = fixture.NewStreams();
        string session = Streams.NewSession();
        await streams.AppendTurnAsync(streams.NewLog(), session);
        SessionLease other = (await streams.NewStore().TryLeaseAsync(session, TimeSpan.FromSeconds(30), CancellationToken.None))!;

        // Act
        SessionPublishResult busy = await streams.NewPublisher().PublishSessionAsync(session, CancellationToken.None);
        await other.DisposeAsync();
        SessionPublishResult after = await streams.NewPublisher().PublishSessionAsync(session, CancellationToken.None);

        // Assert
        Assert.Equal(SessionPublishOutcome.Busy, busy.Outcome);
        Assert.Equal(SessionPublishOutcome.Complete, after.Outcome);
        Assert.Single(streams.Topic.Calls);
        Assert.Equal(10, streams.Topic.Accepted.Count);
    }

    [Fact]
    public async Task Background_ServiceBusDownThenBack_PublishesEverythingWithoutFailingTheAppends()
    {
        // Arrange
        Streams streams = fixture.NewStreams();
        string session = Streams.NewSession();
        streams.Topic.FailNext = 1;
        EventStreamPublisher publisher = streams.NewPublisher();
        var log = new StreamingEventLog(streams.NewLog(), streams.NewStore(), publisher, NullLogger<StreamingEventLog>.Instance);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            // Act
            IReadOnlyList<AgentEvent> appended = await streams.AppendTurnAsync(log, session);
            string[] expected = appended.Where(e => streams.Options.IsPublished(e.Type)).Select(e => e.Id).ToArray();
            IReadOnlyList<ServiceBusMessage> delivered = await Eventually.MatchAsync(
                () => Task.FromResult(streams.Topic.Delivered), d => d.Count >= expected.Length, TimeSpan.FromSeconds(30), "delivery");

            // Assert
            Assert.Equal(16, appended.Count);
            Assert.Equal(1, streams.Topic.Failures);
            Assert.Equal(expected, delivered.Select(m => m.MessageId));
            Assert.False(publisher.ExecuteTask!.IsCompleted);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Background_NotConfigured_DoesNoWorkAndSendsNothing()
    {
        // Arrange
        Streams streams = fixture.NewStreams(o => o.FullyQualifiedNamespace = "");
        string session = Streams.NewSession();
        await streams.AppendTurnAsync(streams.NewLog(), session);
        EventStreamPublisher publisher = streams.NewPublisher();

        // Act
        await publisher.StartAsync(CancellationToken.None);
        Task execute = publisher.ExecuteTask!;
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await publisher.StopAsync(CancellationToken.None);

        // Assert
        Assert.True(execute.IsCompletedSuccessfully);
        Assert.Empty(streams.Topic.Calls);
        Assert.False(await streams.Containers().Service.GetBlobContainerClient(streams.Options.Container).ExistsAsync());
    }

    [Fact]
    public async Task StreamingLog_MarkerCannotBeWritten_AppendStillSucceeds()
    {
        // Arrange: the publisher's container cannot be created (an invalid name: storage answers 400 at once).
        Streams streams = fixture.NewStreams(o => o.Container = "Not_A_Valid_Container");
        string session = Streams.NewSession();
        var log = new StreamingEventLog(streams.NewLog(), streams.NewStore(), streams.NewPublisher(), NullLogger<StreamingEventLog>.Instance);

        // Act
        IReadOnlyList<AgentEvent> appended = await streams.AppendTurnAsync(log, session);

        // Assert
        Assert.Equal(16, appended.Count);
        Assert.Equal(appended.Select(e => e.Id), (await streams.NewLog().ReadAsync(session)).Select(e => e.Id));
        EventLogAssert.IsIntactAndExactlyOnce(await log.ReadAsync(session));
    }
}
