using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Edge.Auth;
using Agents.Edge;
using Agents.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace AgentHost.Tests;

/// <summary>
/// The portable host in this process (in-memory engine, offline model, Slack simulator), with an in-memory span
/// exporter and a capturing log provider, and one real turn run through the HTTP API: a ticket full of personal data and
/// secrets, on a copy of the sample repository with a file holding the same, approved through the API.
/// </summary>
public sealed class RedactedTurnFixture : IAsyncLifetime
{
    public const string ContactsFile = "docs/contacts.md";

    TestEnvironment? environment;
    WebApplication? slackServer;
    WebApplication? host;
    string? repositories;
    HttpClient? approver;

    public ConcurrentQueue<Activity> Spans { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    public SlackSimulator Slack { get; } = new();

    public HttpClient Http { get; private set; } = null!;

    public AzuriteServer Azurite => this.environment!.Azurite;

    public IServiceProvider Services => this.host!.Services;

    public string SessionId { get; private set; } = string.Empty;

    /// <summary>Every API answer the turn produced, as (what, status, body).</summary>
    public List<(string What, int Status, string Body)> Responses { get; } = [];

    public async Task InitializeAsync()
    {
        WebApplicationBuilder slackBuilder = WebApplication.CreateSlimBuilder();
        slackBuilder.Logging.ClearProviders();
        slackBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        this.slackServer = slackBuilder.Build();
        this.Slack.Map(this.slackServer, "/api");
        await this.slackServer.StartAsync();

        this.repositories = Directory.CreateTempSubdirectory("agentfn-repos-").FullName;
        CopyDirectory(Path.Combine(RepositoryPaths.Root, "samples", "repos", "inventory-service"), Path.Combine(this.repositories, "inventory-service"));
        string contacts = Path.Combine(this.repositories, "inventory-service", ContactsFile);
        Directory.CreateDirectory(Path.GetDirectoryName(contacts)!);
        await File.WriteAllTextAsync(contacts, SecretsCorpus.Text("# Support contacts (do not share)"));

        this.environment = await TestEnvironment.StartAsync();
        Dictionary<string, string?> settings = this.environment.Settings(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "InMemory",
            ["Urls"] = "http://127.0.0.1:0",
            ["Workspace:RepositoriesRoot"] = this.repositories,
            ["Slack:SigningSecret"] = "0123456789abcdef0123456789abcdef",
            ["Slack:BotToken"] = "xoxb-test",
            ["Slack:ApiBaseUrl"] = this.slackServer.Urls.First() + "/api/",
            ["Slack:Channel"] = "#approvals-test",
            ["Redaction:Patterns:0"] = SecretsCorpus.ConfiguredPattern,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Agents"] = "Information",
            ["Logging:LogLevel:AgentHost"] = "Information",
        });

        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(this.Logs);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddAgentHost();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(new SpanSink(this.Spans)));
        this.host = builder.Build();
        this.host.UseEdgeGate();
        this.host.MapDevIssuer();
        this.host.MapAgentApi();
        await this.host.StartAsync();
        var address = new Uri(this.host.Urls.First() + "/");
        using var anonymous = new HttpClient { BaseAddress = address };
        string issuer = await DevTokenIssuer.DiscoverIssuerAsync(anonymous, address)
            ?? throw new InvalidOperationException("the host serves no dev issuer (Auth:DevIssuer:Enabled)");
        var tokens = new DevTokenIssuer(DevSigningKeys.LoadOrCreate(settings["Auth:DevIssuer:KeyFile"]!), issuer);
        this.Http = new HttpClient(new BearerHandler(tokens, new Caller("dana", "contoso", []))) { BaseAddress = address };
        this.approver = new HttpClient(new BearerHandler(tokens, new Caller("lee", "contoso", ["approver"]))) { BaseAddress = address };

        await this.RunTurnAsync();
    }

    async Task RunTurnAsync()
    {
        HttpResponseMessage created = await this.Http.PostAsJsonAsync("api/sessions", new { user = "dana", org = "contoso", title = "redaction" });
        await this.KeepAsync("create session", created);
        this.SessionId = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["sessionId"]!;

        string ticket = SecretsCorpus.Text("# TEST-REDACT: update the support contact");
        await this.KeepAsync("submit turn", await this.Http.PostAsJsonAsync($"api/sessions/{this.SessionId}/turns", new { input = ticket }));

        await Eventually.MatchAsync(() => this.GetTurnAsync(), t => t?["pendingApproval"] is JsonObject, TimeSpan.FromSeconds(60), "the approval request");
        await this.KeepAsync("approve", await this.approver!.PostAsJsonAsync($"api/sessions/{this.SessionId}/turns/1/approvals", new { decision = "approve", approver = "lee" }));
        await Eventually.MatchAsync(() => this.GetTurnAsync(), t => (string?)t?["phase"] == "completed", TimeSpan.FromSeconds(60), "the turn to complete");

        await this.KeepAsync("session", await this.Http.GetAsync($"api/sessions/{this.SessionId}"));
        await this.KeepAsync("turn", await this.Http.GetAsync($"api/sessions/{this.SessionId}/turns/1"));
        HttpResponseMessage events = await this.Http.GetAsync($"api/sessions/{this.SessionId}/events");
        string eventLines = await this.KeepAsync("events", events);
        foreach (string sha in PayloadHashes(eventLines + "\n" + this.Responses.Single(r => r.What == "turn").Body))
        {
            await this.KeepAsync($"payload {sha}", await this.Http.GetAsync($"api/sessions/{this.SessionId}/payloads/{sha}"));
        }
    }

    /// <summary>The events as the API served them.</summary>
    public IEnumerable<JsonNode> Events() =>
        this.Responses.Single(r => r.What == "events").Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!);

    /// <summary>The completed turn as the API served it.</summary>
    public JsonNode TurnView() => JsonNode.Parse(this.Responses.Single(r => r.What == "turn").Body)!;

    async Task<JsonNode?> GetTurnAsync()
    {
        HttpResponseMessage response = await this.Http.GetAsync($"api/sessions/{this.SessionId}/turns/1");
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
    }

    async Task<string> KeepAsync(string what, HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        this.Responses.Add((what, (int)response.StatusCode, body));
        return body;
    }

    static IEnumerable<string> PayloadHashes(string text) =>
        System.Text.RegularExpressions.Regex.Matches(text, "sha256:([0-9a-f]{64})").Select(m => m.Groups[1].Value)
            .Concat(System.Text.RegularExpressions.Regex.Matches(text, "\"sha256\"\\s*:\\s*\"([0-9a-f]{64})\"").Select(m => m.Groups[1].Value))
            .Distinct();

    static void CopyDirectory(string from, string to)
    {
        foreach (string dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal), overwrite: true);
        }
    }

    public async Task DisposeAsync()
    {
        this.Http?.Dispose();
        this.approver?.Dispose();
        if (this.host is not null)
        {
            await this.host.StopAsync();
            await this.host.DisposeAsync();
        }

        if (this.environment is not null)
        {
            await this.environment.DisposeAsync();
        }

        if (this.slackServer is not null)
        {
            await this.slackServer.DisposeAsync();
        }

        if (this.repositories is not null)
        {
            Directory.Delete(this.repositories, recursive: true);
        }
    }

    /// <summary>The in-memory exporter wants an ICollection; a concurrent queue behind it keeps parallel activities safe.</summary>
    sealed class SpanSink(ConcurrentQueue<Activity> spans) : ICollection<Activity>
    {
        public int Count => spans.Count;

        public bool IsReadOnly => false;

        public void Add(Activity item) => spans.Enqueue(item);

        public void Clear() => spans.Clear();

        public bool Contains(Activity item) => spans.Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => spans.ToArray().CopyTo(array, arrayIndex);

        public bool Remove(Activity item) => throw new NotSupportedException();

        public IEnumerator<Activity> GetEnumerator() => spans.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => this.GetEnumerator();
    }
}

[CollectionDefinition(Name)]
public sealed class RedactedTurnCollection : ICollectionFixture<RedactedTurnFixture>
{
    public const string Name = "redacted-turn";
}
