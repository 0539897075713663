using Agents.Core.Contracts;
using Agents.Core.Streaming;
using Azure.Core;
using Azure.Messaging.ServiceBus;

namespace Agents.Core.Tests.Streaming;

/// <summary>
/// The production sender. No Service Bus (nor emulator) runs here: batching is tested over a ServiceBusSender whose
/// batches come from ServiceBusModelFactory, and the real client is pointed at a loopback port where nothing listens.
/// </summary>
[Collection(StreamingCollection.Name)]
public sealed class ServiceBusEventStreamSenderTests(StreamingFixture fixture)
{
    [Fact]
    public async Task SendAsync_MoreMessagesThanABatchHolds_SendsThemInOrderInSeveralBatches()
    {
        // Arrange: batches hold 3 messages.
        var sender = new BatchRecordingSender(maxMessages: 3);
        ServiceBusMessage[] messages = Enumerable.Range(1, 8).Select(i => new ServiceBusMessage($"m{i}") { MessageId = $"id-{i}", SessionId = "s" }).ToArray();

        // Act
        await new ServiceBusEventStreamSender(sender).SendAsync(messages, CancellationToken.None);

        // Assert
        Assert.Equal([3, 3, 2], sender.Sent.Select(b => b.Count));
        Assert.Equal(messages.Select(m => m.MessageId), sender.Sent.SelectMany(b => b).Select(m => m.MessageId));
    }

    [Fact]
    public async Task SendAsync_MessageTooLargeForAnEmptyBatch_ThrowsNamingItAndSendsNothingAfter()
    {
        // Arrange: the second message never fits.
        var sender = new BatchRecordingSender(maxMessages: 10, refuse: m => m.MessageId == "big");
        ServiceBusMessage[] messages = [new("a") { MessageId = "a" }, new("big") { MessageId = "big" }, new("c") { MessageId = "c" }];

        // Act
        var error = await Assert.ThrowsAsync<EventStreamMessageTooLargeException>(
            () => new ServiceBusEventStreamSender(sender).SendAsync(messages, CancellationToken.None));

        // Assert
        Assert.Equal("big", error.MessageId);
        Assert.Equal(["a"], sender.Sent.SelectMany(b => b).Select(m => m.MessageId));
    }

    [Fact]
    public async Task PublishSession_RealClientAgainstAnUnreachableNamespace_FailsIntoTheOutcomeAndKeepsEverythingPending()
    {
        // Arrange: the production ServiceBusClient/ServiceBusSender, aimed at a loopback port nothing listens on.
        Streams streams = fixture.NewStreams(o =>
        {
            o.FullyQualifiedNamespace = "127.0.0.1";
            o.SendTimeoutSeconds = 5;
        });
        string session = Streams.NewSession();
        ServiceBusClientOptions clientOptions = ServiceBusEventStreamSender.ClientOptions(streams.Options);
        clientOptions.RetryOptions.MaxRetries = 0;
        await using var real = new ServiceBusEventStreamSender(streams.Options, new FixedTokenCredential(), clientOptions);
        EventStreamStore store = streams.NewStore();
        EventStreamPublisher publisher = streams.NewPublisher(real);
        await streams.AppendTurnAsync(new StreamingEventLog(streams.NewLog(), store, publisher, Microsoft.Extensions.Logging.Abstractions.NullLogger<StreamingEventLog>.Instance), Streams.NewSession());
        IReadOnlyList<AgentEvent> log = await streams.AppendTurnAsync(new StreamingEventLog(streams.NewLog(), store, publisher, Microsoft.Extensions.Logging.Abstractions.NullLogger<StreamingEventLog>.Instance), session);

        // Act
        SessionPublishResult result = await publisher.PublishSessionAsync(session, CancellationToken.None);
        SweepResult sweep = await publisher.SweepAsync(reconcile: false, CancellationToken.None);

        // Assert
        Assert.Equal(SessionPublishOutcome.Failed, result.Outcome);
        Assert.NotNull(result.Error);
        Assert.Equal(0, (await store.ReadCheckpointAsync(session, CancellationToken.None)).Seq);
        Assert.Equal(new SweepResult(2, 0, 2, 0), sweep);
        Assert.True(await store.IsMarkedAsync(session, CancellationToken.None));
        Assert.Equal(16, log.Count);
    }

    /// <summary>Hands out a token without asking anyone (the namespace is unreachable anyway).</summary>
    sealed class FixedTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("test-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(this.GetToken(requestContext, cancellationToken));
    }

    /// <summary>A ServiceBusSender whose batches are ServiceBusModelFactory batches of at most N messages; records each send.</summary>
    sealed class BatchRecordingSender(int maxMessages, Func<ServiceBusMessage, bool>? refuse = null) : ServiceBusSender
    {
        readonly Dictionary<ServiceBusMessageBatch, List<ServiceBusMessage>> contents = [];

        public List<List<ServiceBusMessage>> Sent { get; } = [];

        public override ValueTask<ServiceBusMessageBatch> CreateMessageBatchAsync(CancellationToken cancellationToken = default)
        {
            var store = new List<ServiceBusMessage>();
            ServiceBusMessageBatch batch = ServiceBusModelFactory.ServiceBusMessageBatch(
                256 * 1024, store, new CreateMessageBatchOptions(), m => store.Count < maxMessages && refuse?.Invoke(m) != true);
            this.contents[batch] = store;
            return ValueTask.FromResult(batch);
        }

        public override Task SendMessagesAsync(ServiceBusMessageBatch messageBatch, CancellationToken cancellationToken = default)
        {
            this.Sent.Add([.. this.contents[messageBatch]]);
            return Task.CompletedTask;
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
