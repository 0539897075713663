namespace AgentCli;

/// <summary>Nearest-rank percentiles of a set of latencies, in milliseconds.</summary>
public sealed record LatencyStats(int Count, double P50, double P95, double P99, double Min, double Max)
{
    public static readonly LatencyStats Empty = new(0, 0, 0, 0, 0, 0);

    public static LatencyStats Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return Empty;
        }

        double Percentile(double p) => Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)], 1);
        return new LatencyStats(sorted.Count, Percentile(0.50), Percentile(0.95), Percentile(0.99), Math.Round(sorted[0], 1), Math.Round(sorted[^1], 1));
    }
}
