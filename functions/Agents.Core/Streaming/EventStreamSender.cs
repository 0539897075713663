using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;

namespace Agents.Core.Streaming;

/// <summary>The seam in front of Service Bus: the publisher's only way out.</summary>
public interface IEventStreamSender
{
    /// <summary>
    /// Sends the messages in order. Throws when any was not accepted; some before it may have been, so the caller sends
    /// them all again, and the topic's duplicate detection (message id = event id) drops the repeats.
    /// </summary>
    Task SendAsync(IReadOnlyList<ServiceBusMessage> messages, CancellationToken cancellationToken);
}

/// <summary>A message that does not fit an empty batch (the tier's maximum message size).</summary>
public sealed class EventStreamMessageTooLargeException(string messageId, long maxBatchBytes)
    : InvalidOperationException($"message {messageId} does not fit in a Service Bus batch of {maxBatchBytes} bytes; lower EventStream:MaxDataBytes")
{
    public string MessageId { get; } = messageId;
}

/// <summary>
/// The production sender: <c>ServiceBusClient(namespace, DefaultAzureCredential(managed identity client id))</c> and one
/// sender for the topic, both created once (they connect lazily, on the first send). Messages go in as few batches as
/// their size allows (<c>CreateMessageBatchAsync</c> / <c>TryAddMessage</c>), one batch after another, so order holds.
/// </summary>
public sealed class ServiceBusEventStreamSender : IEventStreamSender, IAsyncDisposable
{
    readonly ServiceBusClient? client;
    readonly ServiceBusSender sender;

    public ServiceBusEventStreamSender(EventStreamOptions options)
        : this(options, new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = NullIfEmpty(options.ManagedIdentityClientId) }))
    {
    }

    public ServiceBusEventStreamSender(EventStreamOptions options, TokenCredential credential, ServiceBusClientOptions? clientOptions = null)
    {
        this.client = new ServiceBusClient(options.NamespaceHost, credential, clientOptions ?? ClientOptions(options));
        this.sender = this.client.CreateSender(options.Topic);
    }

    /// <summary>Over a given sender (tests: a sender whose batches come from <see cref="ServiceBusModelFactory"/>).</summary>
    public ServiceBusEventStreamSender(ServiceBusSender sender) => this.sender = sender;

    /// <summary>The SDK retries an attempt once within the time limit; the publisher's next sweep is the real retry.</summary>
    public static ServiceBusClientOptions ClientOptions(EventStreamOptions options) => new()
    {
        TransportType = ServiceBusTransportType.AmqpTcp,
        Identifier = "agentfunctions-event-stream",
        RetryOptions = new ServiceBusRetryOptions
        {
            Mode = ServiceBusRetryMode.Exponential,
            MaxRetries = 1,
            Delay = TimeSpan.FromMilliseconds(500),
            MaxDelay = TimeSpan.FromSeconds(5),
            TryTimeout = TimeSpan.FromSeconds(options.SendTimeoutSeconds),
        },
    };

    public async Task SendAsync(IReadOnlyList<ServiceBusMessage> messages, CancellationToken cancellationToken)
    {
        int next = 0;
        while (next < messages.Count)
        {
            using ServiceBusMessageBatch batch = await this.sender.CreateMessageBatchAsync(cancellationToken).ConfigureAwait(false);
            while (next < messages.Count && batch.TryAddMessage(messages[next]))
            {
                next++;
            }

            if (batch.Count == 0)
            {
                throw new EventStreamMessageTooLargeException(messages[next].MessageId, batch.MaxSizeInBytes);
            }

            await this.sender.SendMessagesAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await this.sender.DisposeAsync().ConfigureAwait(false);
        if (this.client is not null)
        {
            await this.client.DisposeAsync().ConfigureAwait(false);
        }
    }

    static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
