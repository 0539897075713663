namespace Agents.Core.Contracts;

/// <summary>
/// An event to append to a session's log. <see cref="Id"/> is deterministic (derived from the turn,
/// revision, stage and step), so an activity retried after a crash appends it at most once.
/// </summary>
public record EventDraft(string Id, string Type, string SessionId, string Summary)
{
    public int? Turn { get; init; }

    public int? Revision { get; init; }

    public string? Step { get; init; }

    /// <summary>When it happened; the log stamps append time when absent.</summary>
    public DateTime? Time { get; init; }

    public string? Model { get; init; }

    public TokenUsage? Tokens { get; init; }

    public decimal? CostUsd { get; init; }

    public long? LatencyMs { get; init; }

    public string? Decision { get; init; }

    public string? Actor { get; init; }

    /// <summary>Short, redaction-safe summaries of inputs and outputs; full content goes by reference.</summary>
    public IReadOnlyDictionary<string, string>? Inputs { get; init; }

    public IReadOnlyDictionary<string, string>? Outputs { get; init; }

    public IReadOnlyList<PayloadRef>? Refs { get; init; }

    /// <summary>
    /// A model call's raw answer on its way to the payload store (private working state, kept for replay): never
    /// serialized, so it reaches no log, history or response; <see cref="Models.RecordingModelGateway"/> swaps it for a reference.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? RawResponse { get; init; }
}

/// <summary>An event as stored: the draft plus its position in the log and the hash chain.</summary>
public sealed record AgentEvent(long Seq, string Id, string Type, string SessionId, string Summary)
    : EventDraft(Id, Type, SessionId, Summary)
{
    public string PrevHash { get; init; } = string.Empty;

    public string Hash { get; init; } = string.Empty;
}

/// <summary>Event types, one constant each so producers and readers agree.</summary>
public static class EventTypes
{
    public const string SessionCreated = "session.created";
    public const string SessionExpired = "session.expired";
    public const string TurnAccepted = "turn.accepted";
    public const string TurnStarted = "turn.started";

    /// <summary>Long-term memory searched before planning: the chunks found (path, lines, score; the text only by reference).</summary>
    public const string MemoryRetrieved = "memory.retrieved";
    public const string ModelCalled = "model.called";
    public const string PlanPreviewed = "plan.previewed";
    public const string PlanRejected = "plan.rejected";
    /// <summary>Output of a step still running (a job's lines, batched, redacted, bounded); the step's result comes later.</summary>
    public const string StepProgress = "step.progress";
    public const string StepCompleted = "step.completed";
    public const string StepFailed = "step.failed";
    public const string StepSkipped = "step.skipped";
    public const string ApprovalRequested = "approval.requested";
    public const string ApprovalResolved = "approval.resolved";
    public const string TurnCompleted = "turn.completed";
    public const string ReplayStarted = "replay.started";
    public const string BrowserAction = "browser.action";
}
