using System.Globalization;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Edge.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Agents.Edge;

/// <summary>
/// The API's HTTP handlers, once for both hosts. The portable host maps them as minimal API routes; the Functions app
/// calls them from its HTTP triggers. Each returns an <see cref="IResult"/>. Every route but health and Slack's webhook
/// acts for the <see cref="Caller"/> the edge gate authenticated; without one the handler refuses (401).
/// </summary>
public static class AgentApi
{
    /// <summary>Room for the JSON envelope around the largest accepted input.</summary>
    const int EnvelopeBytes = 16 * 1024;

    public const string SessionsRoute = "sessions";
    public const string SessionRoute = "sessions/{sessionId}";
    public const string TurnsRoute = "sessions/{sessionId}/turns";
    public const string TurnRoute = "sessions/{sessionId}/turns/{turn}";
    public const string ApprovalsRoute = "sessions/{sessionId}/turns/{turn}/approvals";
    public const string EventsRoute = "sessions/{sessionId}/events";
    public const string VerifyEventsRoute = "sessions/{sessionId}/events/verify";
    public const string PayloadRoute = "sessions/{sessionId}/payloads/{sha256}";
    public const string HealthRoute = "health";

    /// <summary>Liveness, and which durable engine serves this host.</summary>
    public static IResult Health(string backend) => EdgeResults.Json(new { status = "ok", backend });

    public static async Task<IResult> CreateSessionAsync(HttpRequest request, SessionService sessions)
    {
        if (EdgeAuth.CallerOf(request.HttpContext) is not { } caller)
        {
            return EdgeAuth.NotAuthenticated();
        }

        (CreateSessionBody? body, IResult? error) = await JsonBody.ReadAsync<CreateSessionBody>(request, EnvelopeBytes).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        ApiResult<SessionCreatedView> result = await sessions.CreateSessionAsync(body, caller, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return EdgeResults.From(result, created => EdgeResults.Json(created, StatusCodes.Status201Created, created.Links.Self));
    }

    public static async Task<IResult> SubmitTurnAsync(HttpRequest request, SessionService sessions, string sessionId)
    {
        if (EdgeAuth.CallerOf(request.HttpContext) is not { } caller)
        {
            return EdgeAuth.NotAuthenticated();
        }

        int limit = request.HttpContext.RequestServices.GetRequiredService<IOptions<AgentOptions>>().Value.MaxTurnInputBytes;
        (SubmitTurnBody? body, IResult? error) = await JsonBody.ReadAsync<SubmitTurnBody>(request, limit + EnvelopeBytes).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        string? key = request.Headers.TryGetValue("Idempotency-Key", out var values) ? values.ToString() : null;
        ApiResult<TurnAcceptedView> result = await sessions.SubmitTurnAsync(sessionId, body, key, caller, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return EdgeResults.From(result, accepted => EdgeResults.Json(accepted, StatusCodes.Status202Accepted, accepted.Links.Self));
    }

    public static async Task<IResult> GetSessionAsync(HttpRequest request, SessionService sessions, string sessionId) =>
        EdgeAuth.CallerOf(request.HttpContext) is not { } caller
            ? EdgeAuth.NotAuthenticated()
            : EdgeResults.From(await sessions.GetSessionAsync(sessionId, caller, request.HttpContext.RequestAborted).ConfigureAwait(false), view => EdgeResults.Json(view));

    public static async Task<IResult> GetTurnAsync(HttpRequest request, SessionService sessions, string sessionId, string turn)
    {
        if (EdgeAuth.CallerOf(request.HttpContext) is not { } caller)
        {
            return EdgeAuth.NotAuthenticated();
        }

        if (ParseTurn(turn) is not int n)
        {
            return BadTurn(turn);
        }

        return EdgeResults.From(await sessions.GetTurnAsync(sessionId, n, caller, request.HttpContext.RequestAborted).ConfigureAwait(false), view => EdgeResults.Json(view));
    }

    /// <summary>Needs the approver role (<c>Auth:ApproverRole</c>) besides the session's org.</summary>
    public static async Task<IResult> SubmitApprovalAsync(HttpRequest request, SessionService sessions, string sessionId, string turn)
    {
        if (EdgeAuth.CallerOf(request.HttpContext) is not { } caller)
        {
            return EdgeAuth.NotAuthenticated();
        }

        if (EdgeAuth.RequireApprover(request.HttpContext, caller) is { } forbidden)
        {
            return forbidden;
        }

        if (ParseTurn(turn) is not int n)
        {
            return BadTurn(turn);
        }

        (ApprovalBody? body, IResult? error) = await JsonBody.ReadAsync<ApprovalBody>(request, EnvelopeBytes).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        ApiResult<ApprovalAcceptedView> result = await sessions.SubmitApprovalAsync(sessionId, n, body, "api", caller, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return EdgeResults.From(result, accepted => EdgeResults.Json(accepted, StatusCodes.Status202Accepted, accepted.Links.Self));
    }

    /// <summary>The session's event log as JSON lines (<c>application/x-ndjson</c>).</summary>
    public static async Task<IResult> GetEventsAsync(HttpRequest request, SessionService sessions, string sessionId)
    {
        if (EdgeAuth.CallerOf(request.HttpContext) is not { } caller)
        {
            return EdgeAuth.NotAuthenticated();
        }

        ApiResult<IReadOnlyList<AgentEvent>> result = await sessions.GetEventsAsync(sessionId, caller, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return EdgeResults.From(result, events =>
        {
            return new RedactedResults.Lines(events.Select(e => JsonSerializer.Serialize(e, JsonDefaults.Web)), "application/x-ndjson; charset=utf-8");
        });
    }

    /// <summary>200 with the verification report, valid or not: a broken chain is a finding, not a failed request.</summary>
    public static async Task<IResult> VerifyEventsAsync(HttpRequest request, SessionService sessions, string sessionId) =>
        EdgeAuth.CallerOf(request.HttpContext) is not { } caller
            ? EdgeAuth.NotAuthenticated()
            : EdgeResults.From(await sessions.VerifyEventsAsync(sessionId, caller, request.HttpContext.RequestAborted).ConfigureAwait(false), report => EdgeResults.Json(report));

    public static async Task<IResult> GetPayloadAsync(HttpRequest request, SessionService sessions, string sessionId, string sha256)
    {
        if (EdgeAuth.CallerOf(request.HttpContext) is not { } caller)
        {
            return EdgeAuth.NotAuthenticated();
        }

        ApiResult<Payload> result = await sessions.GetPayloadAsync(sessionId, sha256, caller, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return EdgeResults.From(result, payload => new RedactedResults.Payload(payload.Content, payload.ContentType));
    }

    static int? ParseTurn(string turn) =>
        int.TryParse(turn, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 ? n : null;

    static IResult BadTurn(string turn) =>
        EdgeResults.Problem(StatusCodes.Status400BadRequest, "The turn number is invalid", $"'{turn}' is not a turn number; turns are numbered 1, 2, 3...",
            new Dictionary<string, string[]> { ["turn"] = ["a positive integer"] });
}
