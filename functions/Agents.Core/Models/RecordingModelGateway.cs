using Agents.Core.Contracts;
using Agents.Core.Storage;

namespace Agents.Core.Models;

/// <summary>
/// Keeps every model answer the router got (each attempt, repairs included) in the session's payloads and puts the
/// reference on its <c>model.called</c> event, so a replay can serve the exact answers. The answers are private
/// working state: the events carry only the reference.
/// </summary>
public sealed class RecordingModelGateway(ModelRouter router, IPayloadStore payloads) : IModelGateway
{
    /// <summary>Content type of a recorded model answer (private: served to replays, not to API clients).</summary>
    public const string ContentType = "application/x-agent-model-response; charset=utf-8";

    public async Task<ModelResponse> CompleteAsync(ModelRequest request, CancellationToken cancellationToken = default)
    {
        ModelResponse response;
        try
        {
            response = await router.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelCallException e)
        {
            e.Events = await this.RecordAsync(request.Context.Session.SessionId, e.Events, cancellationToken).ConfigureAwait(false);
            throw;
        }

        return response with { Events = await this.RecordAsync(request.Context.Session.SessionId, response.Events, cancellationToken).ConfigureAwait(false) };
    }

    async Task<IReadOnlyList<EventDraft>> RecordAsync(string sessionId, IReadOnlyList<EventDraft> events, CancellationToken cancellationToken)
    {
        var recorded = new List<EventDraft>(events.Count);
        foreach (EventDraft e in events)
        {
            recorded.Add(e.RawResponse is null ? e : await Recorded(e).ConfigureAwait(false));
        }

        return recorded;

        async Task<EventDraft> Recorded(EventDraft e)
        {
            PayloadRef answer = await payloads.PutPrivateAsync(sessionId, System.Text.Encoding.UTF8.GetBytes(e.RawResponse!), ContentType, PayloadKinds.ModelResponse, cancellationToken).ConfigureAwait(false);
            return e with
            {
                RawResponse = null,
                Outputs = new Dictionary<string, string>(e.Outputs ?? new Dictionary<string, string>()) { ["response"] = answer.ToString() },
                Refs = [.. e.Refs ?? [], answer],
            };
        }
    }
}
