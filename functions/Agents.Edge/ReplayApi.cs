using Agents.Core.Replay;
using Microsoft.AspNetCore.Http;

namespace Agents.Edge;

/// <summary>Replay, its diff and evaluation-case export: handlers shared by both hosts.</summary>
public static class ReplayApi
{
    public const string ReplayRoute = "sessions/{sessionId}/replay";
    public const string DiffRoute = "sessions/{sessionId}/replay/diff";
    public const string EvalCaseRoute = "sessions/{sessionId}/eval-case";

    const int MaxBodyBytes = 16 * 1024;

    /// <summary>Starts a replay of a recorded session: 202 with the replay's session id and where to read its diff.</summary>
    public static async Task<IResult> StartAsync(HttpRequest request, ReplayService replays, string sessionId)
    {
        ReplayBody? body = null;
        if (request.ContentLength is not 0)
        {
            (body, IResult? error) = await JsonBody.ReadAsync<ReplayBody>(request, MaxBodyBytes).ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }
        }

        var result = await replays.StartAsync(sessionId, body, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return EdgeResults.From(result, started => EdgeResults.Json(started, StatusCodes.Status202Accepted, started.Links.Session));
    }

    public static async Task<IResult> DiffAsync(HttpRequest request, ReplayService replays, string sessionId) =>
        EdgeResults.From(await replays.DiffAsync(sessionId, request.HttpContext.RequestAborted).ConfigureAwait(false), diff => EdgeResults.Json(diff));

    public static async Task<IResult> EvalCaseAsync(HttpRequest request, ReplayService replays, string sessionId) =>
        EdgeResults.From(await replays.EvalCaseAsync(sessionId, request.HttpContext.RequestAborted).ConfigureAwait(false), evalCase => EdgeResults.Json(evalCase));
}
