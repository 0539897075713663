using System.Diagnostics;
using System.Globalization;
using System.Text;
using AgentHost;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.LongTermMemory;
using Agents.Core.Models;
using Agents.Core.Sessions;
using Agents.Core.Tools;
using Agents.Testing;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBench;

/// <summary>
/// The platform's own time per turn. A 5-step read-only plan (search, then four reads, a chain: no approval is needed)
/// runs as a governed turn on the portable host's composition (<see cref="AgentHostApp.AddAgentHost"/>: the real engine
/// through the gRPC sidecar, in-memory or Azure Storage on a private Azurite, the offline model, the WASM tools, blobs on
/// that Azurite), in process. Decorators count the wall time spent inside the model client
/// (<c>IChatClient.GetResponseAsync</c>), the tools (<c>IAgentTool.RunAsync</c>) and the memory's embedder; the platform's
/// time is end to end (submit → orchestration seen completed) minus model minus tool time. Interleaved with it, turn by
/// turn, a <see cref="BareTurn"/> on the same engine makes the same model calls (same client, the platform's own prompts)
/// and the same tool calls (same implementations) in the same order, with nothing else around them.
/// </summary>
static class OverheadBench
{
    /// <summary>The ticket of the bench's 5-step plan (functions/AgentBench/recordings/bench.json).</summary>
    public const string Ticket = "BENCH-FIVE: explain how paginate and the stock module are tested";

    public const int PlanSteps = 5;
    public const int ModelCallsPerTurn = 2;
    public const int WarmupRounds = 3;

    public static async Task<OverheadReport> RunAsync(int turns, IReadOnlyList<DurableBackend> backends)
    {
        string loadBefore = LoadAverage();
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        var results = new List<BackendOverhead>();
        foreach (DurableBackend backend in backends)
        {
            results.Add(await RunBackendAsync(backend, turns, azurite));
        }

        var report = new OverheadReport(turns, WarmupRounds, PlanSteps, MachineCores(), loadBefore, LoadAverage(), results);
        string table = Table(report);
        Console.WriteLine(table);
        Results.WriteText("overhead.md", table);
        return report;
    }

    static async Task<BackendOverhead> RunBackendAsync(DurableBackend backend, int turns, AzuriteServer azurite)
    {
        var clock = new CallClock();
        string contentRoot = Directory.CreateTempSubdirectory("agentfn-overhead-").FullName;
        string taskHub = $"overhead{backend}{DateTime.UtcNow:HHmmss}".ToLowerInvariant();
        WebApplication app = BuildHost(backend, taskHub, azurite, contentRoot, clock);
        using var blobs = new BlobRequestListener(clock, new BlobServiceClient(azurite.ConnectionString).Uri, taskHub);
        await app.StartAsync();
        try
        {
            await using AsyncServiceScope scope = app.Services.CreateAsyncScope();
            SessionService sessions = scope.ServiceProvider.GetRequiredService<SessionService>();
            DurableTaskClient client = app.Services.GetRequiredService<DurableTaskClient>();
            var governed = new List<GovernedTurn>();
            var bare = new List<BareRun>();
            for (int round = -WarmupRounds; round < turns; round++)
            {
                // Alternate which goes first, so that drift in the machine's load falls on both alike. The first warm-up
                // round is governed first: the bare turn sends the prompts the governed one captured.
                bool governedFirst = round < 0 || round % 2 == 0;
                for (int leg = 0; leg < 2; leg++)
                {
                    if (governedFirst == (leg == 0))
                    {
                        GovernedTurn turn = await GovernedAsync(sessions, client, clock);
                        if (round >= 0)
                        {
                            governed.Add(turn);
                        }
                    }
                    else
                    {
                        BareRun run = await BareAsync(client, clock);
                        if (round >= 0)
                        {
                            bare.Add(run);
                        }
                    }
                }
            }

            var result = new BackendOverhead(
                Label(backend),
                new GovernedFigures(
                    Stat.Of(governed.Select(t => t.Ms)),
                    Stat.Of(governed.Select(t => t.Calls.ModelMs)),
                    Stat.Of(governed.Select(t => t.Calls.ToolMs)),
                    Stat.Of(governed.Select(t => t.PlatformMs)),
                    Stat.Of(governed.Select(t => t.Calls.EmbedMs)),
                    Stat.Of(governed.Select(t => t.Calls.BlobMs)),
                    Stat.Of(governed.Select(t => (double)t.Calls.BlobRequests))),
                new BareFigures(
                    Stat.Of(bare.Select(t => t.Ms)),
                    Stat.Of(bare.Select(t => t.Calls.ModelMs)),
                    Stat.Of(bare.Select(t => t.Calls.ToolMs)),
                    Stat.Of(bare.Select(t => t.EngineMs)),
                    Stat.Of(bare.Select(t => t.Calls.BlobMs)),
                    Stat.Of(bare.Select(t => (double)t.Calls.BlobRequests))));
            Console.WriteLine($"{result.Backend}: governed p50 {result.Governed.EndToEnd.P50} ms, bare p50 {result.Bare.EndToEnd.P50} ms, ratio p50 {result.RatioP50}");
            return result;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(contentRoot, recursive: true);
        }
    }

    /// <summary>The portable host's composition on <paramref name="backend"/>, with the timing decorators and the bare turn added.</summary>
    static WebApplication BuildHost(DurableBackend backend, string taskHub, AzuriteServer azurite, string contentRoot, CallClock clock)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, Args = [] });
        builder.Configuration.AddInMemoryCollection(TestSettings.For(azurite, contentRoot, new Dictionary<string, string?>
        {
            ["Models:Providers:offline:Recordings:2"] = Path.Combine(RepositoryPaths.Root, "functions", "AgentBench", "recordings"),
            ["Budgets:Defaults:OrgDailyTokens"] = "1000000000",
            ["Durable:Backend"] = backend.ToString(),
            ["Durable:TaskHub"] = taskHub,
            ["Urls"] = "http://127.0.0.1:0",
        }));
        builder.AddAgentHost();
        builder.Services.AddSingleton(clock);
        builder.Services.Decorate<IProviderClients>(inner => new TimedProviderClients(inner, clock));
        builder.Services.Decorate<IAgentTool>(inner => new TimedTool(inner, clock));
        builder.Services.Decorate<IEmbedder>(inner => new TimedEmbedder(inner, clock));
        builder.Services.AddDurableTaskWorker(worker => worker.AddTasks(tasks => tasks.AddBareTurn()));
        return builder.Build();
    }

    static async Task<GovernedTurn> GovernedAsync(SessionService sessions, DurableTaskClient client, CallClock clock)
    {
        clock.Take();
        TimedInstance turn = await BenchTurns.RunAsync(sessions, client, Ticket);
        CallTimes calls = clock.Take();
        OrchestrationMetadata done = await client.GetInstanceAsync(turn.InstanceId, getInputsAndOutputs: true)
            ?? throw new InvalidOperationException($"turn {turn.InstanceId} vanished");
        TurnResult result = done.ReadOutputAs<TurnResult>()!;
        if (result.Outcome != TurnOutcome.Completed || result.Final.Nodes.Count(n => n.Status == StepStatus.Succeeded) != PlanSteps)
        {
            throw new InvalidOperationException($"the governed turn {turn.InstanceId} did not run its {PlanSteps} steps: {result.Outcome}, {result.Summary}");
        }

        Expect("governed turn", calls);
        return new GovernedTurn(turn.Ms, calls);
    }

    static async Task<BareRun> BareAsync(DurableTaskClient client, CallClock clock)
    {
        clock.Take();
        var watch = Stopwatch.StartNew();
        string instance = await client.ScheduleNewOrchestrationInstanceAsync(nameof(BareTurn), new BareTurnInput(Agents.Core.Planning.Prompts.PlanPurpose, Agents.Core.Planning.Prompts.SummaryPurpose));
        double ms = await BenchTurns.WaitAsync(client, instance, watch);
        CallTimes calls = clock.Take();
        Expect("bare turn", calls);
        return new BareRun(ms, calls);
    }

    /// <summary>Both kinds of turn must make exactly the plan's calls, or the comparison means nothing.</summary>
    static void Expect(string what, CallTimes calls)
    {
        if (calls.ModelCalls != ModelCallsPerTurn || calls.ToolCalls != PlanSteps)
        {
            throw new InvalidOperationException($"the {what} made {calls.ModelCalls} model and {calls.ToolCalls} tool calls; expected {ModelCallsPerTurn} and {PlanSteps}");
        }
    }

    static string Label(DurableBackend backend) => backend == DurableBackend.InMemory ? "in-memory" : "azure-storage (Azurite)";

    /// <summary>The cores this process may run on (Environment.ProcessorCount reports DOTNET_PROCESSOR_COUNT instead when it is set).</summary>
    static int MachineCores() => OperatingSystem.IsLinux() || OperatingSystem.IsWindows()
        ? System.Numerics.BitOperations.PopCount((ulong)Process.GetCurrentProcess().ProcessorAffinity)
        : Environment.ProcessorCount;

    static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    static string Table(OverheadReport report)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Platform overhead per turn ({report.PlanSteps}-step read-only plan, offline model)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{report.Turns} governed and {report.Turns} bare turns per backend after {report.WarmupRounds} warm-up rounds, alternating which goes first; " +
            $"{report.Processors} cores, load average {report.LoadBefore} before, {report.LoadAfter} after. Milliseconds, p50 / p95.");
        text.AppendLine();
        text.AppendLine("| backend | turn | end to end | model | tools | platform (e2e − model − tools) | embedding (in platform) | platform blob requests: count, summed ms |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (BackendOverhead b in report.Backends)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {b.Backend} | governed | {b.Governed.EndToEnd} | {b.Governed.Model} | {b.Governed.Tools} | {b.Governed.Platform} | {b.Governed.Embedding} | {b.Governed.BlobRequests.P50:0} / {b.Governed.BlobRequests.P95:0}, {b.Governed.BlobMs} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {b.Backend} | bare | {b.Bare.EndToEnd} | {b.Bare.Model} | {b.Bare.Tools} | {b.Bare.Engine} | – | {b.Bare.BlobRequests.P50:0} / {b.Bare.BlobRequests.P95:0}, {b.Bare.BlobMs} |");
        }

        text.AppendLine();
        text.AppendLine("| backend | governed / bare, p50 | governed / bare, p95 |");
        text.AppendLine("|---|---|---|");
        foreach (BackendOverhead b in report.Backends)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {b.Backend} | {b.RatioP50:0.00} | {b.RatioP95:0.00} |");
        }

        text.AppendLine();
        text.AppendLine("Model: wall time inside the provider's IChatClient.GetResponseAsync (the offline model: recording lookup and token counting). " +
            "Tools: inside IAgentTool.RunAsync (the WASM sandbox runs). Embedding: the memory retrieval's MiniLM call, part of the platform's time. " +
            "Blob requests: the platform's own requests to Azurite's blob service while the turn ran (event log, payloads, budgets, turns in flight, memory index), " +
            "background ones included: the load monitor lists the turns in flight every Backpressure:SampleSeconds (0.2 s here), which is most of what the bare rows show. " +
            "Timed as HTTP client spans; they may overlap. " +
            "Percentiles are of per-turn values, so the columns do not add up. Bare: a plain orchestration making the same 2 model calls " +
            "(the platform's own prompts, same client) and 5 tool calls (same implementations) in the same order; its last column is the engine's time.");
        return text.ToString();
    }
}

sealed record GovernedTurn(double Ms, CallTimes Calls)
{
    public double PlatformMs => this.Ms - this.Calls.ModelMs - this.Calls.ToolMs;
}

sealed record BareRun(double Ms, CallTimes Calls)
{
    public double EngineMs => this.Ms - this.Calls.ModelMs - this.Calls.ToolMs;
}

/// <summary>p50 and p95 of per-turn values, in milliseconds.</summary>
sealed record Stat(double P50, double P95)
{
    public static Stat Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0
            ? throw new InvalidOperationException("no measurements")
            : new Stat(Math.Round(Sample.Percentile(sorted, 0.5), 2), Math.Round(Sample.Percentile(sorted, 0.95), 2));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{this.P50:0.0} / {this.P95:0.0}");
}

sealed record GovernedFigures(Stat EndToEnd, Stat Model, Stat Tools, Stat Platform, Stat Embedding, Stat BlobMs, Stat BlobRequests);

sealed record BareFigures(Stat EndToEnd, Stat Model, Stat Tools, Stat Engine, Stat BlobMs, Stat BlobRequests);

sealed record BackendOverhead(string Backend, GovernedFigures Governed, BareFigures Bare)
{
    public double RatioP50 => Math.Round(this.Governed.EndToEnd.P50 / this.Bare.EndToEnd.P50, 3);

    public double RatioP95 => Math.Round(this.Governed.EndToEnd.P95 / this.Bare.EndToEnd.P95, 3);
}

sealed record OverheadReport(int Turns, int WarmupRounds, int PlanSteps, int Processors, string LoadBefore, string LoadAfter, IReadOnlyList<BackendOverhead> Backends);

/// <summary><c>agent-bench overhead [turns per backend] [both|in-memory|azure-storage]</c>: 20 turns on both backends by default.</summary>
static class OverheadArguments
{
    public const int DefaultTurns = 20;

    public static bool TryParse(IReadOnlyList<string> args, out int turns, out IReadOnlyList<DurableBackend> backends, out string? problem)
    {
        turns = DefaultTurns;
        backends = [DurableBackend.InMemory, DurableBackend.AzureStorage];
        problem = null;
        if (args.Count > 2)
        {
            problem = $"expected at most 2 arguments (turns per backend, backend), got {args.Count}";
            return false;
        }

        if (args.Count > 0 && (!int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out turns) || turns < 1))
        {
            problem = $"turns per backend must be a whole number of at least 1, got '{args[0]}'";
            return false;
        }

        if (args.Count > 1)
        {
            IReadOnlyList<DurableBackend>? chosen = args[1] switch
            {
                "both" => backends,
                "in-memory" => [DurableBackend.InMemory],
                "azure-storage" => [DurableBackend.AzureStorage],
                _ => null,
            };
            if (chosen is null)
            {
                problem = $"backend must be both, in-memory or azure-storage, got '{args[1]}'";
                return false;
            }

            backends = chosen;
        }

        return true;
    }
}
