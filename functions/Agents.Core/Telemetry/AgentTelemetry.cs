using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Agents.Core.Telemetry;

/// <summary>The platform's one ActivitySource and one Meter (exporters are configured by the hosts).</summary>
public static class AgentTelemetry
{
    public const string Name = "AgentFunctions";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Tokens = Meter.CreateCounter<long>("agentfunctions.tokens", "{token}", "Tokens spent on model calls");

    public static readonly Counter<double> Cost = Meter.CreateCounter<double>("agentfunctions.cost", "USD", "Cost of model calls");

    public static readonly Histogram<double> ModelLatency = Meter.CreateHistogram<double>("agentfunctions.model.duration", "ms", "Model call latency");
}
