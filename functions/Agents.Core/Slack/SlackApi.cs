using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Agents.Core.Redaction;
using Microsoft.Extensions.Options;

namespace Agents.Core.Slack;

public sealed class SlackApiException(string method, string error) : Exception($"Slack {method} failed: {error}");

/// <summary>The few Web API methods approvals use: chat.postMessage, chat.update, views.open, and response_url replies.</summary>
public sealed class SlackApi(IHttpClientFactory clients, IOptions<SlackOptions> options, Redactor redactor)
{
    public const string HttpClientName = "slack";

    /// <summary>Posts a message; returns the channel id and the message ts (its id for updates).</summary>
    public async Task<(string Channel, string Ts)> PostMessageAsync(string channel, string text, JsonArray blocks, CancellationToken cancellationToken)
    {
        JsonObject result = await this.CallAsync("chat.postMessage", new JsonObject { ["channel"] = channel, ["text"] = text, ["blocks"] = blocks }, cancellationToken).ConfigureAwait(false);
        return ((string?)result["channel"] ?? channel, (string?)result["ts"] ?? throw new SlackApiException("chat.postMessage", "no ts in the response"));
    }

    public Task UpdateMessageAsync(string channel, string ts, string text, JsonArray blocks, CancellationToken cancellationToken) =>
        this.CallAsync("chat.update", new JsonObject { ["channel"] = channel, ["ts"] = ts, ["text"] = text, ["blocks"] = blocks }, cancellationToken);

    public Task OpenViewAsync(string triggerId, JsonObject view, CancellationToken cancellationToken) =>
        this.CallAsync("views.open", new JsonObject { ["trigger_id"] = triggerId, ["view"] = view }, cancellationToken);

    /// <summary>Answers the user who clicked (ephemeral unless replacing the original message).</summary>
    public async Task RespondAsync(Uri responseUrl, string text, CancellationToken cancellationToken)
    {
        using HttpClient http = clients.CreateClient(HttpClientName);
        using HttpResponseMessage response = await http.PostAsJsonAsync(
            responseUrl, new JsonObject { ["response_type"] = "ephemeral", ["replace_original"] = false, ["text"] = redactor.Redact(text) }, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Every human-readable text of a message or view (Block Kit keeps them under "text") is redacted before it leaves;
    /// ids, action values (sealed tokens) and timestamps are left as they are.
    /// </summary>
    JsonObject RedactTexts(JsonObject body)
    {
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (KeyValuePair<string, JsonNode?> property in obj.ToList())
                    {
                        if (property.Key == "text" && property.Value is JsonValue value && value.TryGetValue(out string? text))
                        {
                            obj["text"] = redactor.Redact(text);
                        }
                        else
                        {
                            Walk(property.Value);
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (JsonNode? item in array)
                    {
                        Walk(item);
                    }

                    break;
            }
        }

        Walk(body);
        return body;
    }

    async Task<JsonObject> CallAsync(string method, JsonObject body, CancellationToken cancellationToken)
    {
        using HttpClient http = clients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Value.ApiBaseUrl.ToString().TrimEnd('/') + "/" + method))
        {
            Content = JsonContent.Create(this.RedactTexts(body)),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.BotToken);
        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        JsonObject result = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false) ?? [];
        return result["ok"]?.GetValue<bool>() == true ? result : throw new SlackApiException(method, (string?)result["error"] ?? "unknown error");
    }
}
