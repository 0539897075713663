using System.Text.Json.Nodes;
using Agents.Core.Hosting;
using Agents.Core.LongTermMemory;
using Azure.Core;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.LongTermMemory;

/// <summary>
/// The Cosmos DB memory at its seam: the real CosmosClient (Gateway mode) talks HTTP to <see cref="FakeCosmosGateway"/>,
/// which records what it sends. No Cosmos DB account or emulator runs here: these tests check the container definition,
/// the queries and their parameters, the items and the error messages, not what a live account would answer.
/// </summary>
public sealed class CosmosMemoryIndexTests
{
    const string Repository = "inventory-service";

    static readonly SourceFile Pagination = RepositoryCorpus.FromText("src/pagination.py", "def paginate(items, page, page_size=20):\n    start = page * page_size\n    return items[start:start + page_size]\n");
    static readonly SourceFile Stock = RepositoryCorpus.FromText("src/stock.py", "class Stock:\n    def reserve(self, sku, quantity):\n        return quantity <= self.available(sku)\n");

    sealed class StaticCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => new("entra-token-for-tests", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(this.GetToken(requestContext, cancellationToken));
    }

    static (CosmosMemoryIndex Index, CosmosClient Client) Create(FakeCosmosGateway gateway, MemoryOptions? options = null, IEmbedder? embedder = null)
    {
        CosmosClientOptions clientOptions = CosmosMemoryIndex.ClientOptions();
        clientOptions.ConnectionMode = ConnectionMode.Gateway;
        clientOptions.LimitToEndpoint = true;
        clientOptions.HttpClientFactory = () => new HttpClient(gateway, disposeHandler: false);
        var client = new CosmosClient(FakeCosmosGateway.Endpoint, new StaticCredential(), clientOptions);
        var index = new CosmosMemoryIndex(client, embedder ?? SharedEmbedder.Instance, Options.Create(options ?? new MemoryOptions { Provider = MemoryProvider.Cosmos }), NullLogger<CosmosMemoryIndex>.Instance);
        return (index, client);
    }

    static JsonObject Body(FakeCosmosGateway.RecordedRequest request) => JsonNode.Parse(request.Body)!.AsObject();

    /// <summary>The queries as the memory wrote them: the query-plan request carries the original text and parameters.</summary>
    static IEnumerable<JsonObject> QueriesAsWritten(FakeCosmosGateway gateway) =>
        gateway.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/docs", StringComparison.Ordinal) && (r.Headers.ContainsKey("x-ms-documentdb-isquery") || r.Headers.ContainsKey("x-ms-cosmos-is-query-plan-request")))
            .Select(Body)
            .Where(b => b["query"]!.GetValue<string>() is CosmosMemoryModel.SearchText or CosmosMemoryModel.StateText)
            .DistinctBy(b => b.ToJsonString());

    static IEnumerable<FakeCosmosGateway.RecordedRequest> Queries(FakeCosmosGateway gateway) =>
        gateway.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/docs", StringComparison.Ordinal) && r.Headers.ContainsKey("x-ms-documentdb-isquery") && !r.Headers.ContainsKey("x-ms-cosmos-is-query-plan-request"));

    static IEnumerable<FakeCosmosGateway.RecordedRequest> Upserts(FakeCosmosGateway gateway) =>
        gateway.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/docs", StringComparison.Ordinal) && !r.Headers.ContainsKey("x-ms-documentdb-isquery") && !r.Headers.ContainsKey("x-ms-cosmos-is-query-plan-request"));

    [Fact]
    public void ContainerProperties_MemoryContainer_VectorPolicyAndQuantizedFlatIndexOnEmbedding()
    {
        // Act
        ContainerProperties properties = CosmosMemoryModel.ContainerProperties("memory", 384);

        // Assert
        Assert.Equal("/scope", properties.PartitionKeyPath);
        Embedding embedding = Assert.Single(properties.VectorEmbeddingPolicy.Embeddings);
        Assert.Equal(("/embedding", VectorDataType.Float32, 384, DistanceFunction.Cosine), (embedding.Path, embedding.DataType, embedding.Dimensions, embedding.DistanceFunction));
        VectorIndexPath vectorIndex = Assert.Single(properties.IndexingPolicy.VectorIndexes);
        Assert.Equal(("/embedding", VectorIndexType.QuantizedFlat), (vectorIndex.Path, vectorIndex.Type));
        Assert.Contains(properties.IndexingPolicy.ExcludedPaths, p => p.Path == "/embedding/*");
        Assert.Null(CosmosMemoryModel.Mismatch(properties, 384));
        Assert.Contains("384", CosmosMemoryModel.Mismatch(properties, 768), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IndexAsync_CreateContainerSet_SendsTheVectorPolicyAndUpsertsOneItemPerChunk()
    {
        // Arrange
        var gateway = new FakeCosmosGateway { ContainerExists = false };
        (CosmosMemoryIndex index, CosmosClient client) = Create(gateway, new MemoryOptions { Provider = MemoryProvider.Cosmos, CreateCosmosContainer = true });
        using CosmosClient _ = client;

        // Act
        IndexReport report = await index.IndexAsync(Repository, [Pagination, Stock]);

        // Assert: the container definition on the wire
        JsonObject container = Body(Assert.Single(gateway.Requests, r => r.Method == "POST" && r.Path == "/dbs/agents/colls"));
        Assert.Equal("memory", container["id"]!.GetValue<string>());
        Assert.Equal("/scope", container["partitionKey"]!["paths"]![0]!.GetValue<string>());
        JsonNode policy = container["vectorEmbeddingPolicy"]!["vectorEmbeddings"]![0]!;
        Assert.Equal(("/embedding", "float32", 384, "cosine"), (policy["path"]!.GetValue<string>(), policy["dataType"]!.GetValue<string>(), policy["dimensions"]!.GetValue<int>(), policy["distanceFunction"]!.GetValue<string>()));
        JsonNode vectorIndex = container["indexingPolicy"]!["vectorIndexes"]![0]!;
        Assert.Equal(("/embedding", "quantizedFlat"), (vectorIndex["path"]!.GetValue<string>(), vectorIndex["type"]!.GetValue<string>()));

        // the items: one per chunk, in the repository's partition, with path, lines, hash and a 384-d unit vector
        var upserts = Upserts(gateway).ToList();
        Assert.Equal(2, upserts.Count);
        Assert.Equal((2, 0, 2, 2), (report.Added, report.Unchanged, report.Chunks, report.ChunksEmbedded));
        Assert.All(upserts, u =>
        {
            Assert.Equal("[\"inventory-service\"]", u.Headers["x-ms-documentdb-partitionkey"]);
            Assert.Equal("True", u.Headers["x-ms-documentdb-is-upsert"], ignoreCase: true);
            Assert.Contains("type=aad", Uri.UnescapeDataString(u.Headers["authorization"]), StringComparison.Ordinal);
        });
        JsonObject item = upserts.Select(Body).Single(b => b["path"]!.GetValue<string>() == "src/pagination.py");
        Assert.Equal(CosmosMemoryModel.ItemId("src/pagination.py", 0), item["id"]!.GetValue<string>());
        Assert.Equal((Repository, 1, 3, Pagination.Sha256), (item["scope"]!.GetValue<string>(), item["startLine"]!.GetValue<int>(), item["endLine"]!.GetValue<int>(), item["fileHash"]!.GetValue<string>()));
        float[] vector = item["embedding"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
        Assert.Equal(384, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => (double)v * v)), 3);
    }

    [Fact]
    public async Task SearchAsync_Question_VectorDistanceQueryWithTheQueryVectorInThePartition()
    {
        // Arrange
        var gateway = new FakeCosmosGateway();
        gateway.SearchRows.Add(JsonNode.Parse("""{"path":"src/pagination.py","startLine":1,"endLine":3,"text":"def paginate(items, page, page_size=20):","score":0.71}""")!.AsObject());
        gateway.SearchRows.Add(JsonNode.Parse("""{"path":"src/stock.py","startLine":1,"endLine":3,"text":"class Stock:","score":0.22}""")!.AsObject());
        (CosmosMemoryIndex index, CosmosClient client) = Create(gateway);
        using CosmosClient _ = client;

        // Act
        IReadOnlyList<MemoryHit> hits = await index.SearchAsync(Repository, "page through the items", 8);

        // Assert: what was asked (the client then runs the gateway's rewritten form of it per partition range)
        JsonObject query = Assert.Single(QueriesAsWritten(gateway));
        Assert.Equal(CosmosMemoryModel.SearchText, query["query"]!.GetValue<string>());
        Assert.Equal("[\"inventory-service\"]", Assert.Single(Queries(gateway)).Headers["x-ms-documentdb-partitionkey"]);
        Assert.Contains("ORDER BY VectorDistance(c.embedding, @v)", CosmosMemoryModel.SearchText, StringComparison.Ordinal);
        var parameters = query["parameters"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["value"]!);
        Assert.Equal(8, parameters["@k"].GetValue<int>());
        Assert.Equal(Repository, parameters["@scope"].GetValue<string>());
        float[] expected = (await SharedEmbedder.Instance.EmbedAsync(["page through the items"]))[0];
        float[] sent = parameters["@v"].AsArray().Select(v => v!.GetValue<float>()).ToArray();
        Assert.Equal(expected, sent);

        // what came back, best first
        Assert.Equal(["src/pagination.py:1-3 (0.710)", "src/stock.py:1-3 (0.220)"], hits.Select(h => h.ToString()));
    }

    [Fact]
    public async Task SearchAsync_CallerMayNotReadAFile_ItsRowsWithheldAndMoreAskedFor()
    {
        // Arrange
        var gateway = new FakeCosmosGateway();
        gateway.SearchRows.Add(JsonNode.Parse("""{"path":".env","startLine":1,"endLine":2,"text":"SECRET=1","score":0.9}""")!.AsObject());
        gateway.SearchRows.Add(JsonNode.Parse("""{"path":"src/pagination.py","startLine":1,"endLine":3,"text":"def paginate","score":0.7}""")!.AsObject());
        (CosmosMemoryIndex index, CosmosClient client) = Create(gateway);
        using CosmosClient _ = client;

        // Act
        IReadOnlyList<MemoryHit> hits = await index.SearchAsync(Repository, "settings", 2, path => path != ".env");

        // Assert
        Assert.Equal(["src/pagination.py"], hits.Select(h => h.Path));
        JsonObject query = Assert.Single(QueriesAsWritten(gateway));
        Assert.Equal(6, query["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "@k")!["value"]!.GetValue<int>());
    }

    [Fact]
    public async Task IndexAsync_StoredState_UnchangedFileSkippedChangedReembeddedDeletedDropped()
    {
        // Arrange: the container holds the current pagination.py, an old stock.py, and a file since deleted
        var gateway = new FakeCosmosGateway();
        var counting = new CountingEmbedder(SharedEmbedder.Instance);
        (CosmosMemoryIndex index, CosmosClient client) = Create(gateway, embedder: counting);
        using CosmosClient _ = client;
        string fingerprint = new IncrementalIndexer(counting, new MemoryOptions().Chunking).Fingerprint;
        gateway.StateRows.Add(State(CosmosMemoryModel.ItemId(Pagination.Path, 0), Pagination.Path, Pagination.Sha256, fingerprint));
        gateway.StateRows.Add(State(CosmosMemoryModel.ItemId(Stock.Path, 0), Stock.Path, "old-hash", fingerprint));
        gateway.StateRows.Add(State(CosmosMemoryModel.ItemId("src/gone.py", 0), "src/gone.py", "gone-hash", fingerprint));

        // Act
        IndexReport report = await index.IndexAsync(Repository, [Pagination, Stock]);

        // Assert
        Assert.Equal((1, 1, 0, 1, 1), (report.Unchanged, report.Changed, report.Added, report.Removed, report.ChunksEmbedded));
        Assert.Equal(1, counting.Texts);
        Assert.Equal(["src/stock.py"], Upserts(gateway).Select(u => Body(u)["path"]!.GetValue<string>()));
        FakeCosmosGateway.RecordedRequest delete = Assert.Single(gateway.Requests, r => r.Method == "DELETE");
        Assert.EndsWith("/docs/" + CosmosMemoryModel.ItemId("src/gone.py", 0), delete.Path, StringComparison.Ordinal);
        JsonObject state = Assert.Single(QueriesAsWritten(gateway));
        Assert.Equal(CosmosMemoryModel.StateText, state["query"]!.GetValue<string>());
        Assert.Equal(Repository, state["parameters"]![0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task SearchAsync_ContainerNotProvisioned_UnavailableNamingWhatToFix()
    {
        var gateway = new FakeCosmosGateway { ContainerExists = false };
        (CosmosMemoryIndex index, CosmosClient client) = Create(gateway);
        using CosmosClient _ = client;

        MemoryUnavailableException e = await Assert.ThrowsAsync<MemoryUnavailableException>(() => index.SearchAsync(Repository, "anything", 3));

        Assert.Contains("agents/memory", e.Message, StringComparison.Ordinal);
        Assert.Contains("infra/app/data.bicep", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchAsync_ContainerWithoutVectorPolicy_UnavailableBeforeAnyQuery()
    {
        var gateway = new FakeCosmosGateway { VectorPolicy = null };
        (CosmosMemoryIndex index, CosmosClient client) = Create(gateway);
        using CosmosClient _ = client;

        MemoryUnavailableException e = await Assert.ThrowsAsync<MemoryUnavailableException>(() => index.SearchAsync(Repository, "anything", 3));

        Assert.Contains("no vector embedding policy on /embedding", e.Message, StringComparison.Ordinal);
        Assert.Empty(Queries(gateway));
    }

    [Fact]
    public void AddAgentPlatform_ProviderCosmos_SelectsTheCosmosIndexOnTheEndpoint()
    {
        // Arrange
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Memory:Provider"] = "cosmos",
            ["Memory:CosmosEndpoint"] = FakeCosmosGateway.Endpoint,
        }).Build();
        using ServiceProvider services = new ServiceCollection().AddLogging().AddAgentPlatform(configuration).BuildServiceProvider();

        // Act
        IMemoryIndex index = services.GetRequiredService<IMemoryIndex>();

        // Assert
        Assert.IsType<CosmosMemoryIndex>(index);
        Assert.Equal("cosmos", index.Store);
    }

    [Fact]
    public void AddAgentPlatform_ProviderCosmosWithoutEndpoint_RefusedAtStartSayingWhichSetting()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Memory:Provider"] = "Cosmos",
        }).Build();
        using ServiceProvider services = new ServiceCollection().AddLogging().AddAgentPlatform(configuration).BuildServiceProvider();

        OptionsValidationException e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<MemoryOptions>>().Value);

        Assert.Contains("Memory:CosmosEndpoint", e.Message, StringComparison.Ordinal);
    }

    static JsonObject State(string id, string path, string hash, string fingerprint) =>
        new() { ["id"] = id, ["path"] = path, ["fileHash"] = hash, ["chunks"] = 1, ["fingerprint"] = fingerprint };
}
