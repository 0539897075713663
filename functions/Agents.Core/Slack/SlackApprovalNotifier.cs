using System.Globalization;
using System.Text.Json.Nodes;
using Agents.Core.Activities;
using Agents.Core.Contracts;
using Agents.Core.Redaction;
using Agents.Core.Storage;
using Agents.Core.Tools;
using Microsoft.Extensions.Options;

namespace Agents.Core.Slack;

/// <summary>
/// Posts an approval request as one Block Kit message for the whole request: per step its arguments (redacted), the
/// policy's reason, the diff and test summary where there is one, and its own Approve and Revise buttons; then cost
/// and latency so far. When the request is decided the message is updated with who decided what.
/// </summary>
public sealed class SlackApprovalNotifier(SlackApi slack, IPayloadStore payloads, IOptions<SlackOptions> options, TimeProvider clock) : IApprovalNotifier
{
    public async Task<ApprovalNotice?> NotifyAsync(RequestApprovalRequest request, CancellationToken cancellationToken)
    {
        SessionMetadata session = request.Session;
        byte[] key = ActionToken.KeyFrom(options.Value.SigningSecret!);
        long expires = new DateTimeOffset(DateTime.SpecifyKind(request.Approval.ExpiresAt, DateTimeKind.Utc)).ToUnixTimeSeconds();
        string evidence = await this.EvidenceAsync(session.SessionId, request.Evidence, cancellationToken).ConfigureAwait(false);
        var blocks = new JsonArray
        {
            Header($"Approval needed · turn {request.Turn}"),
            Section($"*{Escape(session.User)}@{Escape(session.Org)}* · session `{session.SessionId}` · repository `{Escape(session.Repository)}` · risk {session.RiskTier.Snake()}"),
        };
        foreach (PlanStep step in request.Steps)
        {
            string args = Redactor.Default.Redact(step.Arguments);
            blocks.Add(Section($"*{Escape(step.Id)}* · `{step.Tool}`\n```{Truncate(args, 600)}```\n_Why approval:_ {Escape(Redactor.Default.Redact(request.Reasons.GetValueOrDefault(step.Id) ?? "policy"))}"));
            if (evidence.Length > 0)
            {
                blocks.Add(Context(evidence));
            }

            string binding = request.Approval.Bindings.GetValueOrDefault(step.Id) ?? string.Empty;
            ActionToken Token(string decision) => new(session.SessionId, request.Turn, request.Approval.ApprovalId, session.Org, step.Id, decision, binding, expires);
            blocks.Add(new JsonObject
            {
                ["type"] = "actions",
                ["block_id"] = $"step:{step.Id}",
                ["elements"] = new JsonArray
                {
                    Button("approve", "Approve", Token("approve").Seal(key), "primary"),
                    Button("revise", "Revise", Token("revise").Seal(key), null),
                },
            });
        }

        blocks.Add(new JsonObject
        {
            ["type"] = "actions",
            ["block_id"] = "session",
            ["elements"] = new JsonArray { LinkButton(ViewSessionAction, "View session", SessionPageUrl(options.Value.PublicBaseUrl, session.SessionId)) },
        });

        double seconds = (clock.GetUtcNow().UtcDateTime - request.TurnStartedAt).TotalSeconds;
        blocks.Add(Context(
            $"So far: {request.TokensSoFar.Total:N0} tokens · ${request.CostSoFar.ToString("0.0000", CultureInfo.InvariantCulture)} · {Math.Max(0, seconds):0.0} s · " +
            $"expires <!date^{expires}^{{date_short_pretty}} {{time}}|{request.Approval.ExpiresAt:u}> · `{request.Approval.ApprovalId}`"));

        (string channel, string ts) = await slack.PostMessageAsync(
            options.Value.Channel,
            $"Approval needed for {string.Join(", ", request.Steps.Select(s => s.Id))} (session {session.SessionId}, turn {request.Turn})",
            blocks,
            cancellationToken).ConfigureAwait(false);
        return new ApprovalNotice(channel, ts);
    }

    public Task CloseAsync(CloseApproval close, CancellationToken cancellationToken)
    {
        var lines = close.Outcome.Select(o => $"{Icon(o.Resolution)} *{string.Join(", ", o.Steps)}*: {o.Resolution.Snake()}" +
            $"{(o.Approver is null ? string.Empty : $" by {Mention(o.Approver)}")} at {o.ResolvedAt:HH:mm} UTC" +
            $"{(string.IsNullOrWhiteSpace(o.Rationale) ? string.Empty : $" — {Escape(Redactor.Default.Redact(o.Rationale))}")}");
        string text = string.Join("\n", lines);
        var blocks = new JsonArray
        {
            Header($"Approval decided · turn {close.Turn}"),
            Section($"session `{close.Session.SessionId}` · {Escape(close.Session.User)}@{Escape(close.Session.Org)}"),
            Section(text.Length == 0 ? "closed" : text),
        };
        return slack.UpdateMessageAsync(close.Notice.Channel, close.Notice.MessageId, text, blocks, cancellationToken);
    }

    async Task<string> EvidenceAsync(string sessionId, IReadOnlyList<StepInput> inputs, CancellationToken cancellationToken)
    {
        var parts = new List<string>();
        if (inputs.LastOrDefault(i => i.Tool == DraftPatchTool.Name) is { } draft)
        {
            string diff = await payloads.GetTextAsync(sessionId, draft.Output, cancellationToken).ConfigureAwait(false);
            var files = UnifiedDiff.Validate(diff).Files;
            int added = diff.Split('\n').Count(l => l.StartsWith('+') && !l.StartsWith("+++", StringComparison.Ordinal));
            int removed = diff.Split('\n').Count(l => l.StartsWith('-') && !l.StartsWith("---", StringComparison.Ordinal));
            parts.Add($"Patch: {string.Join(", ", files.Select(f => $"`{Escape(f)}`"))} (+{added} −{removed})");
        }

        if (inputs.LastOrDefault(i => i.Tool == "run_tests") is { } tests)
        {
            string output = await payloads.GetTextAsync(sessionId, tests.Output, cancellationToken).ConfigureAwait(false);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => !l.StartsWith("exit code", StringComparison.Ordinal)).ToList();
            var verdict = lines.Where(l => l.StartsWith("Ran ", StringComparison.Ordinal) || l is "OK" || l.StartsWith("OK (", StringComparison.Ordinal)
                || l.StartsWith("FAILED", StringComparison.Ordinal) || (l.StartsWith('=') && (l.Contains("passed") || l.Contains("failed")))).ToList();
            string summary = verdict.Count > 0 ? string.Join(" · ", verdict) : lines.LastOrDefault() ?? "no output";
            parts.Add($"Tests: {Escape(Redactor.Default.Redact(summary))}");
        }

        return string.Join(" · ", parts);
    }

    static string Icon(ApprovalResolution resolution) => resolution switch
    {
        ApprovalResolution.Approved => ":white_check_mark:",
        ApprovalResolution.Revised => ":pencil2:",
        ApprovalResolution.TimedOut => ":hourglass:",
        _ => ":no_entry:",
    };

    /// <summary>Slack approvers are recorded as <c>slack:{user id}:{name}</c>; others by name.</summary>
    static string Mention(string approver) =>
        approver.StartsWith("slack:", StringComparison.Ordinal) && approver.Split(':') is [_, var id, ..] ? $"<@{id}>" : Escape(approver);

    static JsonObject Header(string text) => new() { ["type"] = "header", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Truncate(text, 150) } };

    static JsonObject Section(string markdown) => new() { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Truncate(markdown, 3000) } };

    static JsonObject Context(string markdown) => new()
    {
        ["type"] = "context",
        ["elements"] = new JsonArray { new JsonObject { ["type"] = "mrkdwn", ["text"] = Truncate(markdown, 3000) } },
    };

    /// <summary>The action id of the "View session" link button; Slack still reports its clicks, which change nothing.</summary>
    public const string ViewSessionAction = "view_session";

    /// <summary>The replay UI's page for a session (<c>/ui/session.html?id=</c>), the same link the PR body carries.</summary>
    public static Uri SessionPageUrl(Uri publicBaseUrl, string sessionId) =>
        new($"{publicBaseUrl.ToString().TrimEnd('/')}/ui/session.html?id={Uri.EscapeDataString(sessionId)}");

    static JsonObject LinkButton(string actionId, string text, Uri url) => new()
    {
        ["type"] = "button",
        ["action_id"] = actionId,
        ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = text },
        ["url"] = url.ToString(),
    };

    static JsonObject Button(string actionId, string text, string value, string? style)
    {
        var button = new JsonObject
        {
            ["type"] = "button",
            ["action_id"] = actionId,
            ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = text },
            ["value"] = value,
        };
        if (style is not null)
        {
            button["style"] = style;
        }

        return button;
    }

    static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
