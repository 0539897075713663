using System.Text.Json.Serialization;
using Agents.Core.Contracts;
using Agents.Core.Models;
using Agents.Core.Orchestrations;
using Agents.Core.Policy;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Agents.Core.Replay;

/// <summary>The body of <c>POST /api/sessions/{id}/replay</c>; every field optional.</summary>
public sealed record ReplayBody
{
    /// <summary>recorded (default): tool outputs from the original's log; rerun: run the tools again on the repository.</summary>
    public string? Tools { get; init; }

    /// <summary>A policy version that was in force at some time (default: the version in force now).</summary>
    public string? PolicyVersion { get; init; }

    public ReplayForkBody? Fork { get; init; }
}

public sealed record ReplayForkBody
{
    public int? Turn { get; init; }

    public string? Step { get; init; }

    public string? Tier { get; init; }

    public string? Prompt { get; init; }
}

public sealed record ReplayStartedView(
    [property: JsonPropertyName("replay_session")] string ReplaySession,
    [property: JsonPropertyName("original_session")] string OriginalSession,
    [property: JsonPropertyName("turns")] int Turns,
    [property: JsonPropertyName("replay")] ReplayInfo Replay,
    [property: JsonPropertyName("links")] ReplayLinks Links);

public sealed record ReplayLinks(
    [property: JsonPropertyName("session")] string Session,
    [property: JsonPropertyName("diff")] string Diff,
    [property: JsonPropertyName("events")] string Events,
    [property: JsonPropertyName("page")] string Page);

/// <summary>
/// Replays: re-run a recorded session with its model answers served from its log (zero tokens), tools served or re-run,
/// under the current or a named policy version, optionally forking from a step with another tier or prompt; the diff
/// of a replay against its original; and any session exported as an evaluation case. Like <see cref="SessionService"/>,
/// each names its <see cref="Caller"/>: a caller of another org gets 403 for the session.
/// </summary>
public sealed class ReplayService(
    DurableTaskClient durable,
    IEventLog events,
    IPayloadStore payloads,
    IPolicyStore policies,
    PolicyArchive archive,
    TimeProvider clock)
{
    public const int MaxForkPromptChars = 4000;

    /// <summary>The replay belongs to the original's org, and is the caller's: its metadata's user is who started it.</summary>
    public async Task<ApiResult<ReplayStartedView>> StartAsync(string originalId, ReplayBody? body, Caller caller, CancellationToken cancellationToken = default)
    {
        body ??= new ReplayBody();
        if (!Ids.IsValidSessionId(originalId)
            || await durable.GetInstanceAsync(Ids.SessionInstanceId(originalId), getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false) is not { } instance
            || SessionService.ReadSessionStatus(instance) is not { } status
            || instance.ReadInputAs<SessionState>() is not { } state)
        {
            return NoSuchSession(originalId);
        }

        if (SessionService.OtherOrg(originalId, status.Metadata.Org, caller) is { } forbidden)
        {
            return forbidden;
        }

        if (status.ActiveTurn is int active)
        {
            return new ApiError(ApiErrorKind.Conflict, "The session is still running a turn",
                $"Turn {active} of session {originalId} has not finished; replay it once it has (GET {SessionService.TurnHref(originalId, active)}).");
        }

        IReadOnlyList<AgentEvent> log = await events.ReadAsync(originalId, cancellationToken).ConfigureAwait(false);
        var accepted = log.Where(e => e.Type == EventTypes.TurnAccepted && e.Turn is not null && e.Refs is { Count: > 0 })
            .GroupBy(e => e.Turn!.Value).Select(g => g.First()).OrderBy(e => e.Turn).ToList();
        if (accepted.Count == 0)
        {
            return new ApiError(ApiErrorKind.Conflict, "Nothing to replay", $"Session {originalId} has no turns yet; send one with POST {SessionService.TurnHref(originalId, 1)[..^2]}.");
        }

        var errors = new Dictionary<string, string[]>();
        ReplayToolMode tools = ReplayToolMode.Recorded;
        if (body.Tools is not null && (!Enum.TryParse(body.Tools, ignoreCase: true, out tools) || int.TryParse(body.Tools, out _)))
        {
            errors["tools"] = ["one of recorded (tool outputs served from the original's log) or rerun (tools run again)"];
        }

        CompiledPolicy? policy = policies.Current;
        if (body.PolicyVersion is { } named && named != policy.Version)
        {
            policy = policies.Version(named);
            if (policy is null && await archive.TextAsync(named, cancellationToken).ConfigureAwait(false) is { } text)
            {
                policy = policies.Pin(text, $"archive:{named}");
            }

            if (policy is null)
            {
                IReadOnlyList<string> known = await archive.VersionsAsync(cancellationToken).ConfigureAwait(false);
                errors["policyVersion"] = [$"unknown policy version '{named}'; known: {string.Join(", ", known.Append(policies.Current.Version).Distinct())}"];
            }
        }

        ReplayFork? fork = null;
        if (body.Fork is { } f)
        {
            fork = this.ValidateFork(f, accepted.Count, log, originalId, errors);
        }

        if (errors.Count > 0)
        {
            return ApiError.Invalid(errors);
        }

        string replayId = Ids.NewSessionId();
        DateTime now = clock.GetUtcNow().UtcDateTime;
        PayloadRef policyRef = await payloads.PutTextAsync(replayId, policy!.Text, "application/yaml", cancellationToken).ConfigureAwait(false);
        var replay = new ReplayInfo(originalId, tools, policy.Version) { Fork = fork, PolicyRef = policyRef, Turns = accepted.Count };
        SessionMetadata metadata = state.Metadata with
        {
            SessionId = replayId,
            User = caller.User,
            Title = $"replay of {originalId}{(fork is null ? string.Empty : $" (fork at turn {fork.Turn}{(fork.Step is null ? string.Empty : $" step {fork.Step}")})")}",
            CreatedAt = now,
            Replay = replay,
        };

        var queued = new List<TurnRequested>();
        foreach (AgentEvent turn in accepted)
        {
            PayloadRef originalInput = turn.Refs![0];
            byte[] content = await payloads.GetAsync(originalId, originalInput.Sha256, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"the input of turn {turn.Turn} of {originalId} ({originalInput}) is missing from storage");
            PayloadRef input = await payloads.PutAsync(replayId, content, originalInput.ContentType, cancellationToken).ConfigureAwait(false);
            queued.Add(new TurnRequested(turn.Turn!.Value, $"replay-{turn.Turn}", input, turn.Actor ?? state.Metadata.User, now)
            {
                LongContext = turn.Decision == "admitted_with_consent",
            });
        }

        await events.AppendAsync(replayId, [
            new EventDraft($"{Ids.SessionInstanceId(replayId)}/{EventTypes.SessionCreated}", EventTypes.SessionCreated, replayId,
                $"replay of {originalId}: {accepted.Count} turn(s), tools {tools.Snake()}, policy {policy.Version}")
            {
                Time = now,
                Actor = metadata.User,
                Inputs = new Dictionary<string, string?>
                {
                    ["org"] = metadata.Org,
                    ["repository"] = metadata.Repository,
                    ["originalSession"] = originalId,
                    ["tools"] = tools.Snake(),
                    ["policyVersion"] = policy.Version,
                    ["fork"] = fork is null ? null : $"turn {fork.Turn}{(fork.Step is null ? string.Empty : $" step {fork.Step}")}{(fork.Tier is null ? string.Empty : $" tier {fork.Tier.Value.Snake()}")}{(fork.Prompt is null ? string.Empty : " with an added instruction")}",
                }.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!),
                Refs = [policyRef],
            },
            .. queued.Select(q => new EventDraft($"{Ids.TurnInstanceId(replayId, q.Turn)}/{EventTypes.TurnAccepted}", EventTypes.TurnAccepted, replayId,
                $"turn {q.Turn} queued: the input of turn {q.Turn} of {originalId}")
            {
                Turn = q.Turn,
                Time = now,
                Actor = q.RequestedBy,
                Decision = "replayed",
                Inputs = new Dictionary<string, string> { ["requestId"] = q.RequestId, ["input"] = q.Input.ToString() },
                Refs = [q.Input],
            }),
        ], cancellationToken).ConfigureAwait(false);

        await durable.ScheduleNewOrchestrationInstanceAsync(
            nameof(Session),
            state with
            {
                Metadata = metadata,
                Budget = new BudgetLedger(metadata.Limits.SessionTokens, 0, 0, 0m),
                TurnCount = 0,
                LastActivityAt = now,
                RecentTurns = [],
                Queued = queued,
            },
            new StartOrchestrationOptions(Ids.SessionInstanceId(replayId)),
            cancellationToken).ConfigureAwait(false);

        return new ReplayStartedView(replayId, originalId, accepted.Count, replay, LinksOf(replayId));
    }

    ReplayFork? ValidateFork(ReplayForkBody f, int turns, IReadOnlyList<AgentEvent> log, string originalId, Dictionary<string, string[]> errors)
    {
        if (f.Turn is not int turn || turn < 1 || turn > turns)
        {
            errors["fork.turn"] = [$"the turn to fork from, 1 to {turns}"];
            return null;
        }

        if (f.Step is { } step)
        {
            var planned = log.Where(e => e.Type == EventTypes.PlanPreviewed && e.Turn == turn).SelectMany(e => e.Outputs?.Keys ?? []).Distinct().ToList();
            if (!planned.Contains(step))
            {
                errors["fork.step"] = [$"turn {turn} of {originalId} planned no step '{step}'; its steps: {string.Join(", ", planned)}"];
            }
        }

        ModelTier? tier = null;
        if (f.Tier is not null)
        {
            if (Enum.TryParse(f.Tier.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out ModelTier parsed) && !int.TryParse(f.Tier, out _))
            {
                tier = parsed;
            }
            else
            {
                errors["fork.tier"] = ["one of small, frontier, long_context"];
            }
        }

        if (f.Prompt is { Length: > MaxForkPromptChars })
        {
            errors["fork.prompt"] = [$"at most {MaxForkPromptChars} characters"];
        }

        return new ReplayFork(turn, f.Step) { Tier = tier, Prompt = string.IsNullOrWhiteSpace(f.Prompt) ? null : f.Prompt };
    }

    public async Task<ApiResult<ReplayDiff>> DiffAsync(string replayId, Caller caller, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValidSessionId(replayId)
            || await durable.GetInstanceAsync(Ids.SessionInstanceId(replayId), getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false) is not { } instance
            || SessionService.ReadSessionStatus(instance) is not { } status)
        {
            return NoSuchSession(replayId);
        }

        if (SessionService.OtherOrg(replayId, status.Metadata.Org, caller) is { } forbidden)
        {
            return forbidden;
        }

        if (status.Metadata.Replay is not { } replay)
        {
            return new ApiError(ApiErrorKind.NotFound, "Not a replay",
                $"Session {replayId} is not a replay, so it has no diff. Start one with POST {SessionService.SessionHref(replayId)}/replay.");
        }

        IReadOnlyList<AgentEvent> original = await events.ReadAsync(replay.OriginalSession, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<AgentEvent> replayed = await events.ReadAsync(replayId, cancellationToken).ConfigureAwait(false);
        bool complete = status.TurnCount >= replay.Turns && status.ActiveTurn is null;
        var turns = new List<TurnDiff>();
        for (int turn = 1; turn <= replay.Turns; turn++)
        {
            var changes = ReplayDiffer.Compare(Facts.Of(original, turn), Facts.Of(replayed, turn));
            turns.Add(new TurnDiff(turn, changes.Count == 0, changes));
        }

        bool same = turns.All(t => t.Same);
        int tokens = replayed.Where(e => e.Type == EventTypes.ModelCalled).Sum(e => e.Tokens?.Total ?? 0);
        string summary = (complete ? string.Empty : $"replay still running ({status.TurnCount} of {replay.Turns} turns done); so far: ")
            + (same ? "same plan, same decisions, same outcome"
                : string.Join("; ", turns.Where(t => !t.Same).Select(t => $"turn {t.Turn}: {string.Join(", ", t.Changes.Select(c => c.Kind + (c.Step is null ? string.Empty : " " + c.Step)).Distinct())} changed")));
        return new ReplayDiff(replay.OriginalSession, replayId, complete, same, summary, turns) { Replay = replay, ReplayTokens = tokens };
    }

    public async Task<ApiResult<EvalCase>> EvalCaseAsync(string sessionId, Caller caller, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValidSessionId(sessionId)
            || await durable.GetInstanceAsync(Ids.SessionInstanceId(sessionId), getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false) is not { } instance
            || SessionService.ReadSessionStatus(instance) is not { } status)
        {
            return NoSuchSession(sessionId);
        }

        if (SessionService.OtherOrg(sessionId, status.Metadata.Org, caller) is { } forbidden)
        {
            return forbidden;
        }

        IReadOnlyList<AgentEvent> log = await events.ReadAsync(sessionId, cancellationToken).ConfigureAwait(false);
        var turns = new List<EvalCaseTurn>();
        foreach (AgentEvent accepted in log.Where(e => e.Type == EventTypes.TurnAccepted && e.Turn is not null && e.Refs is { Count: > 0 }).DistinctBy(e => e.Turn))
        {
            int turn = accepted.Turn!.Value;
            string input = await payloads.GetTextAsync(sessionId, accepted.Refs![0], cancellationToken).ConfigureAwait(false);
            Facts facts = Facts.Of(log, turn);
            var approvals = log.Where(e => e.Type == EventTypes.ApprovalResolved && e.Turn == turn && e.Decision != "ignored")
                .Select(e => new EvalCaseApproval(e.Decision ?? "denied", e.Actor, e.Inputs?.GetValueOrDefault("rationale"))).ToList();
            var recordings = new List<EvalCaseRecording>();
            foreach (AgentEvent call in log.Where(e => e.Type == EventTypes.ModelCalled && e.Turn == turn && e.Refs is { Count: > 0 }))
            {
                PayloadRef answer = call.Refs!.Last();
                recordings.Add(new EvalCaseRecording(
                    ReplaySource.Local(call.Id, sessionId) ?? call.Id,
                    call.Inputs?.GetValueOrDefault("purpose") ?? "unknown",
                    call.Model,
                    await payloads.GetTextAsync(sessionId, answer, cancellationToken).ConfigureAwait(false)));
            }

            turns.Add(new EvalCaseTurn(turn, input, approvals, recordings, new EvalCaseExpected(
                facts.Outcome,
                facts.Plans.LastOrDefault().Value ?? new Dictionary<string, string>(),
                facts.Decisions.GroupBy(d => d.Key.Step).ToDictionary(g => g.Key, g => g.Last().Value.Split(' ')[0]),
                facts.Steps.GroupBy(s => s.Key.Step).ToDictionary(g => g.Key, g => g.Last().Value))));
        }

        SessionMetadata m = status.Metadata;
        return new EvalCase($"{m.Repository}: {m.Title ?? sessionId}", sessionId, m.Repository, m.User, m.Org, m.RiskTier.Snake(), m.Replay?.OriginalSession, turns);
    }

    static ReplayLinks LinksOf(string replayId) => new(
        SessionService.SessionHref(replayId),
        $"{SessionService.SessionHref(replayId)}/replay/diff",
        $"{SessionService.SessionHref(replayId)}/events",
        $"/ui/session.html?id={replayId}");

    static ApiError NoSuchSession(string sessionId) =>
        new(ApiErrorKind.NotFound, "No such session", $"There is no session '{sessionId}'. List sessions or create one with POST {SessionService.Base}.");
}

/// <summary>A recorded session as an evaluation case: inputs, the decisions a human made, the model answers, and what came out.</summary>
public sealed record EvalCase(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("session")] string Session,
    [property: JsonPropertyName("repository")] string Repository,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("org")] string Org,
    [property: JsonPropertyName("risk_tier")] string RiskTier,
    [property: JsonPropertyName("replay_of")] string? ReplayOf,
    [property: JsonPropertyName("turns")] IReadOnlyList<EvalCaseTurn> Turns);

public sealed record EvalCaseTurn(
    [property: JsonPropertyName("turn")] int Turn,
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("approvals")] IReadOnlyList<EvalCaseApproval> Approvals,
    [property: JsonPropertyName("recordings")] IReadOnlyList<EvalCaseRecording> Recordings,
    [property: JsonPropertyName("expected")] EvalCaseExpected Expected);

public sealed record EvalCaseApproval(
    [property: JsonPropertyName("decision")] string Decision,
    [property: JsonPropertyName("approver")] string? Approver,
    [property: JsonPropertyName("rationale")] string? Rationale);

public sealed record EvalCaseRecording(
    [property: JsonPropertyName("call")] string Call,
    [property: JsonPropertyName("purpose")] string Purpose,
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("response")] string Response);

public sealed record EvalCaseExpected(
    [property: JsonPropertyName("outcome")] string? Outcome,
    [property: JsonPropertyName("plan")] IReadOnlyDictionary<string, string> Plan,
    [property: JsonPropertyName("decisions")] IReadOnlyDictionary<string, string> Decisions,
    [property: JsonPropertyName("steps")] IReadOnlyDictionary<string, string> Steps);
