using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.LongTermMemory;
using Agents.Core.Storage;
using Agents.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.LongTermMemory;

/// <summary>One MiniLM encoder for the whole test run: loading it takes ~0.5 s.</summary>
public static class SharedEmbedder
{
    static readonly Lazy<MiniLmEmbedder> Lazy = new(() => new MiniLmEmbedder());

    public static MiniLmEmbedder Instance => Lazy.Value;
}

/// <summary>Counts the texts that reach the real model, so a test can tell what was re-embedded.</summary>
public sealed class CountingEmbedder(IEmbedder inner) : IEmbedder
{
    int texts;
    int calls;

    public int Texts => this.texts;

    public int Calls => this.calls;

    /// <summary>Runs once, inside the next call, before the texts are embedded (to interleave another writer).</summary>
    public Func<Task>? BeforeNextEmbed { get; set; }

    public string Model => inner.Model;

    public int Dimensions => inner.Dimensions;

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        if (this.BeforeNextEmbed is { } hook && texts.Count > 0)
        {
            this.BeforeNextEmbed = null;
            await hook();
        }

        Interlocked.Add(ref this.texts, texts.Count);
        Interlocked.Increment(ref this.calls);
        return await inner.EmbedAsync(texts, cancellationToken);
    }

    public void Reset()
    {
        this.texts = 0;
        this.calls = 0;
    }
}

/// <summary>A private Azurite and the platform's services (no durable engine: the activity is called directly).</summary>
public sealed class MemoryFixture : IAsyncLifetime
{
    TestEnvironment? environment;
    ServiceProvider? services;

    public IServiceProvider Services => this.services!;

    public AzuriteServer Azurite => this.environment!.Azurite;

    public BlobContainers Containers => this.Services.GetRequiredService<BlobContainers>();

    public async Task InitializeAsync()
    {
        this.environment = await TestEnvironment.StartAsync();
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(this.environment.Settings()).Build();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton(configuration);
        collection.AddSingleton<IEmbedder>(SharedEmbedder.Instance);
        collection.AddAgentPlatform(configuration);
        this.services = collection.BuildServiceProvider();
    }

    /// <summary>A Blob index of its own (own cache), as another host would have, on the fixture's storage.</summary>
    public BlobMemoryIndex NewBlobIndex(IEmbedder? embedder = null, MemoryOptions? options = null) =>
        new(this.Containers, embedder ?? SharedEmbedder.Instance, Options.Create(options ?? new MemoryOptions()), NullLogger<BlobMemoryIndex>.Instance);

    public static SessionMetadata Session(string sessionId, string repository = "inventory-service") => new(
        sessionId, "dana", "contoso", RiskTier.Medium, DataSensitivity.Internal, repository, null,
        new BudgetLimits(8_000, 2_000, 40_000, 1_000_000), DateTime.UtcNow)
    {
        Roles = ["developer"],
    };

    public static string SampleRepository => Path.Combine(RepositoryPaths.Root, "samples", "repos", "inventory-service");

    public static string Ticket101 => File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "tickets", "TICKET-101.md"));

    public async Task DisposeAsync()
    {
        if (this.services is not null)
        {
            await this.services.DisposeAsync();
        }

        if (this.environment is not null)
        {
            await this.environment.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class MemoryCollection : ICollectionFixture<MemoryFixture>
{
    public const string Name = "memory";
}
