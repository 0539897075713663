using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Agents.Testing;

/// <summary>
/// A scripted OpenAI-compatible chat-completions server on loopback (Kestrel, plain HTTP, a free port), for testing
/// model clients and the router against real HTTP. It serves <c>POST /v1/chat/completions</c> (the OpenAI client,
/// endpoint <see cref="OpenAIEndpoint"/>) and <c>POST /openai/deployments/{deployment}/chat/completions</c> (the Azure
/// OpenAI client, endpoint <see cref="BaseAddress"/>; Azure.AI.OpenAI 2.1.0 adds <c>?api-version=2024-10-21</c> and
/// sends its Entra bearer token over plain HTTP too). Each request takes the next reply of the script
/// (<see cref="Enqueue"/>), or the standing reply (<see cref="Otherwise"/>) when the script is used up; with neither,
/// it answers 400 saying the script ran out, which a client treats as a fatal error, so an unplanned request fails the
/// test loudly. Every request is recorded, parsed, when it arrives, before any scripted delay (<see cref="Requests"/>).
/// </summary>
public sealed class ScriptedOpenAIServer : IAsyncDisposable
{
    readonly Lock gate = new();
    readonly Queue<ScriptedReply> script = new();
    readonly List<RecordedChatRequest> requests = [];
    ScriptedReply? standing;
    LoopbackServer server = null!;

    /// <summary>Root of the server (<c>http://127.0.0.1:{port}/</c>): the Azure OpenAI endpoint.</summary>
    public Uri BaseAddress => this.server.BaseAddress;

    /// <summary>The OpenAI-compatible endpoint (<c>{root}/v1</c>), as the OpenAI client expects it.</summary>
    public Uri OpenAIEndpoint => new(this.BaseAddress, "v1");

    /// <summary>Every request received so far, in arrival order (including ones to unknown paths).</summary>
    public IReadOnlyList<RecordedChatRequest> Requests
    {
        get
        {
            lock (this.gate)
            {
                return [.. this.requests];
            }
        }
    }

    public int RequestCount
    {
        get
        {
            lock (this.gate)
            {
                return this.requests.Count;
            }
        }
    }

    /// <summary>Scripted replies not consumed yet.</summary>
    public int PendingReplies
    {
        get
        {
            lock (this.gate)
            {
                return this.script.Count;
            }
        }
    }

    public static async Task<ScriptedOpenAIServer> StartAsync()
    {
        var scripted = new ScriptedOpenAIServer();
        scripted.server = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/v1/chat/completions", context => scripted.HandleAsync(context, deployment: null));
            app.MapPost("/openai/deployments/{deployment}/chat/completions", context =>
                scripted.HandleAsync(context, (string?)context.Request.RouteValues["deployment"]));
            app.MapFallback(scripted.HandleUnknownAsync);
        });
        return scripted;
    }

    /// <summary>Appends replies to the script; each request takes the next one.</summary>
    public ScriptedOpenAIServer Enqueue(params ScriptedReply[] replies)
    {
        lock (this.gate)
        {
            foreach (ScriptedReply reply in replies)
            {
                this.script.Enqueue(reply);
            }
        }

        return this;
    }

    /// <summary>The reply to every request once the script is used up.</summary>
    public ScriptedOpenAIServer Otherwise(ScriptedReply reply)
    {
        lock (this.gate)
        {
            this.standing = reply;
        }

        return this;
    }

    public ValueTask DisposeAsync() => this.server.DisposeAsync();

    async Task HandleAsync(HttpContext context, string? deployment)
    {
        JsonNode? body = null;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
        }

        ScriptedReply? reply;
        int sequence;
        lock (this.gate)
        {
            sequence = this.requests.Count + 1;
            this.requests.Add(Record(context, sequence, deployment, body));
            reply = this.script.TryDequeue(out ScriptedReply? next) ? next : this.standing;
        }

        if (reply is null)
        {
            await WriteErrorAsync(context, 400, $"ScriptedOpenAIServer: no scripted reply left for request #{sequence}", null);
            return;
        }

        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up
            }
        }

        if (reply.Status != 200)
        {
            await WriteErrorAsync(context, reply.Status, $"scripted HTTP {reply.Status}", reply.RetryAfter);
            return;
        }

        string model = reply.Model ?? body?["model"]?.GetValue<string>() ?? deployment ?? "scripted-model";
        var completion = new JsonObject
        {
            ["id"] = $"chatcmpl-scripted-{sequence}",
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Content, ["refusal"] = null },
                ["logprobs"] = null,
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = reply.PromptTokens,
                ["completion_tokens"] = reply.CompletionTokens,
                ["total_tokens"] = reply.PromptTokens + reply.CompletionTokens,
            },
        };
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(completion.ToJsonString(), context.RequestAborted);
    }

    async Task HandleUnknownAsync(HttpContext context)
    {
        int sequence;
        lock (this.gate)
        {
            sequence = this.requests.Count + 1;
            this.requests.Add(Record(context, sequence, null, null));
        }

        await WriteErrorAsync(context, 404, $"ScriptedOpenAIServer: no route for {context.Request.Method} {context.Request.Path}", null);
    }

    static RecordedChatRequest Record(HttpContext context, int sequence, string? deployment, JsonNode? body) => new(
        sequence,
        context.Request.Method,
        context.Request.Path.Value ?? string.Empty,
        deployment,
        context.Request.Query["api-version"].FirstOrDefault(),
        context.Request.Headers.Authorization.FirstOrDefault(),
        context.Request.Headers["api-key"].FirstOrDefault(),
        body is null ? null : JsonSerializer.SerializeToElement(body),
        DateTimeOffset.UtcNow);

    static async Task WriteErrorAsync(HttpContext context, int status, string message, TimeSpan? retryAfter)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = wait.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        }

        var error = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = message,
                ["type"] = status == 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error",
                ["param"] = null,
                ["code"] = status.ToString(CultureInfo.InvariantCulture),
            },
        };
        await context.Response.WriteAsync(error.ToJsonString(), context.RequestAborted);
    }
}

/// <summary>One scripted behaviour of <see cref="ScriptedOpenAIServer"/>: an answer, or an HTTP error, optionally late.</summary>
public sealed record ScriptedReply
{
    ScriptedReply()
    {
    }

    public int Status { get; init; } = 200;

    /// <summary>The assistant message content of a 200 answer (any text: valid JSON, malformed JSON, prose...).</summary>
    public string Content { get; init; } = string.Empty;

    /// <summary>Usage reported with a 200 answer.</summary>
    public int PromptTokens { get; init; }

    public int CompletionTokens { get; init; }

    /// <summary>The model the answer claims to come from (default: the request's model, else the deployment).</summary>
    public string? Model { get; init; }

    /// <summary>Sent as the Retry-After header (seconds) with an error.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>How long the server waits before answering (it stops waiting when the client hangs up).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>A chat.completion whose message is <paramref name="content"/>, with the given usage.</summary>
    public static ScriptedReply Answer(string content, int promptTokens = 20, int completionTokens = 10) =>
        new() { Content = content, PromptTokens = promptTokens, CompletionTokens = completionTokens };

    /// <summary>An OpenAI-style error body with this status (and Retry-After when given).</summary>
    public static ScriptedReply Error(int status, TimeSpan? retryAfter = null) => new() { Status = status, RetryAfter = retryAfter };

    public static ScriptedReply ServerError() => Error(500);

    public static ScriptedReply RateLimited(TimeSpan retryAfter) => Error(429, retryAfter);

    /// <summary>The same reply, sent only after <paramref name="delay"/>.</summary>
    public ScriptedReply After(TimeSpan delay) => this with { Delay = delay };
}

/// <summary>A request as <see cref="ScriptedOpenAIServer"/> received it.</summary>
/// <param name="Deployment">The deployment of the Azure OpenAI route; null on the OpenAI route.</param>
/// <param name="ApiVersion">The <c>api-version</c> query parameter (sent by the Azure OpenAI client).</param>
/// <param name="Body">The JSON body; null when it was not JSON.</param>
public sealed record RecordedChatRequest(
    int Sequence,
    string Method,
    string Path,
    string? Deployment,
    string? ApiVersion,
    string? Authorization,
    string? ApiKey,
    JsonElement? Body,
    DateTimeOffset ReceivedAt)
{
    public string? Model => this.String("model");

    /// <summary>The output cap as sent: <c>max_completion_tokens</c> (what OpenAI 2.15 and Azure.AI.OpenAI 2.1.0 send here) or <c>max_tokens</c>.</summary>
    public int? MaxTokens => this.Int("max_completion_tokens") ?? this.Int("max_tokens");

    /// <summary>Which field carried the output cap.</summary>
    public string? MaxTokensField =>
        this.Int("max_completion_tokens") is not null ? "max_completion_tokens" : this.Int("max_tokens") is not null ? "max_tokens" : null;

    /// <summary><c>response_format.type</c>: text, json_object or json_schema (null when absent).</summary>
    public string? ResponseFormatType =>
        this.Property("response_format") is { ValueKind: JsonValueKind.Object } format && format.TryGetProperty("type", out JsonElement type)
            ? type.GetString()
            : null;

    public JsonElement? ResponseFormat => this.Property("response_format");

    /// <summary>The messages, each with its text (string content, or the text parts joined).</summary>
    public IReadOnlyList<RecordedMessage> Messages =>
        this.Property("messages") is { ValueKind: JsonValueKind.Array } messages
            ? [.. messages.EnumerateArray().Select(m => new RecordedMessage(
                m.TryGetProperty("role", out JsonElement role) ? role.GetString() ?? string.Empty : string.Empty,
                m.TryGetProperty("content", out JsonElement content) ? TextOf(content) : string.Empty))]
            : [];

    public JsonElement? Property(string name) =>
        this.Body is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    string? String(string name) => this.Property(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    int? Int(string name) => this.Property(name) is { ValueKind: JsonValueKind.Number } value ? value.GetInt32() : null;

    static string TextOf(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString() ?? string.Empty,
        JsonValueKind.Array => string.Concat(content.EnumerateArray()
            .Where(p => p.TryGetProperty("type", out JsonElement t) && t.GetString() == "text" && p.TryGetProperty("text", out _))
            .Select(p => p.GetProperty("text").GetString())),
        _ => string.Empty,
    };
}

public sealed record RecordedMessage(string Role, string Content);
