using System.Text.Json.Serialization;
using Agents.Core.Models;

namespace Agents.Core.Contracts;

/// <summary>How a replay gets tool outputs: served from the original's log, or run again on the repository.</summary>
[JsonConverter(typeof(SnakeCaseEnum<ReplayToolMode>))]
public enum ReplayToolMode
{
    Recorded,
    Rerun,
}

/// <summary>
/// Where a replay stops serving the recording and runs live, and with what changed: from <see cref="Step"/> of
/// <see cref="Turn"/> (the whole turn, planning included, when no step is named) on, model calls go to the router
/// with <see cref="Tier"/> and <see cref="Prompt"/> applied, and tools run.
/// </summary>
public sealed record ReplayFork(
    [property: JsonPropertyName("turn")] int Turn,
    [property: JsonPropertyName("step")] string? Step)
{
    /// <summary>The model tier to use from the fork point (small, frontier, long_context); null keeps the asked tier.</summary>
    [JsonPropertyName("tier")]
    public ModelTier? Tier { get; init; }

    /// <summary>An instruction added to every live prompt from the fork point (a prompt change to try).</summary>
    [JsonPropertyName("prompt")]
    public string? Prompt { get; init; }
}

/// <summary>What makes a session a replay: the session it re-runs and how. Serialized in snake case for the UI.</summary>
public sealed record ReplayInfo(
    [property: JsonPropertyName("original_session")] string OriginalSession,
    [property: JsonPropertyName("tools")] ReplayToolMode Tools,
    [property: JsonPropertyName("policy_version")] string PolicyVersion)
{
    [JsonPropertyName("fork")]
    public ReplayFork? Fork { get; init; }

    /// <summary>The policy document the replay runs under, stored in the replay's payloads (so any host can load it).</summary>
    [JsonPropertyName("policy_ref")]
    public PayloadRef? PolicyRef { get; init; }

    [JsonPropertyName("turns")]
    public int Turns { get; init; }

    /// <summary>True when the whole turn runs live: after the fork's turn, or the fork's turn when no step is named.</summary>
    public bool IsLiveTurn(int turn) =>
        this.Fork is { } fork && (turn > fork.Turn || (turn == fork.Turn && fork.Step is null));

    /// <summary>True when a step runs live: in a live turn, or the fork step and every step after it in plan order.</summary>
    public bool IsLiveStep(int turn, string step, IReadOnlyList<string> planOrder)
    {
        if (this.IsLiveTurn(turn))
        {
            return true;
        }

        if (this.Fork is not { Step: { } forkStep } fork || fork.Turn != turn)
        {
            return false;
        }

        int at = IndexOf(planOrder, forkStep);
        return at >= 0 && IndexOf(planOrder, step) >= at;
    }

    static int IndexOf(IReadOnlyList<string> order, string step)
    {
        for (int i = 0; i < order.Count; i++)
        {
            if (order[i] == step)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>A decision an original session recorded for an approval request, served to its replay.</summary>
public sealed record RecordedDecision(ApprovalResolution Resolution, string? Approver, string? Rationale, string? Channel, IReadOnlyList<string> Steps);

/// <summary>Asks the original's log for the <paramref name="Index"/>-th decision on approval request number <paramref name="Sequence"/> of a turn.</summary>
public sealed record ReplayApprovalRequest(SessionMetadata Session, int Turn, int Sequence, int Index, IReadOnlyList<string> Steps)
{
    public IReadOnlyList<EventDraft> Events { get; init; } = [];
}

/// <summary>What differs between an original and its replay, per turn. Snake case: the UI reads it as is.</summary>
public sealed record ReplayDiff(
    [property: JsonPropertyName("original_session")] string OriginalSession,
    [property: JsonPropertyName("replay_session")] string ReplaySession,
    [property: JsonPropertyName("complete")] bool Complete,
    [property: JsonPropertyName("same")] bool Same,
    [property: JsonPropertyName("summary")] string Summary,
    [property: JsonPropertyName("turns")] IReadOnlyList<TurnDiff> Turns)
{
    [JsonPropertyName("replay")]
    public ReplayInfo? Replay { get; init; }

    [JsonPropertyName("replay_tokens")]
    public int ReplayTokens { get; init; }
}

public sealed record TurnDiff(
    [property: JsonPropertyName("turn")] int Turn,
    [property: JsonPropertyName("same")] bool Same,
    [property: JsonPropertyName("changes")] IReadOnlyList<ReplayChange> Changes);

/// <summary>One difference: kind is plan, decision, approval, step_status or outcome.</summary>
public sealed record ReplayChange(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("step")] string? Step,
    [property: JsonPropertyName("original")] string? Original,
    [property: JsonPropertyName("replay")] string? Replay,
    [property: JsonPropertyName("detail")] string Detail);
