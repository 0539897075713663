using System.Text.Json;
using Agents.Core.Activities;
using Agents.Core.Contracts;
using Agents.Core.LongTermMemory;
using Agents.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Tests.LongTermMemory;

/// <summary>The Retrieve activity on the platform's own services (policy, payloads, event log on Azurite, MiniLM).</summary>
[Collection(MemoryCollection.Name)]
public sealed class RetrieveMemoryActivityTests(MemoryFixture fixture)
{
    IPayloadStore Payloads => fixture.Services.GetRequiredService<IPayloadStore>();

    IEventLog Events => fixture.Services.GetRequiredService<IEventLog>();

    async Task<RetrieveRequest> RequestAsync(string repository = "inventory-service")
    {
        SessionMetadata session = MemoryFixture.Session($"mem-{Guid.NewGuid():N}"[..16], repository);
        PayloadRef input = await this.Payloads.PutTextAsync(session.SessionId, MemoryFixture.Ticket101);
        return new RetrieveRequest(session, 1, input);
    }

    [Fact]
    public async Task ExecuteAsync_Ticket101_PaginationFirstHitsStoredAndEventLogged()
    {
        // Arrange
        var activity = fixture.Services.GetRequiredService<RetrieveMemoryActivity>();
        RetrieveRequest request = await this.RequestAsync();

        // Act
        RetrieveResult result = await activity.ExecuteAsync(request);

        // Assert: hits
        Assert.Null(result.Note);
        Assert.Equal(Math.Min(8, result.Index!.Chunks), result.Hits.Count);
        Assert.Equal("inventory/pagination.py", result.Hits[0].Path);
        Assert.Contains("paginate", result.Hits[0].Preview, StringComparison.Ordinal);
        Assert.All(result.Hits, h => Assert.True(h.Preview.Length <= 241));

        // the full hits are a claim check
        string stored = await this.Payloads.GetTextAsync(request.Session.SessionId, result.HitsRef!);
        using JsonDocument json = JsonDocument.Parse(stored);
        JsonElement first = json.RootElement.GetProperty("hits")[0];
        Assert.Equal("inventory/pagination.py", first.GetProperty("path").GetString());
        Assert.Contains("def paginate", first.GetProperty("text").GetString(), StringComparison.Ordinal);

        // the event
        AgentEvent logged = Assert.Single(await this.Events.ReadAsync(request.Session.SessionId), e => e.Type == EventTypes.MemoryRetrieved);
        Assert.Equal(RetrieveMemoryActivity.EventId(request.Session.SessionId, 1), logged.Id);
        Assert.Equal($"s-{request.Session.SessionId}:t-1/retrieve", logged.Id);
        Assert.Equal(result.LatencyMs, logged.LatencyMs);
        Assert.StartsWith("inventory/pagination.py:", logged.Outputs!["1"], StringComparison.Ordinal);
        Assert.Equal("blob", logged.Inputs!["store"]);
        Assert.Contains(result.HitsRef!, logged.Refs!);
    }

    [Fact]
    public async Task ExecuteAsync_SessionPastTheBudgetBackoff_FewerChunks()
    {
        // Arrange
        var activity = fixture.Services.GetRequiredService<RetrieveMemoryActivity>();
        RetrieveRequest request = await this.RequestAsync() with { Backoff = true };

        // Act
        RetrieveResult result = await activity.ExecuteAsync(request);

        // Assert: DegradedTopK (3) instead of TopK (8), and the event says why
        Assert.Equal(3, result.Hits.Count);
        Assert.Equal("inventory/pagination.py", result.Hits[0].Path);
        AgentEvent logged = Assert.Single(await this.Events.ReadAsync(request.Session.SessionId), e => e.Type == EventTypes.MemoryRetrieved);
        Assert.Equal(("3", "true"), (logged.Inputs!["k"], logged.Inputs["backoff"]));
        Assert.Equal(3, logged.Outputs!.Count);
    }

    [Fact]
    public async Task ExecuteAsync_ForbiddenAndPiiFiles_NeverInTheIndexNorTheHits()
    {
        // Arrange
        var activity = fixture.Services.GetRequiredService<RetrieveMemoryActivity>();
        RetrieveRequest request = await this.RequestAsync() with { K = 50 };

        // Act
        RetrieveResult result = await activity.ExecuteAsync(request);

        // Assert
        var index = (BlobMemoryIndex)fixture.Services.GetRequiredService<IMemoryIndex>();
        VectorIndex stored = (await index.LoadAsync("inventory-service"))!;
        string[] paths = stored.Files.Select(f => f.Path).ToArray();
        Assert.Contains("inventory/pagination.py", paths);
        Assert.DoesNotContain(".env.example", paths);
        Assert.DoesNotContain("data/customers.csv", paths);
        Assert.DoesNotContain(stored.Chunks, c => c.Text.Contains("avery.quinn@example.com", StringComparison.Ordinal) || c.Text.Contains("INVENTORY_DB_PASSWORD", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Hits, h => h.Path is ".env.example" or "data/customers.csv");
    }

    [Fact]
    public async Task ExecuteAsync_Retried_IndexUnchangedAndEventAppendedOnce()
    {
        // Arrange
        var activity = fixture.Services.GetRequiredService<RetrieveMemoryActivity>();
        RetrieveRequest request = await this.RequestAsync();
        await activity.ExecuteAsync(request);

        // Act
        RetrieveResult again = await activity.ExecuteAsync(request);

        // Assert
        Assert.NotNull(again.Index);
        Assert.True(again.Index.NothingChanged);
        Assert.False(again.Index.Written);
        Assert.Equal(0, again.Index.ChunksEmbedded);
        Assert.Single(await this.Events.ReadAsync(request.Session.SessionId), e => e.Type == EventTypes.MemoryRetrieved);
    }

    [Fact]
    public async Task ExecuteAsync_IndexCannotBeBuilt_EmptyResultWithANoteInsteadOfAFailure()
    {
        // Arrange
        RetrieveMemoryActivity activity = ActivatorUtilities.CreateInstance<RetrieveMemoryActivity>(fixture.Services, new BrokenIndex());
        RetrieveRequest request = await this.RequestAsync();

        // Act
        RetrieveResult result = await activity.ExecuteAsync(request);

        // Assert
        Assert.Empty(result.Hits);
        Assert.Contains("could not be built or searched", result.Note, StringComparison.Ordinal);
        Assert.Contains("storage is down", result.Note, StringComparison.Ordinal);
        AgentEvent logged = Assert.Single(await this.Events.ReadAsync(request.Session.SessionId), e => e.Type == EventTypes.MemoryRetrieved);
        Assert.Equal("unavailable", logged.Decision);
    }

    [Fact]
    public async Task ExecuteAsync_UnknownRepository_EmptyResultWithANote()
    {
        var activity = fixture.Services.GetRequiredService<RetrieveMemoryActivity>();
        RetrieveRequest request = await this.RequestAsync("no-such-repo");

        RetrieveResult result = await activity.ExecuteAsync(request);

        Assert.Empty(result.Hits);
        Assert.Contains("not in the workspace", result.Note, StringComparison.Ordinal);
    }

    sealed class BrokenIndex : IMemoryIndex
    {
        public string Store => "broken";

        public Task<IndexReport> IndexAsync(string repository, IReadOnlyList<SourceFile> files, CancellationToken cancellationToken = default) =>
            throw new MemoryUnavailableException("storage is down");

        public Task<IReadOnlyList<MemoryHit>> SearchAsync(string repository, string query, int k, Func<string, bool>? mayRead = null, CancellationToken cancellationToken = default) =>
            throw new MemoryUnavailableException("storage is down");
    }
}
