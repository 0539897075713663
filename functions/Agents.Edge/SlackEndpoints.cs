using System.Text;
using Agents.Core.Slack;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Agents.Edge;

/// <summary>
/// <c>POST /api/slack/interactions</c>: authenticated by Slack's request signature (not by a bearer token). The
/// decision is raised before the answer; Slack UI work (modals, replies) runs after the answer so Slack gets it within
/// its 3 seconds.
/// </summary>
public static class SlackEndpoints
{
    public const string InteractionsRoute = "slack/interactions";
    const int MaxBodyBytes = 64 * 1024;

    public static async Task<IResult> InteractionsAsync(HttpRequest request, SlackInteractions interactions)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return EdgeResults.Problem(StatusCodes.Status413PayloadTooLarge, "The request is too large", $"Slack interaction payloads are at most {MaxBodyBytes} bytes.");
        }

        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        }

        SlackInteractionResult result = await interactions.HandleAsync(
            body,
            request.Headers["X-Slack-Request-Timestamp"].ToString(),
            request.Headers["X-Slack-Signature"].ToString(),
            request.HttpContext.RequestAborted).ConfigureAwait(false);

        if (result.FollowUp is { } followUp)
        {
            ILogger logger = request.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SlackEndpoints));
            _ = Task.Run(async () =>
            {
                try
                {
                    await followUp(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    logger.LogWarning(e, "Slack follow-up failed");
                }
            });
        }

        return result.Status switch
        {
            StatusCodes.Status200OK when result.Body is not null => Results.Text(result.Body, "application/json"),
            StatusCodes.Status200OK => Results.Ok(),
            StatusCodes.Status401Unauthorized => EdgeResults.Problem(401, "The Slack request is not authentic", result.Error!),
            StatusCodes.Status404NotFound => EdgeResults.Problem(404, "Slack is not configured", result.Error!),
            _ => EdgeResults.Problem(result.Status, "The Slack request is invalid", result.Error ?? "unreadable"),
        };
    }
}
