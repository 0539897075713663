using System.Text.Json.Serialization;

namespace AgentHost;

[JsonConverter(typeof(JsonStringEnumConverter<DurableBackend>))]
public enum DurableBackend
{
    /// <summary>Nothing survives a restart; for tests and benchmarks.</summary>
    InMemory,

    /// <summary>DurableTask.AzureStorage (queues, tables, blobs): what Durable Functions uses by default. Azurite locally.</summary>
    AzureStorage,
}

/// <summary>Section <c>Durable</c>: the portable host's engine.</summary>
public sealed class DurableOptions
{
    public const string Section = "Durable";

    public DurableBackend Backend { get; set; } = DurableBackend.AzureStorage;

    public string TaskHub { get; set; } = "agentfunctions";

    /// <summary>Storage for the AzureStorage backend; defaults to Storage:ConnectionString.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Loopback TCP port of the gRPC sidecar; 0 (the default) uses a Unix domain socket private to the process.</summary>
    public int SidecarPort { get; set; }

    /// <summary>Queue polling backs off up to this; Durable Functions' 30 s default makes a local run feel dead.</summary>
    public double MaxQueuePollingIntervalSeconds { get; set; } = 1;

    public int MaxConcurrentActivities { get; set; } = 32;

    public int MaxConcurrentOrchestrations { get; set; } = 32;

    public int PartitionCount { get; set; } = 4;

    /// <summary>
    /// How long a dequeued orchestration message stays invisible (the engine renews it while the work item runs). After
    /// a crash this is how long the dead host's in-flight messages wait before another host sees them. Unset: the
    /// storage provider's default, 5 minutes.
    /// </summary>
    public double? ControlQueueVisibilityTimeoutSeconds { get; set; }

    /// <summary>The same for activity messages (renewed while the activity runs). Unset: 5 minutes.</summary>
    public double? WorkItemQueueVisibilityTimeoutSeconds { get; set; }

    /// <summary>
    /// How long a partition lease lasts without renewal (renewed and acquired every third of it). A host that took the
    /// place of a dead one waits this long for the dead host's partitions. Unset: 30 s.
    /// </summary>
    public double? LeaseIntervalSeconds { get; set; }

    /// <summary>
    /// The task hub's app lease (one app version works a hub at a time; a new host waits for a dead one's to expire,
    /// 60 s by default). Off suits one host per hub, as the portable host runs. Unset: the provider's default (on).
    /// </summary>
    public bool? UseAppLease { get; set; }

    /// <summary>Log level of the engine itself (sidecar and storage provider); it is chatty below Warning.</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Warning;
}
