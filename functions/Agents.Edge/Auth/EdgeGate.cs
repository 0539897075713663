using System.Security.Claims;
using Agents.Core.Sessions;
using Agents.Edge.RateLimits;
using Microsoft.AspNetCore.Http;

namespace Agents.Edge.Auth;

/// <summary>
/// What every API request passes before its handler, in either host: the bearer token (401), then the caller's rate
/// limits (429). The portable host runs it as ASP.NET middleware, the Functions app as worker middleware.
/// </summary>
public sealed class EdgeGate(BearerTokenValidator tokens, EdgeRateLimiter limits)
{
    /// <summary>Null when the request may go on (the caller is then on the context); otherwise the refusal to send.</summary>
    public async ValueTask<IResult?> AdmitAsync(HttpContext context)
    {
        if (EdgeRoutes.IsPublic(context.Request.Path))
        {
            return null;
        }

        var authorization = context.Request.Headers.Authorization;
        if (authorization.Count > 1)
        {
            return EdgeAuth.Challenge(new AuthFailure("invalid_request", "Send one Authorization header."));
        }

        Authentication auth = await tokens.AuthenticateAsync(authorization.ToString(), context.RequestAborted).ConfigureAwait(false);
        if (auth.Failure is { } failure)
        {
            return EdgeAuth.Challenge(failure);
        }

        Caller caller = auth.Caller!;
        context.User = new ClaimsPrincipal(auth.Identity!);
        context.Features.Set(caller);
        return limits.TryAcquire(caller) is { } refusal ? EdgeAuth.TooManyRequests(refusal) : null;
    }
}

/// <summary>Routes reachable without a bearer token, the same in both hosts.</summary>
public static class EdgeRoutes
{
    /// <summary>Liveness, and Slack's webhook (authenticated by Slack's signature and the sealed action token instead).</summary>
    static readonly string[] Public = [$"/api/{AgentApi.HealthRoute}", $"/api/{SlackEndpoints.InteractionsRoute}"];

    public static bool IsPublic(PathString path)
    {
        string value = (path.Value ?? string.Empty).TrimEnd('/');
        return Public.Any(p => string.Equals(value, p, StringComparison.OrdinalIgnoreCase));
    }
}
