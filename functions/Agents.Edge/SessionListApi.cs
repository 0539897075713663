using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Edge.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Edge;

/// <summary>
/// <c>GET /api/sessions?limit=&amp;before=</c>: the sessions, newest first, a page at a time; the answer's <c>next</c>
/// links to the next page; only the caller's org's sessions. Mapped by both hosts, like <see cref="AgentApi"/>'s handlers.
/// </summary>
public static class SessionListApi
{
    /// <summary>The same path as <see cref="AgentApi.SessionsRoute"/> (which is POST), with GET.</summary>
    public const string ListRoute = AgentApi.SessionsRoute;

    public static async Task<IResult> ListSessionsAsync(HttpRequest request, SessionService sessions)
    {
        if (EdgeAuth.CallerOf(request.HttpContext) is not { } caller)
        {
            return EdgeAuth.NotAuthenticated();
        }

        BlobContainers containers = request.HttpContext.RequestServices.GetRequiredService<BlobContainers>();
        ApiResult<SessionListView> result = await sessions.ListSessionsAsync(
            containers, request.Query["limit"], request.Query["before"], caller, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return EdgeResults.From(result, view => EdgeResults.Json(view));
    }
}
