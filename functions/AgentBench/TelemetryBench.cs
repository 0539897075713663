using System.Diagnostics;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace AgentBench;

/// <summary>
/// The cost of tracing and event logging per turn: the same read-only turn (plan, four policy checks, search, two reads
/// and a listing in the WASM sandbox, summary; offline model) on the real engine (in-memory sidecar) and blobs on a
/// private Azurite, in one process, alternating three modes turn by turn: tracing and event log on, tracing only,
/// both off. Tracing is switched by the sampler (off: no span is created), the event log by a switch in front of it.
/// </summary>
static class TelemetryBench
{
    public static async Task<object> RunAsync(int turnsPerMode)
    {
        var modes = new Dictionary<string, (bool Tracing, bool EventLog)>
        {
            ["tracing+eventlog"] = (true, true),
            ["tracing only"] = (true, false),
            ["off"] = (false, false),
        };
        var toggle = new Toggle();
        var exported = new CountingExporter();
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        string remotes = Directory.CreateTempSubdirectory("agentfn-bench-").FullName;
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(TestSettings.For(azurite, remotes, new Dictionary<string, string?>
        {
            ["Models:Providers:offline:Recordings:2"] = Path.Combine(RepositoryPaths.Root, "functions", "AgentBench", "recordings"),
            ["Budgets:Defaults:OrgDailyTokens"] = "1000000000",
        })).Build();
        await using DurableTaskTestHost host = await DurableTaskTestHost.StartAsync(
            tasks => tasks.AddAgentTasks(),
            new DurableTaskTestHostOptions
            {
                ConfigureServices = services =>
                {
                    services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
                    services.AddSingleton(configuration);
                    services.AddAgentPlatform(configuration);
                    services.ConfigureOpenTelemetryTracerProvider(t => t.SetSampler(new ToggleSampler(toggle)).AddProcessor(new SimpleActivityExportProcessor(exported)));
                    services.AddSingleton<IEventLog>(sp => new SwitchableEventLog(ActivatorUtilities.CreateInstance<BlobEventLog>(sp), toggle));
                },
            });
        SessionService sessions = ActivatorUtilities.CreateInstance<SessionService>(host.Services, host.Client);

        var timings = modes.Keys.ToDictionary(k => k, _ => new List<double>());
        long spansBefore = 0;
        var spansPerTurn = modes.Keys.ToDictionary(k => k, _ => 0L);
        int warmup = 3;
        for (int round = -warmup; round < turnsPerMode; round++)
        {
            // Rotate the order each round so no mode always runs right after another.
            foreach (string mode in modes.Keys.Skip(Math.Abs(round) % modes.Count).Concat(modes.Keys.Take(Math.Abs(round) % modes.Count)))
            {
                (toggle.Tracing, toggle.EventLog) = modes[mode];
                spansBefore = exported.Count;
                double ms = (await BenchTurns.RunAsync(sessions, host.Client, "BENCH-READ: explain how paginate computes page boundaries")).Ms;
                if (round >= 0)
                {
                    timings[mode].Add(ms);
                    spansPerTurn[mode] = exported.Count - spansBefore;
                }
            }
        }

        Directory.Delete(remotes, recursive: true);
        var figures = timings.ToDictionary(t => t.Key, t =>
        {
            t.Value.Sort();
            return new { p50 = Math.Round(Sample.Percentile(t.Value, 0.5), 1), p95 = Math.Round(Sample.Percentile(t.Value, 0.95), 1), spans = spansPerTurn[t.Key] };
        });
        double ratio = figures["tracing+eventlog"].p50 / figures["off"].p50;
        double tracingRatio = figures["tracing only"].p50 / figures["off"].p50;
        Console.WriteLine($"turn latency, {turnsPerMode} turns per mode, alternating (ms, POST turn → turn completed):");
        foreach ((string mode, var f) in figures)
        {
            Console.WriteLine($"  {mode,-18} p50 {f.p50,7} p95 {f.p95,7}  ({f.spans} spans per turn)");
        }

        Console.WriteLine($"  ratio p50 tracing+eventlog / off = {ratio:0.000}; tracing only / off = {tracingRatio:0.000}");
        return new { turnsPerMode, modes = figures, ratioP50 = Math.Round(ratio, 3), tracingOnlyRatioP50 = Math.Round(tracingRatio, 3) };
    }

    sealed class Toggle
    {
        public volatile bool Tracing;
        public volatile bool EventLog;
    }

    sealed class ToggleSampler(Toggle toggle) : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            new(toggle.Tracing ? SamplingDecision.RecordAndSample : SamplingDecision.Drop);
    }

    /// <summary>Stands in for a real exporter: counts what it is given.</summary>
    sealed class CountingExporter : BaseExporter<Activity>
    {
        long count;

        public long Count => Interlocked.Read(ref this.count);

        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (Activity _ in batch)
            {
                Interlocked.Increment(ref this.count);
            }

            return ExportResult.Success;
        }
    }

    sealed class SwitchableEventLog(IEventLog inner, Toggle toggle) : IEventLog
    {
        public Task<IReadOnlyList<AgentEvent>> AppendAsync(string sessionId, IReadOnlyList<EventDraft> drafts, CancellationToken cancellationToken = default) =>
            toggle.EventLog ? inner.AppendAsync(sessionId, drafts, cancellationToken) : Task.FromResult<IReadOnlyList<AgentEvent>>([]);

        public Task<IReadOnlyList<AgentEvent>> ReadAsync(string sessionId, CancellationToken cancellationToken = default) => inner.ReadAsync(sessionId, cancellationToken);

        public Task<IReadOnlyList<string>> ReadLinesAsync(string sessionId, CancellationToken cancellationToken = default) => inner.ReadLinesAsync(sessionId, cancellationToken);

        public Uri LocationOf(string sessionId) => inner.LocationOf(sessionId);
    }
}
