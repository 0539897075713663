using System.Globalization;
using Agents.Core.Sessions;
using Agents.Edge.RateLimits;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Agents.Edge.Auth;

/// <summary>The authenticated caller on a request, and the edge's refusals as problem+json.</summary>
public static class EdgeAuth
{
    public const string Realm = "agentfunctions";

    /// <summary>The caller the <see cref="EdgeGate"/> admitted; null when no gate ran (a host that forgot it: handlers then refuse).</summary>
    public static Caller? CallerOf(HttpContext context) => context.Features.Get<Caller>();

    public static IResult NotAuthenticated() =>
        Challenge(new AuthFailure(null, "This request did not pass the edge's authentication; send 'Authorization: Bearer <access token>'."));

    /// <summary>401 with a WWW-Authenticate header saying what is wrong (RFC 6750), or 503 when the issuer's keys are out of reach.</summary>
    public static IResult Challenge(AuthFailure failure)
    {
        if (failure.Unavailable)
        {
            return EdgeResults.Problem(StatusCodes.Status503ServiceUnavailable, "The token issuer cannot be reached", failure.Description)
                .WithHeader("Retry-After", "5");
        }

        string challenge = failure.Error is null
            ? $"Bearer realm=\"{Realm}\""
            : $"Bearer realm=\"{Realm}\", error=\"{failure.Error}\", error_description=\"{failure.Description.Replace("\"", "'", StringComparison.Ordinal)}\"";
        string title = failure.Error is null ? "A bearer token is required" : "The bearer token is not accepted";
        return EdgeResults.Problem(StatusCodes.Status401Unauthorized, title, failure.Description).WithHeader("WWW-Authenticate", challenge);
    }

    public static IResult TooManyRequests(RateLimitRefusal refusal) =>
        EdgeResults.Problem(
            StatusCodes.Status429TooManyRequests,
            refusal.Scope == "org" ? "The org is over its request rate" : "You are over your request rate",
            $"{(refusal.Scope == "org" ? "Org" : "User")} '{refusal.Name}' may send {refusal.Rule.PermitLimit} requests per {refusal.Rule.WindowSeconds.ToString(CultureInfo.InvariantCulture)} s " +
            $"(RateLimits:{(refusal.Scope == "org" ? "Org" : "User")}); try again after {refusal.RetryAfterSeconds} s.")
            .WithHeader("Retry-After", refusal.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture));

    /// <summary>403 unless the caller holds the approver role (Auth:ApproverRole); null when they do.</summary>
    public static IResult? RequireApprover(HttpContext context, Caller caller)
    {
        string needed = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.ApproverRole;
        return caller.HasRole(needed)
            ? null
            : EdgeResults.Problem(StatusCodes.Status403Forbidden, $"This needs the '{needed}' role",
                $"The token of '{caller.User}' carries {(caller.Roles.Count == 0 ? "no roles" : "roles " + string.Join(", ", caller.Roles))}; ask for the '{needed}' role.");
    }
}
