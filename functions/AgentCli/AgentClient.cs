using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Sessions;
using Agents.Core.Storage;

namespace AgentCli;

/// <summary>
/// The API seen from outside: typed calls over HTTP as <see cref="Identity"/> (its bearer token on every call), problem+json
/// turned into readable errors.
/// </summary>
public sealed class AgentClient(HttpClient http, BearerTokens tokens, Caller identity, bool ownsHttp = true) : IDisposable
{
    public Uri BaseAddress => http.BaseAddress!;

    /// <summary>Who the calls are made as (the minted token's user, org and roles; ignored with AGENT_TOKEN).</summary>
    public Caller Identity => identity;

    public BearerTokens Tokens => tokens;

    /// <summary>The signed Slack path to the same decisions, when the host runs the Slack simulator and the secret is known.</summary>
    public SlackClicker? Slack => SlackClicker.SigningSecret is { Length: > 0 } secret ? new SlackClicker(http, secret) : null;

    public static AgentClient For(string host, Caller identity, string keyFile = BearerTokens.DefaultKeyFile)
    {
        var http = new HttpClient { BaseAddress = new Uri(host.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        return new AgentClient(http, new BearerTokens(http, keyFile), identity);
    }

    /// <summary>The same client acting as another user of the same org (an approver deciding on a colleague's session).</summary>
    public AgentClient As(string user) => new(http, tokens, identity with { User = user }, ownsHttp: false);

    public async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync("api/health", ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public Task<SessionCreatedView> CreateSessionAsync(object body, CancellationToken ct) =>
        this.SendAsync<SessionCreatedView>(HttpMethod.Post, "api/sessions", body, ct);

    /// <summary>Sends the next turn; with an <paramref name="idempotencyKey"/>, a retry of an accepted request gets the same turn back.</summary>
    public Task<TurnAcceptedView> SendTurnAsync(string sessionId, string input, CancellationToken ct, string? idempotencyKey = null) =>
        this.SendAsync<TurnAcceptedView>(HttpMethod.Post, $"api/sessions/{sessionId}/turns", new { input }, ct, idempotencyKey);

    /// <summary>
    /// Sends a turn once and reports what the host answered, 429 included: no rate-limit retry here, so a load
    /// generator sees every refusal and decides itself whether to honour Retry-After. With an idempotency key, sending
    /// again after a lost answer gets the first request's answer instead of a second turn.
    /// </summary>
    public async Task<TurnSubmission> TrySendTurnAsync(string sessionId, string input, string? idempotencyKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/sessions/{sessionId}/turns") { Content = JsonContent.Create(new { input }, options: JsonDefaults.Web) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add(IdempotencyKeyHeader, idempotencyKey);
        }

        using HttpResponseMessage response = await this.SendWithTokenAsync(request, ct, retryRateLimited: false);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            return new TurnSubmission(response.StatusCode, (await response.Content.ReadFromJsonAsync<TurnAcceptedView>(JsonDefaults.Web, ct))!, null, null);
        }

        string text = await response.Content.ReadAsStringAsync(ct);
        string title = text;
        try
        {
            using JsonDocument problem = JsonDocument.Parse(text);
            title = Str(problem.RootElement, "title");
        }
        catch (JsonException)
        {
        }

        return new TurnSubmission(response.StatusCode, null, response.Headers.RetryAfter?.Delta, title);
    }

    public Task<SessionView> GetSessionAsync(string sessionId, CancellationToken ct) =>
        this.SendAsync<SessionView>(HttpMethod.Get, $"api/sessions/{sessionId}", null, ct);

    public Task<TurnView> GetTurnAsync(string sessionId, int turn, CancellationToken ct) =>
        this.SendAsync<TurnView>(HttpMethod.Get, $"api/sessions/{sessionId}/turns/{turn}", null, ct);

    /// <summary>Decides as <see cref="Identity"/>: the approver is whoever the token names.</summary>
    public Task<ApprovalAcceptedView> DecideAsync(string sessionId, int turn, ApprovalDecisionKind decision, string? rationale, CancellationToken ct) =>
        this.SendAsync<ApprovalAcceptedView>(HttpMethod.Post, $"api/sessions/{sessionId}/turns/{turn}/approvals",
            new { decision = decision.Snake(), rationale }, ct);

    public async Task<IReadOnlyList<AgentEvent>> GetEventsAsync(string sessionId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/sessions/{sessionId}/events");
        using HttpResponseMessage response = await this.SendWithTokenAsync(request, ct);
        await EnsureAsync(response, ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<AgentEvent>(line, JsonDefaults.Web)!)
            .ToList();
    }

    public Task<ChainVerification> VerifyEventsAsync(string sessionId, CancellationToken ct) =>
        this.SendAsync<ChainVerification>(HttpMethod.Get, $"api/sessions/{sessionId}/events/verify", null, ct);

    public Task<Agents.Core.Replay.ReplayStartedView> StartReplayAsync(string sessionId, Agents.Core.Replay.ReplayBody body, CancellationToken ct) =>
        this.SendAsync<Agents.Core.Replay.ReplayStartedView>(HttpMethod.Post, $"api/sessions/{sessionId}/replay", body, ct);

    public Task<ReplayDiff> GetReplayDiffAsync(string replaySessionId, CancellationToken ct) =>
        this.SendAsync<ReplayDiff>(HttpMethod.Get, $"api/sessions/{replaySessionId}/replay/diff", null, ct);

    public async Task<string> GetEvalCaseJsonAsync(string sessionId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/sessions/{sessionId}/eval-case");
        using HttpResponseMessage response = await this.SendWithTokenAsync(request, ct);
        await EnsureAsync(response, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    public void Dispose()
    {
        if (ownsHttp)
        {
            http.Dispose();
        }
    }

    /// <summary>
    /// Sends with the caller's token; when the edge's rate limit answers 429, waits as its Retry-After says (a few
    /// times, briefly) and sends again, so polling commands slow down instead of failing.
    /// </summary>
    async Task<HttpResponseMessage> SendWithTokenAsync(HttpRequestMessage request, CancellationToken ct, bool retryRateLimited = true)
    {
        string? body = request.Content is null ? null : await request.Content.ReadAsStringAsync(ct);
        for (int attempt = 0; ; attempt++)
        {
            using var copy = new HttpRequestMessage(request.Method, request.RequestUri);
            if (body is not null)
            {
                copy.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }

            foreach ((string name, IEnumerable<string> values) in request.Headers)
            {
                copy.Headers.TryAddWithoutValidation(name, values);
            }

            copy.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.ForAsync(identity, ct));
            HttpResponseMessage response = await http.SendAsync(copy, ct);
            TimeSpan? wait = response.Headers.RetryAfter?.Delta;
            if (!retryRateLimited || response.StatusCode != HttpStatusCode.TooManyRequests || attempt == MaxRateLimitRetries || wait is null || wait > MaxRateLimitWait)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(wait.Value, ct);
        }
    }

    const int MaxRateLimitRetries = 3;

    const string IdempotencyKeyHeader = "Idempotency-Key";

    static readonly TimeSpan MaxRateLimitWait = TimeSpan.FromSeconds(5);

    /// <summary>A stored payload (a tool's output, a prompt) as text.</summary>
    public async Task<string> GetPayloadTextAsync(string sessionId, string sha256, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/sessions/{sessionId}/payloads/{sha256}");
        using HttpResponseMessage response = await this.SendWithTokenAsync(request, ct);
        await EnsureAsync(response, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (idempotencyKey is not null)
        {
            request.Headers.Add(IdempotencyKeyHeader, idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: JsonDefaults.Web);
        }

        using HttpResponseMessage response = await this.SendWithTokenAsync(request, ct);
        await EnsureAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<T>(JsonDefaults.Web, ct))!;
    }

    static async Task EnsureAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string text = await response.Content.ReadAsStringAsync(ct);
        string message = text;
        try
        {
            using JsonDocument problem = JsonDocument.Parse(text);
            JsonElement root = problem.RootElement;
            message = $"{Str(root, "title")}: {Str(root, "detail")}";
            if (root.TryGetProperty("errors", out JsonElement errors))
            {
                message += string.Concat(errors.EnumerateObject().Select(e => $"\n  {e.Name}: {string.Join("; ", e.Value.EnumerateArray().Select(v => v.GetString()))}"));
            }
        }
        catch (JsonException)
        {
        }

        throw new ApiCallException(response.StatusCode, message);
    }

    static string Str(JsonElement e, string name) => e.TryGetProperty(name, out JsonElement v) ? v.GetString() ?? string.Empty : string.Empty;
}

/// <summary>The host's answer to one turn submission: the accepted turn (202), or the status, Retry-After and problem title.</summary>
public sealed record TurnSubmission(HttpStatusCode Status, TurnAcceptedView? Accepted, TimeSpan? RetryAfter, string? Problem);

public sealed class ApiCallException(HttpStatusCode status, string message) : Exception($"{(int)status} {message}")
{
    public HttpStatusCode Status { get; } = status;
}
