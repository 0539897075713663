using System.Collections.Concurrent;
using Agents.Core.Contracts;
using Agents.Core.Storage;

namespace Agents.Core.Replay;

/// <summary>
/// Reads what an original session recorded, for its replays: model answers, step outputs and approval decisions,
/// found by their event ids with the session prefix taken off (a replay's ids differ from the original's only there).
/// </summary>
public sealed class ReplaySource(IEventLog events, IPayloadStore payloads, TimeProvider clock)
{
    static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    readonly ConcurrentDictionary<string, (DateTimeOffset At, IReadOnlyList<AgentEvent> Events)> cache = new(StringComparer.Ordinal);

    /// <summary>The original's log (cached briefly: a replay reads it once per call it serves).</summary>
    public async Task<IReadOnlyList<AgentEvent>> EventsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = clock.GetUtcNow();
        if (this.cache.TryGetValue(sessionId, out var hit) && now - hit.At < CacheFor)
        {
            return hit.Events;
        }

        IReadOnlyList<AgentEvent> log = await events.ReadAsync(sessionId, cancellationToken).ConfigureAwait(false);
        this.cache[sessionId] = (now, log);
        return log;
    }

    /// <summary>An event id without its session's prefix: <c>s-{id}:t-1/r0/plan</c> becomes <c>:t-1/r0/plan</c>.</summary>
    public static string? Local(string id, string sessionId)
    {
        string prefix = Ids.SessionInstanceId(sessionId);
        return id.StartsWith(prefix, StringComparison.Ordinal) ? id[prefix.Length..] : null;
    }

    /// <summary>The model events the original logged under a call scope and purpose, in log order.</summary>
    public async Task<IReadOnlyList<AgentEvent>> ModelEventsAsync(string original, string localScope, string purpose, CancellationToken cancellationToken = default)
    {
        string prefix = $"{localScope}/model/{purpose}/";
        return (await this.EventsAsync(original, cancellationToken).ConfigureAwait(false))
            .Where(e => Local(e.Id, original)?.StartsWith(prefix, StringComparison.Ordinal) == true)
            .ToList();
    }

    /// <summary>The original's final result of a step in a turn and revision (completed or failed), if it ran.</summary>
    public async Task<AgentEvent?> StepResultAsync(string original, int turn, int revision, string step, CancellationToken cancellationToken = default)
    {
        string completed = $":t-{turn}/r{revision}/{EventTypes.StepCompleted}/{step}";
        string failed = $":t-{turn}/r{revision}/{EventTypes.StepFailed}/{step}";
        return (await this.EventsAsync(original, cancellationToken).ConfigureAwait(false))
            .LastOrDefault(e => Local(e.Id, original) is { } local && (local == completed || local == failed));
    }

    /// <summary>The decisions (not the ignored ones) the original recorded on approval request number <paramref name="sequence"/> of a turn.</summary>
    public async Task<IReadOnlyList<RecordedDecision>> DecisionsAsync(string original, int turn, int sequence, CancellationToken cancellationToken = default)
    {
        string approvalId = $"{Ids.TurnInstanceId(original, turn)}:a-{sequence}";
        return (await this.EventsAsync(original, cancellationToken).ConfigureAwait(false))
            .Where(e => e.Type == EventTypes.ApprovalResolved && e.Inputs?.GetValueOrDefault("approvalId") == approvalId && e.Decision != "ignored")
            .Select(e => new RecordedDecision(
                ParseResolution(e.Decision),
                e.Actor,
                e.Inputs?.GetValueOrDefault("rationale") is { Length: > 0 } why ? why : null,
                e.Inputs?.GetValueOrDefault("channel") is { Length: > 0 } channel ? channel : null,
                StepsOf(e)))
            .ToList();
    }

    /// <summary>Copies a payload of the original into the replay's namespace (payloads are stored per session).</summary>
    public async Task<string?> TextAsync(string original, string sha256, CancellationToken cancellationToken = default)
    {
        byte[]? bytes = await payloads.GetAsync(original, sha256, cancellationToken).ConfigureAwait(false);
        return bytes is null ? null : System.Text.Encoding.UTF8.GetString(bytes);
    }

    static ApprovalResolution ParseResolution(string? decision) => decision switch
    {
        "approved" => ApprovalResolution.Approved,
        "revised" => ApprovalResolution.Revised,
        "timed_out" => ApprovalResolution.TimedOut,
        _ => ApprovalResolution.Denied,
    };

    /// <summary>The steps a decision answered: recorded as an input, or listed after the colon of its summary.</summary>
    static IReadOnlyList<string> StepsOf(AgentEvent e)
    {
        string? listed = e.Inputs?.GetValueOrDefault("steps") ?? (e.Summary.IndexOf(": ", StringComparison.Ordinal) is int at and >= 0 ? e.Summary[(at + 2)..] : null);
        return listed is null ? [] : listed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
