using Agents.Core.Replay;
using Agents.Edge.Auth;
using Microsoft.AspNetCore.Http;

namespace Agents.Edge;

/// <summary>
/// Replay, its diff and evaluation-case export: handlers shared by both hosts. Each acts for the caller the edge gate
/// authenticated (401 without one); a session of another org is refused with 403.
/// </summary>
public static class ReplayApi
{
    public const string ReplayRoute = "sessions/{sessionId}/replay";
    public const string DiffRoute = "sessions/{sessionId}/replay/diff";
    public const string EvalCaseRoute = "sessions/{sessionId}/eval-case";

    const int MaxBodyBytes = 16 * 1024;

    /// <summary>Starts a replay of a recorded session: 202 with the replay's session id and where to read its diff.</summary>
    public static async Task<IResult> StartAsync(HttpRequest request, ReplayService replays, string sessionId)
    {
        if (EdgeAuth.CallerOf(request.HttpContext) is not { } caller)
        {
            return EdgeAuth.NotAuthenticated();
        }

        ReplayBody? body = null;
        if (request.ContentLength is not 0)
        {
            (body, IResult? error) = await JsonBody.ReadAsync<ReplayBody>(request, MaxBodyBytes).ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }
        }

        var result = await replays.StartAsync(sessionId, body, caller, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return EdgeResults.From(result, started => EdgeResults.Json(started, StatusCodes.Status202Accepted, started.Links.Session));
    }

    public static async Task<IResult> DiffAsync(HttpRequest request, ReplayService replays, string sessionId) =>
        EdgeAuth.CallerOf(request.HttpContext) is not { } caller
            ? EdgeAuth.NotAuthenticated()
            : EdgeResults.From(await replays.DiffAsync(sessionId, caller, request.HttpContext.RequestAborted).ConfigureAwait(false), diff => EdgeResults.Json(diff));

    public static async Task<IResult> EvalCaseAsync(HttpRequest request, ReplayService replays, string sessionId) =>
        EdgeAuth.CallerOf(request.HttpContext) is not { } caller
            ? EdgeAuth.NotAuthenticated()
            : EdgeResults.From(await replays.EvalCaseAsync(sessionId, caller, request.HttpContext.RequestAborted).ConfigureAwait(false), evalCase => EdgeResults.Json(evalCase));
}
