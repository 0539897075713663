using System.Security.Claims;
using Agents.Core.Sessions;
using Agents.Edge.RateLimits;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

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
        if (!EdgeRoutes.RequiresToken(context.Request.Path))
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

/// <summary>Which routes need a bearer token, the same in both hosts: the API under <c>/api</c>, but for two.</summary>
public static class EdgeRoutes
{
    const string ApiPrefix = "/api";

    /// <summary>Liveness, and Slack's webhook (authenticated by Slack's signature and the sealed action token instead).</summary>
    static readonly string[] Public = [$"{ApiPrefix}/{AgentApi.HealthRoute}", $"{ApiPrefix}/{SlackEndpoints.InteractionsRoute}"];

    /// <summary>
    /// True for the API's routes (and unknown paths under it, so probing learns nothing); false for health, Slack's
    /// webhook and what is not the API (the dev issuer's keys, the Slack simulator).
    /// </summary>
    public static bool RequiresToken(PathString path)
    {
        if (!path.StartsWithSegments(ApiPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string value = (path.Value ?? string.Empty).TrimEnd('/');
        return !Public.Any(p => string.Equals(value, p, StringComparison.OrdinalIgnoreCase));
    }
}

public static class EdgeGateMiddleware
{
    /// <summary>The portable host's gate: every request passes <see cref="EdgeGate"/> before routing reaches a handler.</summary>
    public static IApplicationBuilder UseEdgeGate(this IApplicationBuilder app)
    {
        EdgeGate gate = app.ApplicationServices.GetRequiredService<EdgeGate>();
        return app.Use(async (context, next) =>
        {
            if (await gate.AdmitAsync(context).ConfigureAwait(false) is { } refusal)
            {
                await refusal.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
    }
}
