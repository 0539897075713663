using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Agents.Core.Telemetry;

/// <summary>
/// The platform's one ActivitySource and one Meter, and its instruments. Exporters are registered once for both hosts
/// (<see cref="TelemetryRegistration"/>); a span's string attributes are redacted before any exporter sees them.
/// </summary>
public static class AgentTelemetry
{
    public const string Name = "AgentFunctions";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Tags: <c>gen_ai.request.model</c>, <c>direction</c> (input | output).</summary>
    public static readonly Counter<long> Tokens = Meter.CreateCounter<long>("agentfunctions.tokens", "{token}", "Tokens spent on model calls");

    /// <summary>Tags: <c>gen_ai.request.model</c>.</summary>
    public static readonly Counter<double> Cost = Meter.CreateCounter<double>("agentfunctions.cost", "USD", "Cost of model calls");

    /// <summary>Tags: <c>stage</c> (one of <see cref="Stages"/>).</summary>
    public static readonly Histogram<double> StageDuration = Meter.CreateHistogram<double>("agentfunctions.stage.duration", "ms", "Latency per stage of a turn");

    /// <summary>Tags: <c>decision</c> (permit | require_approval | forbid), <c>phase</c> (plan | run).</summary>
    public static readonly Counter<long> PolicyDecisions = Meter.CreateCounter<long>("agentfunctions.policy.decisions", "{decision}", "Policy decisions");

    public static void RecordStage(string stage, double milliseconds) =>
        StageDuration.Record(milliseconds, new KeyValuePair<string, object?>("stage", stage));
}

/// <summary>Values of the <c>stage</c> tag of <see cref="AgentTelemetry.StageDuration"/>.</summary>
public static class Stages
{
    public const string Plan = "plan";
    public const string ModelCall = "model_call";
    public const string Retrieval = "retrieval";
    public const string Tool = "tool";
    public const string Policy = "policy";
    public const string ApprovalWait = "approval_wait";
    public const string Turn = "turn";
}

/// <summary>Attribute names: the OpenTelemetry GenAI semantic conventions where they exist, the platform's own otherwise.</summary>
public static class SpanAttributes
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string System = "gen_ai.system";
    public const string RequestModel = "gen_ai.request.model";
    public const string RequestMaxTokens = "gen_ai.request.max_tokens";
    public const string ResponseModel = "gen_ai.response.model";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string FinishReasons = "gen_ai.response.finish_reasons";
    public const string ToolName = "gen_ai.tool.name";
    public const string ToolCallId = "gen_ai.tool.call.id";
    public const string ToolArguments = "gen_ai.tool.call.arguments";
    public const string ErrorType = "error.type";

    public const string SessionId = "agentfunctions.session.id";
    public const string Turn = "agentfunctions.turn";
    public const string Revision = "agentfunctions.revision";
    public const string Step = "agentfunctions.step";
    public const string Purpose = "agentfunctions.model.purpose";
    public const string Tier = "agentfunctions.model.tier";
    public const string Attempts = "agentfunctions.model.attempts";
    public const string Failovers = "agentfunctions.model.failovers";
    public const string CostUsd = "agentfunctions.cost_usd";
    public const string PolicyDecision = "agentfunctions.policy.decision";
    public const string PolicyRules = "agentfunctions.policy.rule_ids";
    public const string PolicyVersion = "agentfunctions.policy.version";
    public const string PolicyPhase = "agentfunctions.policy.phase";
    public const string ApprovalId = "agentfunctions.approval.id";
    public const string ApprovalResolution = "agentfunctions.approval.resolution";
    public const string Outcome = "agentfunctions.turn.outcome";
}
