using System.ComponentModel.DataAnnotations;

namespace Agents.Core.LongTermMemory;

/// <summary>Where the long-term memory (the RAG index over repositories) lives.</summary>
public enum MemoryProvider
{
    /// <summary>Cosmos DB when <see cref="MemoryOptions.CosmosEndpoint"/> is set (infra sets it in Azure), Blob otherwise.</summary>
    Auto,

    /// <summary>A compact binary index per repository in Blob storage, searched in process (local default).</summary>
    Blob,

    /// <summary>Cosmos DB for NoSQL with a vector index (Azure).</summary>
    Cosmos,
}

/// <summary>Section <c>Memory</c>: the long-term memory (RAG over code and docs). Infra writes <c>Memory__CosmosEndpoint</c>, <c>Memory__Database</c>, <c>Memory__Container</c>, <c>Memory__ManagedIdentityClientId</c>.</summary>
public sealed class MemoryOptions
{
    public const string Section = "Memory";

    public MemoryProvider Provider { get; set; } = MemoryProvider.Auto;

    /// <summary>Cosmos DB account endpoint, for example <c>https://acct.documents.azure.com:443/</c> (Cosmos provider).</summary>
    public Uri? CosmosEndpoint { get; set; }

    [Required]
    public string Database { get; set; } = "agents";

    /// <summary>The Cosmos DB container of memory items (partition key <c>/scope</c>, vector policy on <c>/embedding</c>).</summary>
    [Required]
    public string Container { get; set; } = "memory";

    /// <summary>Client id of the user-assigned managed identity (Azure only; Entra ID, never keys).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>
    /// Create the Cosmos database and container (with the vector policy) when missing. Off by default: in Azure they are
    /// provisioned by infra/app/data.bicep, and Entra ID data-plane roles cannot create them anyway.
    /// </summary>
    public bool CreateCosmosContainer { get; set; }

    /// <summary>Hits returned by a retrieval when the caller does not ask for a number.</summary>
    [Range(1, 50)]
    public int TopK { get; set; } = 8;

    /// <summary>
    /// Hits when the turn is degraded: the session is past the 80 % budget backoff, or the load monitor is at level 2 or
    /// more (fewer tools, batched retrieval).
    /// </summary>
    [Range(1, 50)]
    public int DegradedTopK { get; set; } = 3;

    /// <summary>Tokens (o200k) of retrieved code the planner's prompt may carry at most; also at most half of what the rest of the prompt leaves of the call's input allotment.</summary>
    [Range(0, 100_000)]
    public int PromptTokens { get; set; } = 2_000;

    /// <summary>Lines per chunk.</summary>
    [Range(4, 400)]
    public int ChunkLines { get; set; } = 40;

    /// <summary>Lines shared by consecutive chunks of a file (at most a quarter of a chunk).</summary>
    [Range(0, 200)]
    public int OverlapLines { get; set; } = 10;

    /// <summary>Characters per chunk: a chunk ends at whichever comes first, lines or characters; longer lines are split.</summary>
    [Range(200, 20_000)]
    public int MaxChunkChars { get; set; } = 1_200;

    /// <summary>Files larger than this are not indexed.</summary>
    [Range(1_024, 64L << 20)]
    public long MaxFileBytes { get; set; } = 256 << 10;

    /// <summary>Texts per model call when embedding.</summary>
    [Range(1, 256)]
    public int EmbeddingBatchSize { get; set; } = 16;

    /// <summary>Characters of each hit's text shown in results and previews.</summary>
    [Range(0, 4_000)]
    public int PreviewChars { get; set; } = 240;

    public MemoryProvider EffectiveProvider =>
        this.Provider != MemoryProvider.Auto ? this.Provider : this.CosmosEndpoint is null ? MemoryProvider.Blob : MemoryProvider.Cosmos;

    public ChunkingOptions Chunking => new(this.ChunkLines, this.OverlapLines, this.MaxChunkChars);
}

/// <summary>How files are cut into chunks. Part of an index's fingerprint: changing it re-embeds everything.</summary>
public sealed record ChunkingOptions(int Lines, int OverlapLines, int MaxChars)
{
    public static readonly ChunkingOptions Default = new(40, 10, 1_200);

    public string Fingerprint => $"lines={this.Lines};overlap={this.OverlapLines};chars={this.MaxChars}";
}
