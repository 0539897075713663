using System.Threading.RateLimiting;
using Agents.Core.Sessions;
using Microsoft.Extensions.Options;

namespace Agents.Edge.RateLimits;

/// <summary>Which limit refused a request, and when to come back.</summary>
public sealed record RateLimitRefusal(string Scope, string Name, RateLimitRule Rule, TimeSpan RetryAfter)
{
    public int RetryAfterSeconds => (int)Math.Max(1, Math.Ceiling(this.RetryAfter.TotalSeconds));
}

/// <summary>
/// Per-user and per-org request limits, one partition per user and per org (partitions of idle callers are dropped
/// by the limiter itself). The user's limit is asked first, so a user over their own limit does not spend the org's.
/// </summary>
public sealed class EdgeRateLimiter : IDisposable
{
    readonly RateLimitOptions options;
    readonly PartitionedRateLimiter<Caller> users;
    readonly PartitionedRateLimiter<Caller> orgs;

    public EdgeRateLimiter(IOptions<RateLimitOptions> options)
    {
        this.options = options.Value;
        this.users = PartitionedRateLimiter.Create<Caller, string>(c => this.Partition($"{c.Org}\n{c.User}", this.options.User));
        this.orgs = PartitionedRateLimiter.Create<Caller, string>(c => this.Partition(c.Org, this.options.Org));
    }

    /// <summary>Takes one request from the caller's allowances; null when admitted.</summary>
    public RateLimitRefusal? TryAcquire(Caller caller)
    {
        if (!this.options.Enabled)
        {
            return null;
        }

        using RateLimitLease user = this.users.AttemptAcquire(caller);
        if (!user.IsAcquired)
        {
            return new RateLimitRefusal("user", caller.User, this.options.User, RetryAfter(user));
        }

        using RateLimitLease org = this.orgs.AttemptAcquire(caller);
        return org.IsAcquired ? null : new RateLimitRefusal("org", caller.Org, this.options.Org, RetryAfter(org));
    }

    public void Dispose()
    {
        this.users.Dispose();
        this.orgs.Dispose();
    }

    static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan wait) ? wait : TimeSpan.FromSeconds(1);

    /// <summary>
    /// Limiters of a partitioned limiter are replenished by its own 100 ms heartbeat (not a timer each), so a token
    /// bucket refills in steps of at least 100 ms.
    /// </summary>
    RateLimitPartition<string> Partition(string key, RateLimitRule rule)
    {
        TimeSpan window = TimeSpan.FromSeconds(rule.WindowSeconds);
        if (this.options.Algorithm == RateLimitAlgorithm.SlidingWindow)
        {
            return RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = rule.PermitLimit,
                Window = window,
                SegmentsPerWindow = this.options.SegmentsPerWindow,
                QueueLimit = 0,
                AutoReplenishment = false,
            });
        }

        TimeSpan period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, window.Ticks / rule.PermitLimit));
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = rule.PermitLimit,
            ReplenishmentPeriod = period,
            TokensPerPeriod = (int)Math.Max(1, Math.Round(rule.PermitLimit * period.TotalSeconds / rule.WindowSeconds)),
            QueueLimit = 0,
            AutoReplenishment = false,
        });
    }
}
