using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
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
/// With a journal file every call is also appended to it, and the messages are loaded from it on start, so the record
/// (and the buttons) outlive a restart of the host.
/// </summary>
public sealed class SlackSimulator
{
    readonly string? journal;
    readonly Lock journalLock = new();
    long sequence;

    public SlackSimulator()
        : this(null)
    {
    }

    public SlackSimulator(string? journalPath)
    {
        this.journal = string.IsNullOrWhiteSpace(journalPath) ? null : Path.GetFullPath(journalPath);
        if (this.journal is not null && File.Exists(this.journal))
        {
            foreach (JournalEntry entry in ReadJournal(this.journal))
            {
                this.Apply(entry);

                // New messages continue the numbering, so a ts is never handed out twice.
                if (entry.Ts is { } ts && long.TryParse(ts[(ts.IndexOf('.', StringComparison.Ordinal) + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out long n))
                {
                    this.sequence = Math.Max(this.sequence, n);
                }
            }
        }
    }

    /// <summary>One call as the journal holds it: the method, the message's ts (posts and updates) and the body.</summary>
    public sealed record JournalEntry(string Method, string? Ts, JsonObject Body);

    /// <summary>Every call recorded in a journal file, in order; a line cut short by a crash is skipped.</summary>
    public static IReadOnlyList<JournalEntry> ReadJournal(string path)
    {
        var entries = new List<JournalEntry>();
        foreach (string line in File.ReadAllLines(path).Where(l => l.Length > 0))
        {
            try
            {
                if (JsonSerializer.Deserialize<JournalEntry>(line, JournalJson) is { } entry)
                {
                    entries.Add(entry);
                }
            }
            catch (JsonException)
            {
            }
        }

        return entries;
    }

    static readonly JsonSerializerOptions JournalJson = new(JsonSerializerDefaults.Web);

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
            this.Record(new JournalEntry("chat.postMessage", ts, body));
            return Results.Json(new { ok = true, channel = "C-LOCAL", ts });
        });
        group.MapPost("chat.update", async (HttpRequest request) =>
        {
            JsonObject body = await Read(request, "chat.update");
            if (!this.Messages.TryGetValue((string?)body["ts"] ?? string.Empty, out SimulatedMessage? message))
            {
                return Results.Json(new { ok = false, error = "message_not_found" });
            }

            this.Record(new JournalEntry("chat.update", message.Ts, body));
            return Results.Json(new { ok = true, channel = message.Channel, ts = message.Ts });
        });
        group.MapPost("views.open", async (HttpRequest request) =>
        {
            JsonObject body = await Read(request, "views.open");
            this.Record(new JournalEntry("views.open", null, body));
            return Results.Json(new { ok = true, view = new { id = $"V{this.Views.Count}" } });
        });
        group.MapPost("response", async (HttpRequest request) =>
        {
            JsonObject body = await Read(request, "response_url");
            body["click"] = request.Query["click"].ToString();
            this.Record(new JournalEntry("response_url", null, body));
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

    /// <summary>Applies a call to the in-memory record, then appends it to the journal (under one lock, so both keep the same order).</summary>
    void Record(JournalEntry entry)
    {
        lock (this.journalLock)
        {
            this.Apply(entry);
            if (this.journal is not null)
            {
                File.AppendAllText(this.journal, JsonSerializer.Serialize(entry, JournalJson) + "\n");
            }
        }
    }

    void Apply(JournalEntry entry)
    {
        switch (entry.Method)
        {
            case "chat.postMessage" when entry.Ts is { } ts:
                this.Messages[ts] = new SimulatedMessage("C-LOCAL", ts, entry.Body);
                break;
            case "chat.update" when entry.Ts is { } ts && this.Messages.TryGetValue(ts, out SimulatedMessage? message):
                lock (message)
                {
                    message.Updates.Add(entry.Body);
                }

                break;
            case "views.open":
                this.Views.Enqueue(entry.Body["view"]!.AsObject());
                break;
            case "response_url":
                this.Responses.Enqueue(entry.Body);
                break;
        }
    }
}
