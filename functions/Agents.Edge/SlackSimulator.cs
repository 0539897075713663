using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Agents.Edge;

/// <summary>A message as the simulator holds it: what was posted, then each update.</summary>
public sealed record SimulatedMessage(string Channel, string Ts, JsonObject Posted)
{
    public List<JsonObject> Updates { get; } = [];

    public JsonObject Current => this.Updates.Count > 0 ? this.Updates[^1] : this.Posted;
}

/// <summary>
/// A local stand-in for the parts of Slack's Web API the platform calls (chat.postMessage, chat.update, views.open)
/// and for response_url, recording every call. The portable host serves it when Slack:Simulator is on, and the tests
/// run it in process; the command-line client reads its messages to click buttons through the real, signed webhook.
/// </summary>
public sealed class SlackSimulator
{
    long sequence;

    public ConcurrentQueue<(string Method, JsonObject Body)> Calls { get; } = new();

    public ConcurrentDictionary<string, SimulatedMessage> Messages { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<JsonObject> Views { get; } = new();

    public ConcurrentQueue<JsonObject> Responses { get; } = new();

    public void Map(IEndpointRouteBuilder app, string prefix)
    {
        RouteGroupBuilder group = app.MapGroup(prefix);
        group.MapPost("chat.postMessage", async (HttpRequest request) =>
        {
            JsonObject body = await Read(request, "chat.postMessage");
            string ts = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Interlocked.Increment(ref this.sequence):D6}";
            this.Messages[ts] = new SimulatedMessage("C-LOCAL", ts, body);
            return Results.Json(new { ok = true, channel = "C-LOCAL", ts });
        });
        group.MapPost("chat.update", async (HttpRequest request) =>
        {
            JsonObject body = await Read(request, "chat.update");
            if (!this.Messages.TryGetValue((string?)body["ts"] ?? string.Empty, out SimulatedMessage? message))
            {
                return Results.Json(new { ok = false, error = "message_not_found" });
            }

            lock (message)
            {
                message.Updates.Add(body);
            }

            return Results.Json(new { ok = true, channel = message.Channel, ts = message.Ts });
        });
        group.MapPost("views.open", async (HttpRequest request) =>
        {
            JsonObject body = await Read(request, "views.open");
            this.Views.Enqueue(body["view"]!.AsObject());
            return Results.Json(new { ok = true, view = new { id = $"V{this.Views.Count}" } });
        });
        group.MapPost("response", async (HttpRequest request) =>
        {
            JsonObject body = await Read(request, "response_url");
            body["click"] = request.Query["click"].ToString();
            this.Responses.Enqueue(body);
            return Results.Ok();
        });
        group.MapGet("_messages", () => Results.Json(this.Messages.Values.OrderBy(m => m.Ts, StringComparer.Ordinal)
            .Select(m => new { channel = m.Channel, ts = m.Ts, message = m.Current, updates = m.Updates.Count })));
        group.MapGet("_views", () => Results.Json(this.Views.ToArray()));
        group.MapGet("_responses", () => Results.Json(this.Responses.ToArray()));

        async Task<JsonObject> Read(HttpRequest request, string method)
        {
            JsonObject body = await request.ReadFromJsonAsync<JsonObject>() ?? [];
            this.Calls.Enqueue((method, body));
            return body;
        }
    }
}
