using System.Diagnostics;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Load;
using Agents.Core.Models;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.AI;

namespace AgentBench;

/// <summary>A model that answers at once with a fixed text and usage: what is left of a call's time is the router's.</summary>
sealed class ZeroLatencyModel(string answer) : IChatClient
{
    readonly ChatResponse response = new(new ChatMessage(ChatRole.Assistant, answer))
    {
        ModelId = "zero-latency",
        FinishReason = ChatFinishReason.Stop,
        Usage = new UsageDetails { InputTokenCount = 600, OutputTokenCount = 40, TotalTokenCount = 640 },
    };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(this.response);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

sealed class FixedClients(IChatClient client) : IProviderClients
{
    public IChatClient For(CandidateOptions candidate) => client;
}

sealed class IdleLoad : ILoadState
{
    public LoadSnapshot Current => LoadSnapshot.Idle;
}

static class Sample
{
    public static readonly SessionMetadata Session = new(
        "bench", "bench", "bench", RiskTier.Medium, DataSensitivity.Internal, "inventory-service", null,
        new BudgetLimits(1_000_000, 1_000_000, 10_000_000, 100_000_000), DateTime.UtcNow);

    public static ModelCallContext Context(string scope) =>
        new(Session, 1, 0, scope, new TokenAllotment(1_000_000, 1_000_000, Backoff: false));

    public static string Ticket => File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "tickets", "TICKET-101.md"));

    public static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

static class Results
{
    public static void Write(string name, object report)
    {
        string folder = Path.Combine(RepositoryPaths.Root, "results");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, JsonSerializer.Serialize(report, JsonDefaults.Indented));
        Console.WriteLine($"\nwritten to {Path.GetRelativePath(RepositoryPaths.Root, path)}");
    }

    public static void WriteText(string name, string text)
    {
        string folder = Path.Combine(RepositoryPaths.Root, "results");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, name), text);
        Console.WriteLine($"written to results/{name}");
    }
}

/// <summary>One governed turn timed from its submission to the completion of its orchestration, as the benches run it.</summary>
static class BenchTurns
{
    static readonly Caller Bench = new("bench", "bench", []);

    /// <summary>Creates a session (not timed), submits <paramref name="input"/> as its first turn and waits for the turn to complete.</summary>
    public static async Task<TimedInstance> RunAsync(SessionService sessions, DurableTaskClient client, string input)
    {
        ApiResult<SessionCreatedView> created = await sessions.CreateSessionAsync(new CreateSessionBody("bench", "bench", "medium", null, "bench", 3600, 300, 2), Bench);
        string sessionId = created.Value?.SessionId ?? throw new InvalidOperationException(created.Error?.Detail);
        var clock = Stopwatch.StartNew();
        ApiResult<TurnAcceptedView> accepted = await sessions.SubmitTurnAsync(sessionId, new SubmitTurnBody(input, "bench"), null, Bench);
        if (accepted.Error is not null)
        {
            throw new InvalidOperationException(accepted.Error.Detail);
        }

        string instance = Ids.TurnInstanceId(sessionId, accepted.Value!.Turn);
        return new TimedInstance(instance, await WaitAsync(client, instance, clock));
    }

    /// <summary>
    /// Polls the instance every 2 ms (on the Azure Storage backend the client's own wait only returns on a ~2 s poll) and
    /// returns the elapsed time of <paramref name="clock"/> when it is seen completed; any other end is an error.
    /// </summary>
    public static async Task<double> WaitAsync(DurableTaskClient client, string instance, Stopwatch clock)
    {
        while (true)
        {
            OrchestrationMetadata? state = await client.GetInstanceAsync(instance);
            if (state?.IsCompleted == true)
            {
                double ms = clock.Elapsed.TotalMilliseconds;
                return state.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? ms : throw new InvalidOperationException($"{instance} ended {state.RuntimeStatus}: {state.FailureDetails?.ErrorMessage}");
            }

            await Task.Delay(2);
        }
    }
}

sealed record TimedInstance(string InstanceId, double Ms);
