using System.Collections.Concurrent;
using System.Diagnostics;
using Agents.Core.LongTermMemory;
using Agents.Core.Models;
using Agents.Core.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBench;

/// <summary>What one turn spent inside the model client, the tools and the embedder, and how many calls it made.</summary>
sealed record CallTimes(double ModelMs, int ModelCalls, double ToolMs, int ToolCalls, double EmbedMs, int EmbedCalls)
{
    /// <summary>The platform's blob requests (summed durations; they may overlap), background ones included.</summary>
    public double BlobMs { get; init; }

    public int BlobRequests { get; init; }
}

/// <summary>
/// Sums the wall time spent inside model calls (<see cref="IChatClient.GetResponseAsync"/>), tool executions
/// (<see cref="IAgentTool.RunAsync"/>) and embeddings (<see cref="IEmbedder.EmbedAsync"/>) since the last
/// <see cref="Take"/>. The benchmark runs one turn at a time, so the sums belong to that turn. Steps that overlap would
/// be counted twice; the overhead bench's plan is a chain, so they never do.
/// </summary>
sealed class CallClock
{
    long modelTicks, toolTicks, embedTicks, blobTicks;
    int modelCalls, toolCalls, embedCalls, blobRequests;

    /// <summary>The last prompt and options sent for each purpose (<c>plan</c>, <c>summarize</c>), and the client they went to.</summary>
    public ConcurrentDictionary<string, CapturedCall> Prompts { get; } = new(StringComparer.Ordinal);

    public void AddModel(long ticks)
    {
        Interlocked.Add(ref this.modelTicks, ticks);
        Interlocked.Increment(ref this.modelCalls);
    }

    public void AddTool(long ticks)
    {
        Interlocked.Add(ref this.toolTicks, ticks);
        Interlocked.Increment(ref this.toolCalls);
    }

    public void AddEmbed(long ticks)
    {
        Interlocked.Add(ref this.embedTicks, ticks);
        Interlocked.Increment(ref this.embedCalls);
    }

    public void AddBlob(TimeSpan duration)
    {
        Interlocked.Add(ref this.blobTicks, (long)(duration.TotalSeconds * Stopwatch.Frequency));
        Interlocked.Increment(ref this.blobRequests);
    }

    /// <summary>The sums so far, and starts again from zero.</summary>
    public CallTimes Take() => new(
        Ms(Interlocked.Exchange(ref this.modelTicks, 0)), Interlocked.Exchange(ref this.modelCalls, 0),
        Ms(Interlocked.Exchange(ref this.toolTicks, 0)), Interlocked.Exchange(ref this.toolCalls, 0),
        Ms(Interlocked.Exchange(ref this.embedTicks, 0)), Interlocked.Exchange(ref this.embedCalls, 0))
    {
        BlobMs = Ms(Interlocked.Exchange(ref this.blobTicks, 0)),
        BlobRequests = Interlocked.Exchange(ref this.blobRequests, 0),
    };

    static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>
/// Counts the platform's own blob requests: the HTTP client spans .NET emits (source <c>System.Net.Http</c>) to the blob
/// service's endpoint, except the Durable Task engine's (its lease and large-message containers carry the task hub's
/// name; its queues and tables are on other endpoints, and the sidecar's gRPC calls go over a Unix socket).
/// </summary>
sealed class BlobRequestListener : IDisposable
{
    readonly ActivityListener listener;

    public BlobRequestListener(CallClock clock, Uri blobEndpoint, string taskHub)
    {
        string service = blobEndpoint.GetLeftPart(UriPartial.Authority) + "/";
        this.listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                string url = activity.GetTagItem("url.full") as string ?? string.Empty;
                if (url.StartsWith(service, StringComparison.OrdinalIgnoreCase) && !url.Contains(taskHub, StringComparison.OrdinalIgnoreCase))
                {
                    clock.AddBlob(activity.Duration);
                }
            },
        };
        ActivitySource.AddActivityListener(this.listener);
    }

    public void Dispose() => this.listener.Dispose();
}

/// <summary>One model call as the platform made it: the same client, messages and options can be sent again.</summary>
sealed record CapturedCall(IChatClient Client, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options);

/// <summary>Times every call into the provider's client and keeps the prompt of the last call per purpose.</summary>
sealed class TimedChatClient(IChatClient inner, CallClock clock) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        long started = Stopwatch.GetTimestamp();
        try
        {
            return await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            clock.AddModel(Stopwatch.GetTimestamp() - started);
            string purposeLine = list.FirstOrDefault(m => m.Role == ChatRole.System)?.Text.Split('\n', 2)[0].Trim() ?? string.Empty;
            if (purposeLine.StartsWith(OfflineChatClient.PurposePrefix, StringComparison.OrdinalIgnoreCase))
            {
                clock.Prompts[purposeLine[OfflineChatClient.PurposePrefix.Length..].Trim()] = new CapturedCall(this, list, options?.Clone());
            }
        }
    }
}

sealed class TimedProviderClients(IProviderClients inner, CallClock clock) : IProviderClients
{
    readonly ConcurrentDictionary<IChatClient, IChatClient> timed = new();

    public IChatClient For(CandidateOptions candidate) => this.timed.GetOrAdd(inner.For(candidate), c => new TimedChatClient(c, clock));
}

sealed class TimedTool(IAgentTool inner, CallClock clock) : IAgentTool
{
    public ToolDefinition Definition => inner.Definition;

    public async Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            return await inner.RunAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            clock.AddTool(Stopwatch.GetTimestamp() - started);
        }
    }
}

sealed class TimedEmbedder(IEmbedder inner, CallClock clock) : IEmbedder
{
    public string Model => inner.Model;

    public int Dimensions => inner.Dimensions;

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            return await inner.EmbedAsync(texts, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            clock.AddEmbed(Stopwatch.GetTimestamp() - started);
        }
    }
}

static class ServiceDecoration
{
    /// <summary>
    /// Wraps every (unkeyed) registration of <typeparamref name="T"/> made so far, keeping its lifetime: the platform's
    /// own composition stays as it is, the benchmark only sees through it.
    /// </summary>
    public static IServiceCollection Decorate<T>(this IServiceCollection services, Func<T, T> wrap)
        where T : class
    {
        bool found = false;
        for (int i = 0; i < services.Count; i++)
        {
            ServiceDescriptor registered = services[i];
            if (registered.ServiceType != typeof(T) || registered.IsKeyedService)
            {
                continue;
            }

            found = true;
            services[i] = ServiceDescriptor.Describe(typeof(T), sp => wrap((T)Create(sp, registered)), registered.Lifetime);
        }

        return found ? services : throw new InvalidOperationException($"nothing registers {typeof(T).Name} to decorate");
    }

    static object Create(IServiceProvider services, ServiceDescriptor registered) =>
        registered.ImplementationInstance
        ?? registered.ImplementationFactory?.Invoke(services)
        ?? ActivatorUtilities.CreateInstance(services, registered.ImplementationType!);
}
