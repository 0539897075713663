using System.Globalization;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Models;
using Agents.Core.Storage;
using Agents.Testing;
using Azure.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.Models;

/// <summary>
/// One private Azurite for the router tests (the platform needs storage; the router's events go to the session's log
/// in Blob through its callers).
/// Each test builds its own platform services with <see cref="Start"/>, so circuit breakers and cached clients
/// never leak from one test into the next.
/// </summary>
public sealed class ModelRouterFixture : IAsyncLifetime
{
    TestEnvironment? environment;

    public async Task InitializeAsync() => this.environment = await TestEnvironment.StartAsync();

    /// <summary>The real platform registrations (<c>AddAgentPlatform</c>) with these model settings and a static Entra token.</summary>
    public RouterUnderTest Start(ModelSettings models)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(this.environment!.Settings(models.Values)).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(configuration);
        services.AddSingleton<IAzureCredentials>(new StaticAzureCredentials(StaticAzureCredentials.Token));
        services.AddAgentPlatform(configuration);
        return new RouterUnderTest(services.BuildServiceProvider());
    }

    public async Task DisposeAsync()
    {
        if (this.environment is not null)
        {
            await this.environment.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ModelRouterCollection : ICollectionFixture<ModelRouterFixture>
{
    public const string Name = "model-router";
}

/// <summary>The router as the platform wires it, and the session event log its callers append its events to.</summary>
public sealed class RouterUnderTest(ServiceProvider services) : IAsyncDisposable
{
    public IModelGateway Gateway { get; } = services.GetRequiredService<IModelGateway>();

    public IEventLog EventLog { get; } = services.GetRequiredService<IEventLog>();

    /// <summary>The provider clients the router sends through (the real OpenAI and Azure OpenAI SDK clients).</summary>
    public IProviderClients Clients { get; } = services.GetRequiredService<IProviderClients>();

    public ModelOptions Options { get; } = services.GetRequiredService<IOptions<ModelOptions>>().Value;

    public ValueTask DisposeAsync() => services.DisposeAsync();
}

/// <summary>Entra ID for Azure OpenAI in tests: one fixed bearer token, no identity endpoint.</summary>
public sealed class StaticAzureCredentials(string token) : IAzureCredentials
{
    public const string Token = "scripted-entra-token";

    public TokenCredential For(ProviderOptions provider) =>
        DelegatedTokenCredential.Create((_, _) => new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1)));
}

/// <summary>
/// The <c>Models</c> configuration section of a test, built up fluently. Resilience defaults keep the suite fast:
/// short back-off, a breaker that opens after two failures and half-opens after one second; the timeout tests set
/// their own short attempt timeouts.
/// </summary>
public sealed class ModelSettings
{
    readonly Dictionary<string, int> candidatesPerTier = new(StringComparer.Ordinal);

    public Dictionary<string, string?> Values { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Models:Resilience:MaxRetries"] = "2",
        ["Models:Resilience:BaseDelaySeconds"] = "0.01",
        ["Models:Resilience:MaxRetryAfterSeconds"] = "1",
        ["Models:Resilience:AttemptTimeoutSeconds"] = "5", // a cold SDK's first call can take most of a second on 2 cores
        ["Models:Resilience:CallTimeoutSeconds"] = "20",
        ["Models:Resilience:BreakerFailureRatio"] = "0.5",
        ["Models:Resilience:BreakerMinimumThroughput"] = "2",
        ["Models:Resilience:BreakerSamplingSeconds"] = "30",
        ["Models:Resilience:BreakDurationSeconds"] = "1",
    };

    public ModelSettings OpenAICompatible(string name, ScriptedOpenAIServer server) =>
        this.Set($"Providers:{name}:Kind", nameof(ModelProviderKind.OpenAICompatible)).Set($"Providers:{name}:Endpoint", server.OpenAIEndpoint.ToString());

    public ModelSettings AzureOpenAI(string name, ScriptedOpenAIServer server) =>
        this.Set($"Providers:{name}:Kind", nameof(ModelProviderKind.AzureOpenAI)).Set($"Providers:{name}:Endpoint", server.BaseAddress.ToString());

    /// <summary>Appends a candidate to the tier (candidates are tried in the order they are added).</summary>
    public ModelSettings Candidate(
        ModelTier tier,
        string provider,
        string model,
        string? deployment = null,
        DataSensitivity maxSensitivity = DataSensitivity.Internal,
        decimal inputPricePerMillion = 0,
        decimal outputPricePerMillion = 0,
        bool structuredOutputs = true)
    {
        string snake = tier.Snake();
        int n = this.candidatesPerTier.TryGetValue(snake, out int count) ? count : 0;
        this.candidatesPerTier[snake] = n + 1;
        string at = $"Tiers:{snake}:{n}:";
        this.Set(at + "Provider", provider).Set(at + "Model", model)
            .Set(at + "MaxSensitivity", maxSensitivity.ToString())
            .Set(at + "InputPricePerMillion", inputPricePerMillion.ToString(CultureInfo.InvariantCulture))
            .Set(at + "OutputPricePerMillion", outputPricePerMillion.ToString(CultureInfo.InvariantCulture))
            .Set(at + "StructuredOutputs", structuredOutputs ? "true" : "false");
        return deployment is null ? this : this.Set(at + "Deployment", deployment);
    }

    /// <summary>Any key under <c>Models:</c>, e.g. <c>Resilience:MaxRetries</c>.</summary>
    public ModelSettings Set(string key, string value)
    {
        this.Values[$"{ModelOptions.Section}:{key}"] = value;
        return this;
    }

    public ModelSettings Set(string key, double value) => this.Set(key, value.ToString(CultureInfo.InvariantCulture));
}

/// <summary>Model calls as the pipeline makes them.</summary>
public static class ModelCalls
{
    public const string Failover = "model.failover";
    public const string OutputRejected = "model.output_rejected";
    public const string Purpose = "summarize_turn";
    public const string SystemPrompt = "You summarise what an agent turn did, for the requester.";

    public static readonly TokenAllotment Ample = new(InputTokens: 8_000, OutputTokens: 2_000, Backoff: false);

    public static SessionMetadata Session(DataSensitivity sensitivity = DataSensitivity.Internal) => new(
        $"router-{Guid.NewGuid():N}",
        "tester@contoso.com",
        "contoso",
        RiskTier.Low,
        sensitivity,
        "samples/repos/billing",
        "router test",
        new BudgetLimits(TurnInputTokens: 20_000, TurnOutputTokens: 4_000, SessionTokens: 100_000, OrgDailyTokens: 1_000_000),
        DateTime.UtcNow);

    /// <summary>The prompt as the router counts it: the messages' text joined by newlines, in o200k tokens.</summary>
    public static int CountPrompt(string prompt) => new TokenCounter().Count($"{SystemPrompt}\n{prompt}");

    public const string DefaultPrompt = "The turn read README.md and drafted a one-line fix in src/Invoice.cs.";

    /// <summary>A small-tier call of turn 1.</summary>
    /// <param name="scope">Prefix of the call's event ids: give each call of one session its own.</param>
    public static ModelRequest Ask(
        SessionMetadata session,
        string prompt = DefaultPrompt,
        int maxOutputTokens = 256,
        TokenAllotment? allotment = null,
        string scope = "t1",
        OutputContract? output = null,
        DataSensitivity? sensitivity = null) =>
        new(Purpose, ModelTier.Small, [new(ChatRole.System, SystemPrompt), new(ChatRole.User, prompt)], maxOutputTokens,
            new ModelCallContext(session, Turn: 1, Revision: 0, scope, allotment ?? Ample))
        {
            Output = output,
            Sensitivity = sensitivity,
        };

    /// <summary>The router's events of one type, in the order it raised them.</summary>
    public static IReadOnlyList<EventDraft> OfEventType(this IEnumerable<EventDraft> events, string type) => [.. events.Where(e => e.Type == type)];
}
