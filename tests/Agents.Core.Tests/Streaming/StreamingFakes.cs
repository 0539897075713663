using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Core.Streaming;
using Agents.Testing;
using Azure.Messaging.ServiceBus;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.Streaming;

/// <summary>
/// One Azurite for every event stream and job test, and on it the platform as the portable host runs it (the real
/// Durable Task engine in memory) with the event stream configured; only the topic is at the seam
/// (<see cref="Topic"/>), since no Service Bus runs here. Blob-level tests use their own containers and topics.
/// </summary>
public sealed class StreamingFixture : IAsyncLifetime
{
    readonly PlatformFixture platform;

    public StreamingFixture() => this.platform = new PlatformFixture(
        new Dictionary<string, string?>
        {
            ["EventStream:FullyQualifiedNamespace"] = "sb-test.servicebus.windows.net",
            ["EventStream:PollSeconds"] = "1",
        },
        services => services.AddSingleton<IEventStreamSender>(this.Topic));

    public AzuriteServer Azurite => this.platform.Azurite;

    /// <summary>The platform's topic.</summary>
    public FakeTopic Topic { get; } = new();

    public IServiceProvider Services => this.platform.Services;

    public SessionService Sessions => this.platform.Sessions;

    public Task InitializeAsync() => this.platform.InitializeAsync();

    public Task DisposeAsync() => this.platform.DisposeAsync();

    /// <summary>Storage with its own events container, so a sweep sees this test's sessions only.</summary>
    public Streams NewStreams(Action<EventStreamOptions>? configure = null, IEventStreamSender? sender = null)
    {
        string suffix = Guid.NewGuid().ToString("N")[..10];
        var storage = new StorageOptions { ConnectionString = this.Azurite.ConnectionString, EventsContainer = "ev-" + suffix };
        var options = new EventStreamOptions
        {
            FullyQualifiedNamespace = "sb-test.servicebus.windows.net",
            Container = "stream-" + suffix,
            PollSeconds = 1,
        };
        configure?.Invoke(options);
        return new Streams(storage, options, sender ?? new FakeTopic());
    }
}

[CollectionDefinition(Name)]
public sealed class StreamingCollection : ICollectionFixture<StreamingFixture>
{
    public const string Name = "streaming";
}

/// <summary>One test's storage, options and topic; <see cref="NewPublisher"/> makes a fresh publisher as a new process would.</summary>
public sealed class Streams(StorageOptions storage, EventStreamOptions options, IEventStreamSender sender)
{
    public EventStreamOptions Options { get; } = options;

    public IEventStreamSender Sender { get; } = sender;

    public FakeTopic Topic => (FakeTopic)this.Sender;

    public BlobContainers Containers() => new(Microsoft.Extensions.Options.Options.Create(storage));

    public BlobEventLog NewLog() => new(this.Containers(), Agents.Core.Redaction.Redactor.Default);

    public EventStreamStore NewStore() => new(this.Containers(), Microsoft.Extensions.Options.Options.Create(this.Options));

    public EventStreamPublisher NewPublisher(IEventStreamSender? other = null) =>
        new(this.NewStore(), other ?? this.Sender, Microsoft.Extensions.Options.Options.Create(this.Options), TimeProvider.System, NullLogger<EventStreamPublisher>.Instance);

    /// <summary>A session log like a turn writes: created, accepted, started, plan, model calls, steps, approval, completed.</summary>
    public async Task<IReadOnlyList<AgentEvent>> AppendTurnAsync(IEventLog log, string session, int turn = 1, int steps = 4)
    {
        var drafts = new List<EventDraft>();
        if (turn == 1)
        {
            drafts.Add(new EventDraft($"s-{session}/session.created", EventTypes.SessionCreated, session, "session for dana@contoso")
            {
                Actor = "dana",
                Inputs = new Dictionary<string, string> { ["org"] = "contoso", ["repository"] = "inventory-service" },
            });
        }

        string t = $"s-{session}:t-{turn}";
        drafts.Add(new EventDraft($"{t}/turn.accepted", EventTypes.TurnAccepted, session, "turn accepted") { Turn = turn });
        drafts.Add(new EventDraft($"{t}/turn.started", EventTypes.TurnStarted, session, "turn started") { Turn = turn });
        drafts.Add(new EventDraft($"{t}/r0/model.called/plan", EventTypes.ModelCalled, session, "planned") { Turn = turn, Model = "gpt-4o-mini" });
        drafts.Add(new EventDraft($"{t}/r0/plan.previewed", EventTypes.PlanPreviewed, session, "plan preview") { Turn = turn });
        for (int i = 0; i < steps; i++)
        {
            drafts.Add(new EventDraft($"{t}/r0/policy.evaluated/s{i}", "policy.evaluated", session, "permit") { Turn = turn, Step = $"s{i}" });
            drafts.Add(new EventDraft($"{t}/r0/step.completed/s{i}", EventTypes.StepCompleted, session, $"step s{i} done")
            {
                Turn = turn,
                Step = $"s{i}",
                Outputs = new Dictionary<string, string> { ["preview"] = $"output of s{i}" },
            });
        }

        drafts.Add(new EventDraft($"{t}/r0/approval.requested/a-1", EventTypes.ApprovalRequested, session, "approval needed") { Turn = turn, Step = "pr" });
        drafts.Add(new EventDraft($"{t}/r0/approval.resolved/a-1", EventTypes.ApprovalResolved, session, "approved") { Turn = turn, Step = "pr", Actor = "lee", Decision = "approve" });
        drafts.Add(new EventDraft($"{t}/turn.completed", EventTypes.TurnCompleted, session, "turn completed") { Turn = turn });

        // Several appends, as the activities do them.
        var appended = new List<AgentEvent>();
        foreach (EventDraft[] chunk in drafts.Chunk(3))
        {
            appended.AddRange(await log.AppendAsync(session, chunk));
        }

        return appended;
    }

    public static string NewSession() => "st-" + Guid.NewGuid().ToString("N")[..12];
}

/// <summary>
/// The topic at the seam: records every send attempt; a send either fails before anything is accepted
/// (<see cref="FailNext"/>) or is accepted, optionally followed by a fault that the publisher sees (response lost,
/// process stopping). <see cref="Delivered"/> is what subscribers would get from a topic with duplicate detection:
/// the first accepted message of each MessageId.
/// </summary>
public sealed class FakeTopic : IEventStreamSender
{
    readonly object gate = new();

    public List<IReadOnlyList<ServiceBusMessage>> Calls { get; } = [];

    public List<ServiceBusMessage> Accepted { get; } = [];

    /// <summary>Calls to fail, before anything is accepted.</summary>
    public int FailNext { get; set; }

    /// <summary>Which calls (1-based) fail, before anything is accepted.</summary>
    public HashSet<int> FailCalls { get; } = [];

    /// <summary>Runs after a call was accepted (throw here to lose the response, or to stop the process).</summary>
    public Action<IReadOnlyList<ServiceBusMessage>>? AfterAccept { get; set; }

    public int Failures { get; private set; }

    public IReadOnlyList<ServiceBusMessage> Delivered
    {
        get
        {
            lock (this.gate)
            {
                return this.Accepted.DistinctBy(m => m.MessageId).ToList();
            }
        }
    }

    public Task SendAsync(IReadOnlyList<ServiceBusMessage> messages, CancellationToken cancellationToken)
    {
        lock (this.gate)
        {
            this.Calls.Add(messages.ToList());
            bool fail = this.FailCalls.Contains(this.Calls.Count) || this.FailNext-- > 0;
            this.FailNext = Math.Max(0, this.FailNext);
            if (fail)
            {
                this.Failures++;
                throw new ServiceBusException("the namespace cannot be reached (test)", ServiceBusFailureReason.ServiceCommunicationProblem);
            }

            this.Accepted.AddRange(messages);
        }

        this.AfterAccept?.Invoke(messages);
        return Task.CompletedTask;
    }
}
