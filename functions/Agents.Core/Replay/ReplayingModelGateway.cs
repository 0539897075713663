using Agents.Core.Contracts;
using Agents.Core.Models;
using Agents.Core.Storage;
using Microsoft.Extensions.AI;

namespace Agents.Core.Replay;

/// <summary>
/// The model gateway of every session. For a replay it serves the original's recorded answers (zero tokens, no
/// provider called), checked against the same output contracts as live answers; from a fork point on it calls the
/// router live, with the fork's tier and added instruction. Other sessions pass straight through.
/// </summary>
public sealed class ReplayingModelGateway(RecordingModelGateway live, ReplaySource source, IPayloadStore payloads, TimeProvider clock) : IModelGateway
{
    public Task<ModelResponse> CompleteAsync(ModelRequest request, CancellationToken cancellationToken = default)
    {
        ModelCallContext context = request.Context;
        if (context.Session.Replay is not { } replay)
        {
            return live.CompleteAsync(request, cancellationToken);
        }

        bool liveCall = context.ReplayLive || replay.IsLiveTurn(context.Turn)
            || (replay.Fork is { Step: not null } fork && fork.Turn == context.Turn && context.Step is null && context.Scope.EndsWith("/summary", StringComparison.Ordinal));
        return liveCall ? live.CompleteAsync(Forked(request, replay.Fork!), cancellationToken) : this.ServeAsync(request, replay, cancellationToken);
    }

    static ModelRequest Forked(ModelRequest request, ReplayFork fork) => request with
    {
        Tier = fork.Tier ?? request.Tier,
        Messages = fork.Prompt is { Length: > 0 } extra
            ? [.. request.Messages, new ChatMessage(ChatRole.User, $"Additional instruction: {extra}")]
            : request.Messages,
    };

    async Task<ModelResponse> ServeAsync(ModelRequest request, ReplayInfo replay, CancellationToken cancellationToken)
    {
        ModelCallContext context = request.Context;
        string sessionId = context.Session.SessionId;
        string original = replay.OriginalSession;
        string localScope = ReplaySource.Local(context.Scope, sessionId)
            ?? throw new InvalidOperationException($"call scope '{context.Scope}' is not under session {sessionId}");
        IReadOnlyList<AgentEvent> recorded = await source.ModelEventsAsync(original, localScope, request.Purpose, cancellationToken).ConfigureAwait(false);
        AgentEvent? answered = recorded.LastOrDefault(e => e.Type == EventTypes.ModelCalled && e.Refs is { Count: > 0 });
        if (answered is null)
        {
            throw Unanswered(request, replay, localScope, recorded);
        }

        PayloadRef reference = answered.Refs!.Last(r => r.ContentType == RecordingModelGateway.ContentType);
        string text = await source.TextAsync(original, reference.Sha256, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelUnavailableException($"replay: the recorded {request.Purpose} answer {reference} of {original} is missing from storage", null);
        PayloadRef copied = await payloads.PutPrivateAsync(sessionId, System.Text.Encoding.UTF8.GetBytes(text), RecordingModelGateway.ContentType, PayloadKinds.ModelResponse, cancellationToken).ConfigureAwait(false);
        string localId = ReplaySource.Local(answered.Id, original)!;
        var served = new EventDraft($"{Ids.SessionInstanceId(sessionId)}{localId}", EventTypes.ModelCalled, sessionId,
            $"{request.Purpose} answer served from the recording of {original} (no model called)")
        {
            Turn = context.Turn,
            Revision = context.Revision,
            Step = context.Step,
            Time = clock.GetUtcNow().UtcDateTime,
            Model = answered.Model,
            Tokens = TokenUsage.Zero,
            CostUsd = 0m,
            LatencyMs = 0,
            Decision = "replayed",
            Inputs = new Dictionary<string, string>
            {
                ["purpose"] = request.Purpose,
                ["provider"] = "replay",
                ["originalEvent"] = answered.Id,
            },
            Outputs = new Dictionary<string, string> { ["response"] = copied.ToString() },
            Refs = [copied],
        };
        var info = new ModelCallInfo("replay", answered.Model ?? "recorded", TokenUsage.Zero, 0, 0m) { Tier = request.Tier.Snake() };
        if (request.Output is null)
        {
            return new ModelResponse(text, info) { Events = [served] };
        }

        string? invalid = request.Output.Validate(text, out System.Text.Json.JsonElement json);
        if (invalid is not null)
        {
            throw new ModelOutputInvalidException($"replay: the recorded {request.Output.Name} does not satisfy today's contract: {invalid}") { Events = [served] };
        }

        return new ModelResponse(text, info) { Json = json, Events = [served] };
    }

    /// <summary>The original got no answer here: fail the same way it did, or say the replay went where the original did not.</summary>
    static ModelCallException Unanswered(ModelRequest request, ReplayInfo replay, string localScope, IReadOnlyList<AgentEvent> recorded)
    {
        AgentEvent? last = recorded.LastOrDefault();
        if (last is null)
        {
            return new ModelUnavailableException(
                $"replay: {replay.OriginalSession} has no recorded {request.Purpose} answer at {localScope}; the replay diverged from the original here " +
                "(fork from this point to run it live)", null);
        }

        string why = $"replay: the original's {request.Purpose} call failed here too: {last.Summary}";
        return last.Type switch
        {
            "budget.refused" => new ModelCallRefusedException(RefusalKind.BudgetExceeded, why),
            "model.refused" => new ModelCallRefusedException(RefusalKind.NoEligibleProvider, why),
            "model.output_rejected" => new ModelOutputInvalidException(why),
            _ => new ModelUnavailableException(why, null),
        };
    }
}
