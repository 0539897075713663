using System.Diagnostics;
using Agents.Core.Contracts;
using Agents.Core.Policy;

namespace Agents.Core.Telemetry;

/// <summary>The spans of a turn's stages, named once here so both activities and tests agree on them.</summary>
public static class TurnSpans
{
    public const string Turn = "turn";
    public const string Plan = "plan_turn";
    public const string PromptBuild = "build_prompt";
    public const string Retrieval = "retrieve";
    public const string Policy = "evaluate_policy";
    public const string RequestApproval = "request_approval";
    public const string ApprovalWait = "await_approval";
    public const string Summarize = "summarize_turn";
    public const string ExecuteToolPrefix = "execute_tool ";

    /// <summary>
    /// The hook for retrieval: no Retrieve activity exists yet. When it lands, it wraps its work in this span (a child of
    /// the turn span) and records <see cref="Stages.Retrieval"/> when done.
    /// </summary>
    public static Activity? StartRetrieval(string sessionId, int turn, string query)
    {
        Activity? span = TurnTrace.Start(Retrieval, sessionId, turn);
        span?.SetTag("agentfunctions.retrieval.query", query);
        return span;
    }

    public static Activity? StartTool(string sessionId, int turn, int revision, PlanStep step)
    {
        Activity? span = TurnTrace.Start(ExecuteToolPrefix + step.Tool, sessionId, turn);
        if (span is not null)
        {
            span.SetTag(SpanAttributes.OperationName, "execute_tool");
            span.SetTag(SpanAttributes.ToolName, step.Tool);
            span.SetTag(SpanAttributes.ToolCallId, step.Id);
            span.SetTag(SpanAttributes.ToolArguments, step.Arguments);
            span.SetTag(SpanAttributes.Step, step.Id);
            span.SetTag(SpanAttributes.Revision, revision);
        }

        return span;
    }

    /// <summary>A policy check of one planned call: a span with the decision, matched rule ids and policy version, and the decision counted.</summary>
    public static void PolicyChecked(string sessionId, int turn, PlanStep step, string phase, PolicyDecision decision, DateTimeOffset started)
    {
        double ms = (DateTimeOffset.UtcNow - started).TotalMilliseconds;
        AgentTelemetry.RecordStage(Stages.Policy, ms);
        AgentTelemetry.PolicyDecisions.Add(1, new KeyValuePair<string, object?>("decision", decision.Effective.Snake()), new KeyValuePair<string, object?>("phase", phase));
        using Activity? span = TurnTrace.Start($"{Policy} {step.Tool}", sessionId, turn, startTime: started);
        if (span is null)
        {
            return;
        }

        span.SetTag(SpanAttributes.Step, step.Id);
        span.SetTag(SpanAttributes.ToolName, step.Tool);
        span.SetTag(SpanAttributes.PolicyPhase, phase);
        span.SetTag(SpanAttributes.PolicyDecision, decision.Effective.Snake());
        span.SetTag(SpanAttributes.PolicyRules, decision.Matched.Select(m => m.Id).ToArray());
        span.SetTag(SpanAttributes.PolicyVersion, decision.PolicyVersion);
        if (decision.Effective == PolicyEffect.Forbid)
        {
            span.SetStatus(ActivityStatusCode.Error, decision.Reason);
        }
    }
}
