using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Sessions;
using Agents.Core.Storage;

namespace AgentCli;

/// <summary>The API seen from outside: typed calls over HTTP, problem+json turned into readable errors.</summary>
public sealed class AgentClient(HttpClient http) : IDisposable
{
    public Uri BaseAddress => http.BaseAddress!;

    /// <summary>The signed Slack path to the same decisions, when the host runs the Slack simulator and the secret is known.</summary>
    public SlackClicker? Slack => SlackClicker.SigningSecret is { Length: > 0 } secret ? new SlackClicker(http, secret) : null;

    public static AgentClient For(string host) =>
        new(new HttpClient { BaseAddress = new Uri(host.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) });

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

    public Task<TurnAcceptedView> SendTurnAsync(string sessionId, string input, CancellationToken ct) =>
        this.SendAsync<TurnAcceptedView>(HttpMethod.Post, $"api/sessions/{sessionId}/turns", new { input }, ct);

    public Task<SessionView> GetSessionAsync(string sessionId, CancellationToken ct) =>
        this.SendAsync<SessionView>(HttpMethod.Get, $"api/sessions/{sessionId}", null, ct);

    public Task<TurnView> GetTurnAsync(string sessionId, int turn, CancellationToken ct) =>
        this.SendAsync<TurnView>(HttpMethod.Get, $"api/sessions/{sessionId}/turns/{turn}", null, ct);

    public Task<ApprovalAcceptedView> DecideAsync(string sessionId, int turn, ApprovalDecisionKind decision, string approver, string? rationale, CancellationToken ct) =>
        this.SendAsync<ApprovalAcceptedView>(HttpMethod.Post, $"api/sessions/{sessionId}/turns/{turn}/approvals",
            new { decision = decision.Snake(), approver, rationale }, ct);

    public async Task<IReadOnlyList<AgentEvent>> GetEventsAsync(string sessionId, CancellationToken ct)
    {
        using HttpResponseMessage response = await http.GetAsync($"api/sessions/{sessionId}/events", ct);
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
        using HttpResponseMessage response = await http.GetAsync($"api/sessions/{sessionId}/eval-case", ct);
        await EnsureAsync(response, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>A stored payload (a tool's output, a prompt) as text.</summary>
    public async Task<string> GetPayloadTextAsync(string sessionId, string sha256, CancellationToken ct)
    {
        using HttpResponseMessage response = await http.GetAsync($"api/sessions/{sessionId}/payloads/{sha256}", ct);
        await EnsureAsync(response, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    public void Dispose() => http.Dispose();

    async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: JsonDefaults.Web);
        }

        using HttpResponseMessage response = await http.SendAsync(request, ct);
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

public sealed class ApiCallException(HttpStatusCode status, string message) : Exception($"{(int)status} {message}")
{
    public HttpStatusCode Status { get; } = status;
}
