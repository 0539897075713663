using System.ComponentModel.DataAnnotations;

namespace Agents.Edge.RateLimits;

public enum RateLimitAlgorithm
{
    /// <summary>A bucket of <see cref="RateLimitRule.PermitLimit"/> requests, refilled evenly over <see cref="RateLimitRule.WindowSeconds"/>: bursts up to the bucket, then the refill rate.</summary>
    TokenBucket,

    /// <summary>At most <see cref="RateLimitRule.PermitLimit"/> requests in any <see cref="RateLimitRule.WindowSeconds"/> (in <see cref="RateLimitOptions.SegmentsPerWindow"/> steps).</summary>
    SlidingWindow,
}

/// <summary>
/// Section <c>RateLimits</c>: requests per user and per org admitted at the edge, after authentication. Limits hold per
/// host instance (each Functions instance counts for itself).
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public bool Enabled { get; set; } = true;

    public RateLimitAlgorithm Algorithm { get; set; } = RateLimitAlgorithm.TokenBucket;

    /// <summary>Each user of an org (20 requests a second, bursts of 40, by default).</summary>
    public RateLimitRule User { get; set; } = new() { PermitLimit = 40, WindowSeconds = 2 };

    /// <summary>All users of an org together.</summary>
    public RateLimitRule Org { get; set; } = new() { PermitLimit = 400, WindowSeconds = 2 };

    [Range(1, 100)]
    public int SegmentsPerWindow { get; set; } = 4;
}

public sealed class RateLimitRule
{
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 1;

    [Range(0.1, 86_400)]
    public double WindowSeconds { get; set; } = 1;
}
