using System.ComponentModel.DataAnnotations;

namespace Agents.Core.Load;

/// <summary>Section <c>Backpressure</c>: capacity and the utilisation at which each degrade level engages.</summary>
public sealed class LoadOptions
{
    public const string Section = "Backpressure";

    /// <summary>Turns in flight (accepted, not finished) the platform is sized for.</summary>
    [Range(1, 1_000_000)]
    public int TurnCapacity { get; set; } = 50;

    /// <summary>Durable queue messages waiting that count as full load (where the backend exposes its queues).</summary>
    [Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 2000;

    /// <summary>Level 1 (smaller models) from this utilisation.</summary>
    public double Level1At { get; set; } = 0.6;

    /// <summary>Level 2 (fewer tools, batched retrieval) from this utilisation.</summary>
    public double Level2At { get; set; } = 0.8;

    /// <summary>Level 3 (new turns shed with 429) from this utilisation.</summary>
    public double Level3At { get; set; } = 1.0;

    /// <summary>A level releases only when utilisation drops this far below its threshold, so it does not flap.</summary>
    public double Hysteresis { get; set; } = 0.1;

    [Range(0.05, 60)]
    public double SampleSeconds { get; set; } = 1;

    /// <summary>Turns older than this are not counted as in flight (a crashed turn must not hold capacity forever).</summary>
    [Range(1, 100_000)]
    public int MaxTurnAgeMinutes { get; set; } = 24 * 60;

    /// <summary>Retry-After sent with a shed turn.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 15;
}
