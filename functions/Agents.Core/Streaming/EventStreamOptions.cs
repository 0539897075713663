using System.ComponentModel.DataAnnotations;

namespace Agents.Core.Streaming;

/// <summary>
/// Section <c>EventStream</c>: the Service Bus topic the session logs' turn and step events are published to as
/// CloudEvents. Empty <see cref="FullyQualifiedNamespace"/> disables the stream (no publisher runs, no marker is written).
/// Managed identity only: there is no connection-string or key setting.
/// </summary>
public sealed class EventStreamOptions
{
    public const string Section = "EventStream";

    /// <summary>The event types published when <see cref="Types"/> is not set: see <see cref="IsPublished"/>.</summary>
    public static readonly IReadOnlyList<string> DefaultTypes = ["turn.", "step.", "approval.", "plan."];

    /// <summary>Service Bus namespace host, for example <c>sb-xxx.servicebus.windows.net</c>. Empty: disabled.</summary>
    public string? FullyQualifiedNamespace { get; set; }

    /// <summary>The topic (duplicate detection on: message id = event id).</summary>
    [Required]
    public string Topic { get; set; } = "agent-events";

    /// <summary>Client id of the user-assigned managed identity holding "Azure Service Bus Data Sender" on the topic.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Blob container for the publisher's checkpoints and pending-session markers.</summary>
    [Required]
    public string Container { get; set; } = "agent-stream";

    /// <summary>How often the outbox is swept for sessions with unpublished events (an append also wakes it).</summary>
    [Range(1, 3600)]
    public int PollSeconds { get; set; } = 5;

    /// <summary>Most events sent (and then checkpointed) together; larger sends are split into Service Bus batches by size.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Sessions published at the same time (each session's events stay in order: one worker per session).</summary>
    [Range(1, 64)]
    public int MaxConcurrentSessions { get; set; } = 8;

    /// <summary>How often every log is compared with its checkpoint (the backstop for a lost marker); 0 = only at start.</summary>
    [Range(0, 10080)]
    public int ReconcileMinutes { get; set; } = 60;

    /// <summary>
    /// An event whose JSON is larger than this is published without <c>data</c>, with a <c>dataref</c> to its line in the
    /// log (CloudEvents claim check), so it never exceeds the tier's message size (Standard: 256 KB).
    /// </summary>
    [Range(1024, 100 * 1024 * 1024)]
    public int MaxDataBytes { get; set; } = 192 * 1024;

    /// <summary>Time limit of one attempt to reach Service Bus; the SDK retries once, then the next sweep retries.</summary>
    [Range(1, 300)]
    public int SendTimeoutSeconds { get; set; } = 20;

    /// <summary>
    /// Event type prefixes to publish (<c>turn.</c> matches every turn event; an exact type matches itself). Empty or
    /// unset: <see cref="DefaultTypes"/>. Events not matched still advance the checkpoint and are counted as filtered.
    /// </summary>
    public string[]? Types { get; set; }

    public bool IsEnabled => !string.IsNullOrWhiteSpace(this.FullyQualifiedNamespace);

    /// <summary>Whether an event of this type goes on the stream.</summary>
    public bool IsPublished(string eventType)
    {
        IReadOnlyList<string> types = this.Types is { Length: > 0 } configured ? configured : DefaultTypes;
        return types.Any(t => t.EndsWith('.') ? eventType.StartsWith(t, StringComparison.Ordinal) : eventType == t);
    }

    /// <summary>The namespace host, whether it was given as a host or as <c>sb://host/</c>.</summary>
    public string NamespaceHost =>
        Uri.TryCreate(this.FullyQualifiedNamespace, UriKind.Absolute, out Uri? uri) && !string.IsNullOrEmpty(uri.Host)
            ? uri.Host
            : this.FullyQualifiedNamespace?.Trim() ?? string.Empty;

    /// <summary>Null when usable; otherwise what to fix.</summary>
    public string? Problem()
    {
        if (!this.IsEnabled)
        {
            return null;
        }

        if (this.FullyQualifiedNamespace!.Contains("SharedAccessKey", StringComparison.OrdinalIgnoreCase)
            || this.FullyQualifiedNamespace.Contains(';', StringComparison.Ordinal))
        {
            return "EventStream:FullyQualifiedNamespace takes the namespace host (sb-xxx.servicebus.windows.net), never a connection string: the stream authenticates with managed identity only";
        }

        if (Uri.CheckHostName(this.NamespaceHost) == UriHostNameType.Unknown)
        {
            return $"EventStream:FullyQualifiedNamespace '{this.FullyQualifiedNamespace}' is not a host name such as sb-xxx.servicebus.windows.net";
        }

        return null;
    }
}
