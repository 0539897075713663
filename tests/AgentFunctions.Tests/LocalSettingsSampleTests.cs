using System.Reflection;
using System.Text.Json;
using Agents.Core.Browser;
using Agents.Core.Budgets;
using Agents.Core.Credentials;
using Agents.Core.Publishing;
using Agents.Core.Hosting;
using Agents.Core.Load;
using Agents.Core.LongTermMemory;
using Agents.Core.Policy;
using Agents.Core.Redaction;
using Agents.Core.Telemetry;
using Agents.Core.Sandbox;
using Agents.Core.Slack;
using Agents.Core.Models;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Core.Streaming;
using Agents.Core.Tools;
using Agents.Edge;
using Agents.Edge.Auth;
using Agents.Edge.RateLimits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests;

/// <summary>local.settings.sample.json names every setting the app reads, and its values make a valid local app.</summary>
public class LocalSettingsSampleTests
{
    static readonly (string Section, Type Options)[] OptionsClasses =
    [
        (AgentOptions.Section, typeof(AgentOptions)),
        (StorageOptions.Section, typeof(StorageOptions)),
        (ModelOptions.Section, typeof(ModelOptions)),
        (WorkspaceOptions.Section, typeof(WorkspaceOptions)),
        (BudgetOptions.Section, typeof(BudgetOptions)),
        (LoadOptions.Section, typeof(LoadOptions)),
        (PolicyOptions.Section, typeof(PolicyOptions)),
        (SandboxOptions.Section, typeof(SandboxOptions)),
        (SlackOptions.Section, typeof(SlackOptions)),
        (EventStreamOptions.Section, typeof(EventStreamOptions)),
        (BrowserOptions.Section, typeof(BrowserOptions)),
        (AuthOptions.Section, typeof(AuthOptions)),
        (DevIssuerOptions.Section, typeof(DevIssuerOptions)),
        (RateLimitOptions.Section, typeof(RateLimitOptions)),
        (MemoryOptions.Section, typeof(MemoryOptions)),
        (CredentialOptions.Section, typeof(CredentialOptions)),
        (KeyVaultOptions.Section, typeof(KeyVaultOptions)),
        (PublishingOptions.Section, typeof(PublishingOptions)),
        (TelemetryOptions.Section, typeof(TelemetryOptions)),
        (RedactionOptions.Section, typeof(RedactionOptions)),
    ];

    [Fact]
    public void Sample_OptionsProperties_EachHasASetting()
    {
        // Arrange
        IReadOnlyDictionary<string, string> values = SampleValues();

        // Act
        string[] missing = OptionsClasses
            .SelectMany(o => o.Options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanWrite)
                .Select(p => $"{o.Section.Replace(":", "__", StringComparison.Ordinal)}__{p.Name}"))
            .Where(key => !values.Keys.Any(k => k == key || k.StartsWith(key + "__", StringComparison.Ordinal)))
            .ToArray();

        // Assert
        Assert.True(missing.Length == 0, $"local.settings.sample.json has no value for: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Sample_Values_BindToValidOptionsWithTheDefaults()
    {
        // Arrange
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(SampleValues().Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)))
            .Build();
        using ServiceProvider services = new ServiceCollection().AddLogging().AddAgentPlatform(configuration).BuildServiceProvider();

        // Act
        AgentOptions agent = services.GetRequiredService<IOptions<AgentOptions>>().Value;
        StorageOptions storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        ModelOptions models = services.GetRequiredService<IOptions<ModelOptions>>().Value;
        WorkspaceOptions workspace = services.GetRequiredService<IOptions<WorkspaceOptions>>().Value;

        // Assert
        Assert.Equivalent(new AgentOptions(), agent);
        Assert.Equal("UseDevelopmentStorage=true", storage.ConnectionString);
        Assert.Null(storage.BlobServiceUri);
        ProviderOptions offline = Assert.Single(models.EffectiveProviders).Value;
        Assert.Equal(ModelProviderKind.Offline, offline.Kind);
        Assert.Equal([ModelOptions.DefaultRecordings], offline.Recordings);
        Assert.True(string.IsNullOrEmpty(offline.ApiKey), "the sample must not carry an API key");
        Assert.Null(offline.Endpoint);
        foreach (ModelTier tier in Enum.GetValues<ModelTier>())
        {
            Assert.Equivalent(new ModelOptions().CandidatesFor(tier), models.CandidatesFor(tier));
        }

        Assert.Equivalent(new ResilienceSettings(), models.Resilience);
        Assert.Equivalent(new BudgetOptions().Defaults, services.GetRequiredService<IOptions<BudgetOptions>>().Value.Defaults);
        Assert.Equivalent(new LoadOptions(), services.GetRequiredService<IOptions<LoadOptions>>().Value);
        Assert.Equivalent(new WorkspaceOptions { Environments = { ["inventory-service"] = "stage" } }, workspace);
        Assert.Equal("policies/pr-prep.yaml", services.GetRequiredService<IOptions<PolicyOptions>>().Value.Path);
        CredentialOptions credentials = services.GetRequiredService<IOptions<CredentialOptions>>().Value;
        Assert.Equal(300, credentials.LifetimeSeconds);
        Assert.True(string.IsNullOrEmpty(credentials.SigningKey), "the sample must not carry a signing key");
        Assert.IsType<SettingsSecretStore>(services.GetRequiredService<ISecretStore>());
        Assert.Equal(PublishingProvider.Local, services.GetRequiredService<IOptions<PublishingOptions>>().Value.Provider);
        Assert.Equivalent(new MemoryOptions { Provider = MemoryProvider.Blob, ManagedIdentityClientId = string.Empty }, services.GetRequiredService<IOptions<MemoryOptions>>().Value);
        Assert.IsType<BlobMemoryIndex>(services.GetRequiredService<IMemoryIndex>());
        EventStreamOptions stream = services.GetRequiredService<IOptions<EventStreamOptions>>().Value;
        Assert.False(stream.IsEnabled, "the event stream is off locally: no Service Bus runs here");
        Assert.Equivalent(new EventStreamOptions { FullyQualifiedNamespace = "", ManagedIdentityClientId = "", Types = [.. EventStreamOptions.DefaultTypes] }, stream);
    }

    [Fact]
    public void Sample_EdgeSettings_BindToTheDefaultsAndTrustALocalIssuerOnly()
    {
        // Arrange
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(SampleValues().Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)))
            .Build();
        using ServiceProvider services = new ServiceCollection().AddLogging().AddAgentEdge(configuration).BuildServiceProvider();

        // Act
        AuthOptions auth = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        RateLimitOptions limits = services.GetRequiredService<IOptions<RateLimitOptions>>().Value;

        // Assert
        Assert.Equivalent(new AuthOptions { Authority = auth.Authority, MetadataAddress = auth.MetadataAddress, RequireHttpsMetadata = false }, auth);
        Assert.True(string.IsNullOrEmpty(auth.MetadataAddress));
        Assert.StartsWith("http://127.0.0.1:", auth.Authority);
        Assert.Equivalent(new RateLimitOptions(), limits);
        Assert.False(services.GetRequiredService<IOptions<DevIssuerOptions>>().Value.Enabled);
    }

    [Fact]
    public void Sample_FunctionsSettings_AreLocal()
    {
        // Arrange
        IReadOnlyDictionary<string, string> values = SampleValues();

        // Act
        values.TryGetValue("AzureWebJobsStorage", out string? storage);
        values.TryGetValue("FUNCTIONS_WORKER_RUNTIME", out string? runtime);

        // Assert
        Assert.Equal("UseDevelopmentStorage=true", storage);
        Assert.Equal("dotnet-isolated", runtime);
    }

    static IReadOnlyDictionary<string, string> SampleValues()
    {
        string path = Path.Combine(RepositoryPaths.Root, "local.settings.sample.json");
        Assert.True(File.Exists(path), $"{path} is missing");
        using JsonDocument sample = JsonDocument.Parse(File.ReadAllText(path));
        Assert.False(sample.RootElement.GetProperty("IsEncrypted").GetBoolean());
        return sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }
}
