using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Core;
using Azure.Identity;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.LongTermMemory;

/// <summary>
/// A chunk as stored in the Cosmos DB memory container: one item per chunk, partitioned by <c>scope</c> (the
/// repository). <c>chunk</c>/<c>chunks</c> and <c>fingerprint</c> make the incremental re-index safe: a file counts as
/// unchanged only when all its chunks are there with its current hash and the current model and chunking.
/// </summary>
public sealed record CosmosMemoryItem(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("startLine")] int StartLine,
    [property: JsonPropertyName("endLine")] int EndLine,
    [property: JsonPropertyName("fileHash")] string FileHash,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("embedding")] float[] Embedding)
{
    [JsonPropertyName("chunk")]
    public int Chunk { get; init; }

    [JsonPropertyName("chunks")]
    public int Chunks { get; init; }

    [JsonPropertyName("fingerprint")]
    public string Fingerprint { get; init; } = string.Empty;
}

/// <summary>What the incremental re-index reads of each stored chunk (no text, no vector).</summary>
public sealed record CosmosChunkState(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("fileHash")] string FileHash,
    [property: JsonPropertyName("chunks")] int Chunks,
    [property: JsonPropertyName("fingerprint")] string? Fingerprint);

/// <summary>A row of the vector query.</summary>
public sealed record CosmosSearchRow(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("startLine")] int StartLine,
    [property: JsonPropertyName("endLine")] int EndLine,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("score")] double Score);

/// <summary>The container definition and the queries of the Cosmos DB memory, kept apart so they can be checked without an account.</summary>
public static class CosmosMemoryModel
{
    public const string PartitionKeyPath = "/scope";
    public const string EmbeddingPath = "/embedding";

    public const string SearchText =
        "SELECT TOP @k c.path, c.startLine, c.endLine, c.text, VectorDistance(c.embedding, @v) AS score FROM c WHERE c.scope = @scope ORDER BY VectorDistance(c.embedding, @v)";

    public const string StateText =
        "SELECT c.id, c.path, c.fileHash, c.chunks, c.fingerprint FROM c WHERE c.scope = @scope";

    /// <summary>The serializer for items and query parameters (System.Text.Json, property names as declared).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The nearest chunks of a repository: cosine similarity (higher is closer), best first.</summary>
    public static QueryDefinition Search(string scope, float[] vector, int k) =>
        new QueryDefinition(SearchText)
            .WithParameter("@k", k)
            .WithParameter("@v", vector)
            .WithParameter("@scope", scope);

    public static QueryDefinition State(string scope) => new QueryDefinition(StateText).WithParameter("@scope", scope);

    /// <summary>
    /// The memory container as infra/app/data.bicep provisions it: partition key <c>/scope</c>, a float32 cosine
    /// vector embedding policy on <c>/embedding</c> and a quantizedFlat vector index; the vector is excluded from the
    /// range index. Created from here only with <see cref="MemoryOptions.CreateCosmosContainer"/>.
    /// </summary>
    public static ContainerProperties ContainerProperties(string name, int dimensions)
    {
        var properties = new ContainerProperties(name, PartitionKeyPath)
        {
            VectorEmbeddingPolicy = new VectorEmbeddingPolicy(new Collection<Embedding>
            {
                new()
                {
                    Path = EmbeddingPath,
                    DataType = VectorDataType.Float32,
                    Dimensions = dimensions,
                    DistanceFunction = DistanceFunction.Cosine,
                },
            }),
        };
        properties.IndexingPolicy.IndexingMode = IndexingMode.Consistent;
        properties.IndexingPolicy.Automatic = true;
        properties.IndexingPolicy.IncludedPaths.Add(new IncludedPath { Path = "/*" });
        properties.IndexingPolicy.ExcludedPaths.Add(new ExcludedPath { Path = "/\"_etag\"/?" });
        properties.IndexingPolicy.ExcludedPaths.Add(new ExcludedPath { Path = EmbeddingPath + "/*" });
        properties.IndexingPolicy.VectorIndexes.Add(new VectorIndexPath { Path = EmbeddingPath, Type = VectorIndexType.QuantizedFlat });
        return properties;
    }

    /// <summary>Why an existing container cannot serve as the memory, or null when it can.</summary>
    public static string? Mismatch(ContainerProperties properties, int dimensions)
    {
        if (properties.PartitionKeyPath != PartitionKeyPath)
        {
            return $"its partition key is {properties.PartitionKeyPath}, not {PartitionKeyPath}";
        }

        Embedding? embedding = properties.VectorEmbeddingPolicy?.Embeddings?.FirstOrDefault(e => e.Path == EmbeddingPath);
        if (embedding is null)
        {
            return $"it has no vector embedding policy on {EmbeddingPath}";
        }

        if (embedding.Dimensions != dimensions || embedding.DataType != VectorDataType.Float32 || embedding.DistanceFunction != DistanceFunction.Cosine)
        {
            return $"its vector policy is {embedding.DataType} {embedding.Dimensions} dimensions {embedding.DistanceFunction}, not float32 {dimensions} cosine";
        }

        return null;
    }

    /// <summary>Deterministic item ids: 32 hex characters of the path's hash, then the chunk number (ids may not hold '/').</summary>
    public static string ItemId(string path, int chunk) =>
        $"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..32]}-{chunk:D5}";
}

/// <summary>
/// The memory in Azure: Cosmos DB for NoSQL vector search (Microsoft.Azure.Cosmos) on the container
/// infra/app/data.bicep provisions, reached with the app's managed identity (Entra ID; the account has local auth off).
/// One item per chunk (<see cref="CosmosMemoryItem"/>), deterministic ids, so a retried or concurrent re-index converges.
/// Search is one query ordered by <c>VectorDistance</c> within the repository's partition.
/// <para>
/// No Cosmos DB emulator runs on the development machines: this class is exercised by tests at the seam only (the
/// queries, parameters, item shape and container definition it sends, against a recording HTTP handler, and its error
/// handling), never against a live account there.
/// </para>
/// </summary>
public sealed class CosmosMemoryIndex : IMemoryIndex, IDisposable
{
    const int WriteParallelism = 8;
    readonly CosmosClient client;
    readonly bool ownsClient;
    readonly IEmbedder embedder;
    readonly MemoryOptions options;
    readonly IncrementalIndexer indexer;
    readonly ILogger logger;
    readonly SemaphoreSlim readyGate = new(1, 1);
    Container? container;

    /// <summary>Production: a client on <see cref="MemoryOptions.CosmosEndpoint"/> with the managed identity.</summary>
    public CosmosMemoryIndex(IEmbedder embedder, IOptions<MemoryOptions> options, ILogger<CosmosMemoryIndex> logger)
        : this(CreateClient(options.Value), embedder, options, logger, ownsClient: true)
    {
    }

    /// <summary>With a given client (tests point one at a recording HTTP handler).</summary>
    public CosmosMemoryIndex(CosmosClient client, IEmbedder embedder, IOptions<MemoryOptions> options, ILogger<CosmosMemoryIndex> logger, bool ownsClient = false)
    {
        this.client = client;
        this.ownsClient = ownsClient;
        this.embedder = embedder;
        this.options = options.Value;
        this.indexer = new IncrementalIndexer(embedder, this.options.Chunking);
        this.logger = logger;
    }

    public string Store => "cosmos";

    /// <summary>The client options the platform uses: System.Text.Json for items and parameters, a clear application name.</summary>
    public static CosmosClientOptions ClientOptions() => new()
    {
        ApplicationName = "agentfunctions-memory",
        UseSystemTextJsonSerializerWithOptions = CosmosMemoryModel.Json,
        EnableContentResponseOnWrite = false,
    };

    public static CosmosClient CreateClient(MemoryOptions options)
    {
        if (options.CosmosEndpoint is null)
        {
            throw new MemoryUnavailableException("Memory:CosmosEndpoint is not set (the Cosmos memory needs the account endpoint; infra sets Memory__CosmosEndpoint)");
        }

        TokenCredential credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId });
        return new CosmosClient(options.CosmosEndpoint.AbsoluteUri, credential, ClientOptions());
    }

    public async Task<IndexReport> IndexAsync(string repository, IReadOnlyList<SourceFile> files, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        files = IncrementalIndexer.Normalize(files);
        try
        {
            Container target = await this.ContainerAsync(cancellationToken).ConfigureAwait(false);
            var stored = new Dictionary<string, List<CosmosChunkState>>(StringComparer.Ordinal);
            await foreach (CosmosChunkState state in Query<CosmosChunkState>(target, CosmosMemoryModel.State(repository), repository, cancellationToken).ConfigureAwait(false))
            {
                if (!stored.TryGetValue(state.Path, out List<CosmosChunkState>? list))
                {
                    stored[state.Path] = list = [];
                }

                list.Add(state);
            }

            string fingerprint = this.indexer.Fingerprint;
            var toEmbed = files.Where(f => !IsCurrent(stored.GetValueOrDefault(f.Path), f.Sha256, fingerprint)).ToList();
            (IReadOnlyList<EmbeddedFile> embedded, int chunksEmbedded) = await this.indexer.EmbedAsync(toEmbed, new Dictionary<(string, string), EmbeddedFile>(), cancellationToken).ConfigureAwait(false);

            var writes = new List<Func<Task>>();
            foreach (EmbeddedFile file in embedded)
            {
                var ids = new HashSet<string>(StringComparer.Ordinal);
                for (int c = 0; c < file.Chunks.Count; c++)
                {
                    TextChunk chunk = file.Chunks[c];
                    var item = new CosmosMemoryItem(CosmosMemoryModel.ItemId(file.Path, c), repository, file.Path, chunk.StartLine, chunk.EndLine, file.Sha256, chunk.Text, file.Vectors[c])
                    {
                        Chunk = c,
                        Chunks = file.Chunks.Count,
                        Fingerprint = fingerprint,
                    };
                    ids.Add(item.Id);
                    writes.Add(() => target.UpsertItemAsync(item, new PartitionKey(repository), cancellationToken: cancellationToken));
                }

                foreach (CosmosChunkState stale in stored.GetValueOrDefault(file.Path) ?? [])
                {
                    if (!ids.Contains(stale.Id))
                    {
                        writes.Add(() => DeleteAsync(target, stale.Id, repository, cancellationToken));
                    }
                }
            }

            var paths = files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
            var removed = stored.Keys.Where(p => !paths.Contains(p)).ToList();
            foreach (string path in removed)
            {
                writes.AddRange(stored[path].Select(s => (Func<Task>)(() => DeleteAsync(target, s.Id, repository, cancellationToken))));
            }

            await Parallel.ForEachAsync(writes, new ParallelOptions { MaxDegreeOfParallelism = WriteParallelism, CancellationToken = cancellationToken }, async (write, _) => await write().ConfigureAwait(false)).ConfigureAwait(false);

            int added = toEmbed.Count(f => !stored.ContainsKey(f.Path));
            int chunks = files.Sum(f => toEmbed.Contains(f) ? embedded.First(e => e.Path == f.Path).Chunks.Count : stored[f.Path].Count);
            var report = new IndexReport(repository, files.Count, files.Count - toEmbed.Count, added, toEmbed.Count - added, removed.Count, chunks, chunksEmbedded, writes.Count > 0, clock.ElapsedMilliseconds);
            this.logger.LogInformation("Cosmos memory of {Repository} indexed: {Report}", repository, report);
            return report;
        }
        catch (CosmosException e)
        {
            throw this.Unavailable(e, $"index '{repository}'");
        }
    }

    public async Task<IReadOnlyList<MemoryHit>> SearchAsync(string repository, string query, int k, Func<string, bool>? mayRead = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        try
        {
            Container target = await this.ContainerAsync(cancellationToken).ConfigureAwait(false);
            float[] vector = (await this.embedder.EmbedAsync([query], cancellationToken).ConfigureAwait(false))[0];

            // Files the caller may not read are withheld after the query: ask for a few more so k can still be filled.
            int fetch = mayRead is null ? k : Math.Min(k * 3, 100);
            var hits = new List<MemoryHit>(k);
            await foreach (CosmosSearchRow row in Query<CosmosSearchRow>(target, CosmosMemoryModel.Search(repository, vector, fetch), repository, cancellationToken).ConfigureAwait(false))
            {
                if (mayRead is null || mayRead(row.Path))
                {
                    hits.Add(new MemoryHit(row.Path, row.StartLine, row.EndLine, Math.Round(row.Score, 4), row.Text));
                    if (hits.Count == k)
                    {
                        break;
                    }
                }
            }

            return hits;
        }
        catch (CosmosException e)
        {
            throw this.Unavailable(e, $"search '{repository}'");
        }
    }

    public void Dispose()
    {
        if (this.ownsClient)
        {
            this.client.Dispose();
        }
    }

    static bool IsCurrent(List<CosmosChunkState>? stored, string sha256, string fingerprint) =>
        stored is { Count: > 0 }
        && stored.All(s => s.FileHash == sha256 && s.Fingerprint == fingerprint && s.Chunks == stored.Count);

    static async IAsyncEnumerable<T> Query<T>(Container container, QueryDefinition query, string scope, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using FeedIterator<T> feed = container.GetItemQueryIterator<T>(query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(scope) });
        while (feed.HasMoreResults)
        {
            foreach (T item in await feed.ReadNextAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
    }

    static async Task DeleteAsync(Container container, string id, string scope, CancellationToken cancellationToken)
    {
        try
        {
            await container.DeleteItemAsync<CosmosMemoryItem>(id, new PartitionKey(scope), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone (another host re-indexed at the same time).
        }
    }

    /// <summary>The memory container, checked once per process: it must exist with the vector policy the queries need.</summary>
    async Task<Container> ContainerAsync(CancellationToken cancellationToken)
    {
        if (this.container is { } ready)
        {
            return ready;
        }

        await this.readyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (this.container is not null)
            {
                return this.container;
            }

            Container target;
            if (this.options.CreateCosmosContainer)
            {
                DatabaseResponse database = await this.client.CreateDatabaseIfNotExistsAsync(this.options.Database, cancellationToken: cancellationToken).ConfigureAwait(false);
                ContainerResponse created = await database.Database.CreateContainerIfNotExistsAsync(
                    CosmosMemoryModel.ContainerProperties(this.options.Container, this.embedder.Dimensions), cancellationToken: cancellationToken).ConfigureAwait(false);
                target = created.Container;
                CheckShape(created.Resource);
            }
            else
            {
                target = this.client.GetContainer(this.options.Database, this.options.Container);
                ContainerResponse read = await target.ReadContainerAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                CheckShape(read.Resource);
            }

            this.container = target;
            return target;
        }
        finally
        {
            this.readyGate.Release();
        }

        void CheckShape(ContainerProperties? properties)
        {
            if (properties is not null && CosmosMemoryModel.Mismatch(properties, this.embedder.Dimensions) is { } why)
            {
                throw new MemoryUnavailableException($"Cosmos DB container {this.options.Database}/{this.options.Container} cannot hold the memory: {why} (see infra/app/data.bicep)");
            }
        }
    }

    MemoryUnavailableException Unavailable(CosmosException e, string what)
    {
        string where = $"{this.options.Database}/{this.options.Container}";
        string hint = e.StatusCode switch
        {
            HttpStatusCode.NotFound => $"the database or container {where} does not exist: it is provisioned by infra/app/data.bicep (or set Memory:CreateCosmosContainer where metadata writes are allowed)",
            HttpStatusCode.Unauthorized => "authentication failed: the managed identity (Memory:ManagedIdentityClientId) could not sign in to the account",
            HttpStatusCode.Forbidden => "the identity may not do this: it needs the Cosmos DB Built-in Data Contributor SQL role on the account (infra/app/rbac.bicep)",
            HttpStatusCode.TooManyRequests => "the account is throttling requests (429); try again later",
            HttpStatusCode.BadRequest => "the account rejected the request; vector search needs the EnableNoSQLVectorSearch capability and a container with a vector policy",
            _ => "the account could not be reached or failed",
        };
        this.logger.LogWarning("Cosmos memory could not {What}: {Status}/{SubStatus} {Message}", what, (int)e.StatusCode, e.SubStatusCode, e.Message);
        return new MemoryUnavailableException($"Cosmos DB memory could not {what}: {(int)e.StatusCode} {e.StatusCode}; {hint}", e);
    }
}
