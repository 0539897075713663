using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Agents.Core.Slack;

namespace AgentCli;

/// <summary>
/// Clicks the buttons of the approval message in the host's Slack simulator and posts them to the real webhook,
/// form-encoded and signed exactly as Slack does; a revise fills in the modal the webhook opened.
/// </summary>
public sealed class SlackClicker(HttpClient http, string signingSecret)
{
    public static string? SigningSecret => Environment.GetEnvironmentVariable("Slack__SigningSecret");

    /// <summary>True when the host serves the Slack simulator and this client holds the signing secret.</summary>
    public async Task<bool> AvailableAsync(CancellationToken ct)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync("slack-api/_messages", ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Clicks the decision on every open step of the turn's newest approval message; returns the steps clicked.</summary>
    public async Task<IReadOnlyList<string>> ClickAsync(string sessionId, int turn, string decision, string approver, string? rationale, CancellationToken ct)
    {
        if (decision is not ("approve" or "revise"))
        {
            throw new InvalidOperationException("Slack's approval message has Approve and Revise buttons; deny through the API (--via api).");
        }

        byte[] key = ActionToken.KeyFrom(signingSecret);
        JsonArray messages = await http.GetFromJsonAsync<JsonArray>("slack-api/_messages", ct) ?? [];
        var buttons = messages
            .Where(m => m!["updates"]!.GetValue<int>() == 0)
            .SelectMany(m => m!["message"]!["blocks"]!.AsArray()
                .Where(b => (string?)b!["type"] == "actions")
                .SelectMany(b => b!["elements"]!.AsArray().Select(e => (Message: m, Block: b, Element: e!))))
            .Select(x => (x.Message, x.Block, x.Element, Token: ActionToken.Open((string?)x.Element["value"], key, DateTimeOffset.UtcNow).Token))
            .Where(x => x.Token is { } t && t.SessionId == sessionId && t.Turn == turn && t.Decision == decision)
            .ToList();
        if (buttons.Count == 0)
        {
            throw new InvalidOperationException($"No open approval message for turn {turn} of {sessionId} in the Slack simulator.");
        }

        string latest = buttons.Max(b => b.Token!.ApprovalId)!;
        var clicked = new List<string>();
        foreach (var button in buttons.Where(b => b.Token!.ApprovalId == latest))
        {
            string click = Guid.NewGuid().ToString("N");
            var payload = new JsonObject
            {
                ["type"] = "block_actions",
                ["user"] = new JsonObject { ["id"] = "U-LOCAL", ["username"] = approver },
                ["trigger_id"] = $"T-{click}",
                ["response_url"] = new Uri(http.BaseAddress!, $"slack-api/response?click={click}").ToString(),
                ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = (string?)button.Message!["ts"] },
                ["channel"] = new JsonObject { ["id"] = (string?)button.Message["channel"] },
                ["actions"] = new JsonArray
                {
                    new JsonObject { ["type"] = "button", ["action_id"] = decision, ["block_id"] = (string?)button.Block!["block_id"], ["value"] = (string?)button.Element["value"] },
                },
            };
            // The simulator keeps every modal it was asked to open: this click's is the first one after those already there.
            int viewsBefore = decision == "revise" ? (await this.ReviseViewsAsync(ct)).Count : 0;
            await this.PostAsync(payload, ct);
            clicked.Add(button.Token!.Step ?? "all");
            if (decision == "revise")
            {
                await this.SubmitReviseAsync(approver, rationale ?? "please revise", viewsBefore, ct);
                break; // a revise answers the whole request
            }

            // Slack answers the click at once and tells the user the outcome through response_url: read it.
            string? answer = await this.ResponseAsync(click, ct);
            if (answer is not null && !answer.StartsWith("Approved", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(answer);
            }
        }

        return clicked;
    }

    async Task<List<JsonObject>> ReviseViewsAsync(CancellationToken ct) =>
        [.. (await http.GetFromJsonAsync<JsonArray>("slack-api/_views", ct) ?? [])
            .Where(v => (string?)v!["callback_id"] == SlackInteractions.ReviseCallback)
            .Select(v => v!.AsObject())];

    /// <summary>Fills in and submits the revise modal this click opened: the first one after the <paramref name="viewsBefore"/> already open.</summary>
    async Task SubmitReviseAsync(string approver, string rationale, int viewsBefore, CancellationToken ct)
    {
        JsonObject? view = null;
        for (int i = 0; i < 100 && view is null; i++)
        {
            List<JsonObject> views = await this.ReviseViewsAsync(ct);
            view = views.Count > viewsBefore ? views[viewsBefore] : null;
            if (view is null)
            {
                await Task.Delay(50, ct);
            }
        }

        if (view is null)
        {
            throw new InvalidOperationException("The webhook did not open the revise form.");
        }

        await this.PostAsync(new JsonObject
        {
            ["type"] = "view_submission",
            ["user"] = new JsonObject { ["id"] = "U-LOCAL", ["username"] = approver },
            ["view"] = new JsonObject
            {
                ["callback_id"] = SlackInteractions.ReviseCallback,
                ["private_metadata"] = (string?)view["private_metadata"],
                ["state"] = new JsonObject
                {
                    ["values"] = new JsonObject { ["rationale"] = new JsonObject { ["value"] = new JsonObject { ["type"] = "plain_text_input", ["value"] = rationale } } },
                },
            },
        }, ct);
    }

    async Task<string?> ResponseAsync(string click, CancellationToken ct)
    {
        for (int i = 0; i < 60; i++)
        {
            JsonArray responses = await http.GetFromJsonAsync<JsonArray>("slack-api/_responses", ct) ?? [];
            if (responses.LastOrDefault(r => (string?)r!["click"] == click) is { } response)
            {
                return (string?)response["text"];
            }

            await Task.Delay(50, ct);
        }

        return null;
    }

    /// <summary>Posts like Slack: <c>payload=</c> form body, signed with v0 HMAC over timestamp and body.</summary>
    async Task PostAsync(JsonObject payload, CancellationToken ct)
    {
        string body = "payload=" + Uri.EscapeDataString(payload.ToJsonString());
        long timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/slack/interactions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Slack-Signature", SlackSignature.Sign(signingSecret, timestamp, body));
        using HttpResponseMessage response = await http.SendAsync(request, ct);
        string answer = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode || answer.Contains("\"errors\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The webhook refused the click ({(int)response.StatusCode}): {answer}");
        }
    }
}
