using Agents.Core.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.Load;

/// <summary>The platform's load and the degrade level it implies.</summary>
public sealed record LoadSnapshot(int Level, int TurnsInFlight, long? QueueDepth, double Utilization, DateTime SampledAt)
{
    public static readonly LoadSnapshot Idle = new(0, 0, null, 0, DateTime.MinValue);
}

public interface ILoadState
{
    LoadSnapshot Current { get; }
}

/// <summary>Where the durable backend exposes its queues, how many messages wait in them.</summary>
public interface IQueueDepthProbe
{
    Task<long> DepthAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Samples the load every second: turns in flight against capacity, and durable queue depth where a probe is
/// registered. The higher utilisation sets the degrade level: 1 smaller models, 2 fewer tools and batched retrieval,
/// 3 new turns shed with 429 while accepted turns finish. Levels release with hysteresis.
/// </summary>
public sealed partial class LoadMonitor : BackgroundService, ILoadState
{
    readonly ITurnsInFlight inFlight;
    readonly IEnumerable<IQueueDepthProbe> probes;
    readonly IOptions<LoadOptions> options;
    readonly TimeProvider clock;
    readonly ILogger<LoadMonitor> logger;
    LoadSnapshot current = LoadSnapshot.Idle;

    public LoadMonitor(ITurnsInFlight inFlight, IEnumerable<IQueueDepthProbe> probes, IOptions<LoadOptions> options, TimeProvider clock, ILogger<LoadMonitor> logger)
    {
        this.inFlight = inFlight;
        this.probes = probes;
        this.options = options;
        this.clock = clock;
        this.logger = logger;
        AgentTelemetry.Meter.CreateObservableGauge("agentfunctions.degrade_level", () => this.current.Level, description: "Current degrade level (0-3)");
        AgentTelemetry.Meter.CreateObservableGauge("agentfunctions.turns_in_flight", () => this.current.TurnsInFlight, description: "Turns accepted and not finished");
    }

    public LoadSnapshot Current => this.current;

    public async Task<LoadSnapshot> SampleAsync(CancellationToken cancellationToken)
    {
        LoadOptions settings = this.options.Value;
        int turns = await this.inFlight.CountAsync(TimeSpan.FromMinutes(settings.MaxTurnAgeMinutes), cancellationToken).ConfigureAwait(false);
        long? depth = null;
        foreach (IQueueDepthProbe probe in this.probes)
        {
            depth = (depth ?? 0) + await probe.DepthAsync(cancellationToken).ConfigureAwait(false);
        }

        double utilization = Math.Max((double)turns / settings.TurnCapacity, depth is long d ? (double)d / settings.QueueCapacity : 0);
        int level = NextLevel(this.current.Level, utilization, settings);
        if (level != this.current.Level)
        {
            this.LogLevelChanged(this.current.Level, level, utilization, turns, depth);
        }

        this.current = new LoadSnapshot(level, turns, depth, Math.Round(utilization, 3), this.clock.GetUtcNow().UtcDateTime);
        return this.current;
    }

    /// <summary>Engage at a threshold; release only below threshold − hysteresis.</summary>
    public static int NextLevel(int currentLevel, double utilization, LoadOptions settings)
    {
        double[] thresholds = [settings.Level1At, settings.Level2At, settings.Level3At];
        int engaged = thresholds.Count(t => utilization >= t);
        if (engaged >= currentLevel)
        {
            return engaged;
        }

        int level = currentLevel;
        while (level > engaged && utilization < thresholds[level - 1] - settings.Hysteresis)
        {
            level--;
        }

        return level;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(this.options.Value.SampleSeconds), this.clock);
        do
        {
            try
            {
                await this.SampleAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Keep the last level rather than pretend the load vanished.
                this.LogSampleFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Degrade level {From} → {To} (utilisation {Utilization:P0}: {Turns} turns in flight, queue depth {Depth})")]
    partial void LogLevelChanged(int from, int to, double utilization, int turns, long? depth);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Load sample failed; keeping the last degrade level")]
    partial void LogSampleFailed(Exception e);
}
