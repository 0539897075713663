using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Agents.Core.Hosting;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>Small HTTP helpers over the API as a client sees it.</summary>
public static class Api
{
    public static readonly string Ticket101 = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "tickets", "TICKET-101.md"));

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string path, string json) =>
        http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<string> CreateSessionAsync(this HttpClient http, string body = """{"user":"dana","org":"contoso"}""")
    {
        HttpResponseMessage response = await http.PostJsonAsync("api/sessions", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("sessionId").GetString()!;
    }

    public static async Task<HttpResponseMessage> SubmitTurnAsync(this HttpClient http, string sessionId, string input) =>
        await http.PostAsJsonAsync($"api/sessions/{sessionId}/turns", new { input });

    public static Task<JsonElement> WaitForTurnAsync(this HttpClient http, string sessionId, int turn, Func<JsonElement, bool> condition, int seconds = 90) =>
        Eventually.MatchAsync(
            async () => await (await http.GetAsync($"api/sessions/{sessionId}/turns/{turn}")).JsonAsync(),
            condition,
            TimeSpan.FromSeconds(seconds),
            $"turn {turn} of {sessionId}");

    public static bool IsAwaitingApproval(JsonElement turn) => turn.TryGetProperty("pendingApproval", out JsonElement p) && p.ValueKind == JsonValueKind.Object;

    public static bool IsCompleted(JsonElement turn) => turn.GetProperty("phase").GetString() == "completed";
}
