using System.Text.Json.Nodes;
using System.Web;
using Agents.Core.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.Slack;

/// <summary>What to answer Slack now, and what to do after answering (Slack wants an answer within 3 seconds).</summary>
public sealed record SlackInteractionResult(int Status, string? Body, string? Error, Func<CancellationToken, Task>? FollowUp = null);

/// <summary>
/// Handles Slack's interaction callbacks: verifies the request's signature and age, opens the platform-signed action
/// token (so a click can only ever decide the turn, session, org, request and step it was issued for), and raises the
/// durable approval decision before answering. Only the Slack users listed in <c>Slack:Approvers</c> can decide: seeing
/// the channel is not the approver role. Revise opens a modal for the rationale; its submission raises the revise.
/// Duplicate or late clicks, and anyone else's, change nothing and are answered with a clear message.
/// </summary>
public sealed partial class SlackInteractions(SessionService sessions, SlackApi slack, IOptions<SlackOptions> options, TimeProvider clock, ILogger<SlackInteractions> logger)
{
    public const string ReviseCallback = "agent_revise";

    public async Task<SlackInteractionResult> HandleAsync(string body, string? timestamp, string? signature, CancellationToken cancellationToken)
    {
        SlackOptions settings = options.Value;
        if (!settings.IsConfigured)
        {
            return new SlackInteractionResult(404, null, "Slack is not configured on this host (Slack:SigningSecret and Slack:BotToken).");
        }

        if (SlackSignature.Verify(settings.SigningSecret!, timestamp, signature, body, clock.GetUtcNow(), TimeSpan.FromSeconds(settings.MaxAgeSeconds)) is { } refused)
        {
            this.LogRefused(refused);
            return new SlackInteractionResult(401, null, refused);
        }

        string? json = HttpUtility.ParseQueryString(body)["payload"];
        if (json is null || JsonNode.Parse(json) is not JsonObject payload)
        {
            return new SlackInteractionResult(400, null, "the body has no 'payload' form field with a JSON object");
        }

        string? userId = (string?)payload["user"]?["id"];
        string approver = $"slack:{userId ?? "unknown"}:{(string?)payload["user"]?["username"] ?? (string?)payload["user"]?["name"] ?? "unknown"}";
        string? notApprover = settings.IsApprover(userId) ? null : $"<@{userId}> is not an approver (Slack:Approvers); nothing changed.";
        byte[] key = ActionToken.KeyFrom(settings.SigningSecret!);
        return (string?)payload["type"] switch
        {
            "block_actions" => await this.ClickAsync(payload, approver, notApprover, key, cancellationToken).ConfigureAwait(false),
            "view_submission" when (string?)payload["view"]?["callback_id"] == ReviseCallback => notApprover is not null
                ? Errors(notApprover)
                : await this.SubmitReviseAsync(payload, approver, key, cancellationToken).ConfigureAwait(false),
            _ => new SlackInteractionResult(200, null, null),
        };
    }

    async Task<SlackInteractionResult> ClickAsync(JsonObject payload, string approver, string? notApprover, byte[] key, CancellationToken cancellationToken)
    {
        JsonNode? action = payload["actions"]?.AsArray().FirstOrDefault();
        if ((string?)action?["action_id"] == SlackApprovalNotifier.ViewSessionAction)
        {
            return new SlackInteractionResult(200, null, null); // a link: Slack opened it, there is nothing to decide
        }

        Uri? responseUrl = Uri.TryCreate((string?)payload["response_url"], UriKind.Absolute, out Uri? url) ? url : null;
        (ActionToken? token, string? invalid) = ActionToken.Open((string?)action?["value"], key, clock.GetUtcNow());
        string? actionId = (string?)action?["action_id"];
        if (token is null || token.Decision != actionId)
        {
            return this.Answer(responseUrl, $"This button cannot be used: {invalid ?? "it does not match its action"}.");
        }

        if (notApprover is not null)
        {
            this.LogNotApprover(approver, token.SessionId, token.Turn);
            return this.Answer(responseUrl, notApprover);
        }

        if (token.Decision == "revise")
        {
            string? trigger = (string?)payload["trigger_id"];
            var modal = ReviseModal(token with { Decision = "revise" }, key);
            return new SlackInteractionResult(200, null, null, async ct =>
            {
                if (trigger is not null)
                {
                    await slack.OpenViewAsync(trigger, modal, ct).ConfigureAwait(false);
                }
            });
        }

        string? error = await this.DecideAsync(token, "approve", approver, null, cancellationToken).ConfigureAwait(false);
        return this.Answer(responseUrl, error ?? $"Approved {token.Step ?? "the request"} ({token.ApprovalId}); the turn continues.");
    }

    async Task<SlackInteractionResult> SubmitReviseAsync(JsonObject payload, string approver, byte[] key, CancellationToken cancellationToken)
    {
        (ActionToken? token, string? invalid) = ActionToken.Open((string?)payload["view"]?["private_metadata"], key, clock.GetUtcNow());
        string? rationale = (string?)payload["view"]?["state"]?["values"]?["rationale"]?["value"]?["value"];
        if (token is null)
        {
            return Errors($"This form cannot be used: {invalid}.");
        }

        if (string.IsNullOrWhiteSpace(rationale))
        {
            return Errors("Say what should change: the agent re-plans with it.");
        }

        string? error = await this.DecideAsync(token, "revise", approver, rationale, cancellationToken).ConfigureAwait(false);
        return error is null ? new SlackInteractionResult(200, """{"response_action":"clear"}""", null) : Errors(error);
    }

    /// <summary>Raises the decision through the same path as the API; null when it was taken, otherwise what to tell the user.</summary>
    async Task<string?> DecideAsync(ActionToken token, string decision, string approver, string? rationale, CancellationToken cancellationToken)
    {
        // The signed click and the sealed button are the authority here (not a bearer token): act within the button's org.
        var caller = new Caller(approver, token.Org, []);
        ApiResult<SessionView> session = await sessions.GetSessionAsync(token.SessionId, caller, cancellationToken).ConfigureAwait(false);
        if (session.Value is null || session.Value.Metadata.Org != token.Org)
        {
            return "This approval belongs to a session that no longer exists.";
        }

        ApiResult<ApprovalAcceptedView> result = await sessions.SubmitApprovalAsync(
            token.SessionId,
            token.Turn,
            new ApprovalBody(decision, approver, rationale, token.ApprovalId) { Steps = token.Step is null ? null : [token.Step] },
            "slack",
            caller,
            cancellationToken).ConfigureAwait(false);
        return result.Error is null ? null
            : $"Nothing changed: {result.Error.Detail}{string.Concat((result.Error.Errors ?? new Dictionary<string, string[]>()).Select(e => $" {e.Key}: {string.Join("; ", e.Value)}."))}";
    }

    SlackInteractionResult Answer(Uri? responseUrl, string text) =>
        new(200, null, null, responseUrl is null ? null : ct => slack.RespondAsync(responseUrl, text, ct));

    static SlackInteractionResult Errors(string message) =>
        new(200, new JsonObject { ["response_action"] = "errors", ["errors"] = new JsonObject { ["rationale"] = message } }.ToJsonString(), null);

    static JsonObject ReviseModal(ActionToken token, byte[] key) => new()
    {
        ["type"] = "modal",
        ["callback_id"] = ReviseCallback,
        ["private_metadata"] = token.Seal(key),
        ["title"] = new JsonObject { ["type"] = "plain_text", ["text"] = "Revise the plan" },
        ["submit"] = new JsonObject { ["type"] = "plain_text", ["text"] = "Send back" },
        ["close"] = new JsonObject { ["type"] = "plain_text", ["text"] = "Cancel" },
        ["blocks"] = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "input",
                ["block_id"] = "rationale",
                ["label"] = new JsonObject { ["type"] = "plain_text", ["text"] = $"What should change (turn {token.Turn}, step {token.Step ?? "all"})?" },
                ["element"] = new JsonObject { ["type"] = "plain_text_input", ["action_id"] = "value", ["multiline"] = true },
            },
        },
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack request refused: {Reason}")]
    partial void LogRefused(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack click by {Approver}, who is not in Slack:Approvers, refused for {Session} turn {Turn}")]
    partial void LogNotApprover(string approver, string session, int turn);
}
