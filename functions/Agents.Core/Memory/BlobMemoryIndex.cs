using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Agents.Core.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.LongTermMemory;

/// <summary>
/// The local (default) memory: one binary index file per repository in Blob storage
/// (<c>{Storage:MemoryContainer}/{repository}/index.v1.bin</c>, see <see cref="VectorIndex.WriteTo"/>), loaded into memory
/// and searched in process. Each process caches the index it loaded with the blob's ETag and re-checks it on every use
/// with a conditional GET (304 when unchanged), so a re-index written by another host is picked up at once. Writes are
/// conditional on the ETag that was read (or on the blob not existing): a host that loses the race reloads, re-diffs
/// (reusing the vectors it already computed) and tries again, so concurrent re-indexes never lose an update.
/// </summary>
public sealed class BlobMemoryIndex : IMemoryIndex
{
    const int MaxWriteAttempts = 5;
    readonly BlobContainers containers;
    readonly IEmbedder embedder;
    readonly MemoryOptions options;
    readonly IncrementalIndexer indexer;
    readonly ILogger logger;
    readonly ConcurrentDictionary<string, Loaded> cache = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.Ordinal);
    readonly SemaphoreSlim createGate = new(1, 1);
    BlobContainerClient? container;
    long downloads;

    public BlobMemoryIndex(BlobContainers containers, IEmbedder embedder, IOptions<MemoryOptions> options, ILogger<BlobMemoryIndex> logger)
    {
        this.containers = containers;
        this.embedder = embedder;
        this.options = options.Value;
        this.indexer = new IncrementalIndexer(embedder, this.options.Chunking);
        this.logger = logger;
    }

    public string Store => "blob";

    /// <summary>How many times this instance downloaded an index (not counting the 304s of an unchanged one): diagnostics and tests.</summary>
    public long Downloads => Interlocked.Read(ref this.downloads);

    public static string BlobName(string repository)
    {
        if (string.IsNullOrWhiteSpace(repository) || repository.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{repository}' is not a repository name", nameof(repository));
        }

        return $"{Uri.EscapeDataString(repository)}/index.v1.bin";
    }

    public async Task<IndexReport> IndexAsync(string repository, IReadOnlyList<SourceFile> files, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        SemaphoreSlim gate = this.gates.GetOrAdd(repository, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            BlobClient blob = (await this.ContainerAsync(cancellationToken).ConfigureAwait(false)).GetBlobClient(BlobName(repository));
            var computed = new Dictionary<(string Path, string Sha256), EmbeddedFile>();
            int embedded = 0;
            for (int attempt = 1; ; attempt++)
            {
                Loaded? current = await this.LoadAsync(blob, repository, tolerateCorrupt: true, cancellationToken).ConfigureAwait(false);
                (VectorIndex index, IndexReport report) = await this.indexer.UpdateAsync(repository, current?.Index, files, computed, cancellationToken).ConfigureAwait(false);
                embedded += report.ChunksEmbedded;
                if (current is not null && report.NothingChanged && current.Index.Fingerprint == index.Fingerprint)
                {
                    return report with { ChunksEmbedded = embedded, ElapsedMs = clock.ElapsedMilliseconds };
                }

                try
                {
                    Response<BlobContentInfo> written = await blob.UploadAsync(
                        BinaryData.FromBytes(index.ToBytes()),
                        new BlobUploadOptions
                        {
                            HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
                            Metadata = new Dictionary<string, string>
                            {
                                ["model"] = index.Model,
                                ["files"] = index.Files.Count.ToString(CultureInfo.InvariantCulture),
                                ["chunks"] = index.Chunks.Count.ToString(CultureInfo.InvariantCulture),
                            },
                            Conditions = current?.ETag is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All },
                        },
                        cancellationToken).ConfigureAwait(false);
                    this.cache[repository] = new Loaded(index, written.Value.ETag);
                    this.logger.LogInformation("Memory index of {Repository} written: {Report}", repository, report);
                    return report with { ChunksEmbedded = embedded, Written = true, ElapsedMs = clock.ElapsedMilliseconds };
                }
                catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxWriteAttempts)
                {
                    // Another host wrote the index since we read it: reload, diff again (vectors computed so far are kept).
                    this.logger.LogInformation("Memory index of {Repository} changed while indexing (attempt {Attempt}); retrying", repository, attempt);
                    this.cache.TryRemove(repository, out _);
                }
            }
        }
        catch (RequestFailedException e)
        {
            throw new MemoryUnavailableException($"the memory index of '{repository}' could not be written to blob storage: {e.Status} {e.ErrorCode}", e);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<IReadOnlyList<MemoryHit>> SearchAsync(string repository, string query, int k, Func<string, bool>? mayRead = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        VectorIndex? index = await this.LoadAsync(repository, cancellationToken).ConfigureAwait(false);
        if (index is null || index.Chunks.Count == 0)
        {
            return [];
        }

        if (index.Model != this.embedder.Model || index.Dimensions != this.embedder.Dimensions)
        {
            throw new MemoryUnavailableException($"the memory index of '{repository}' was built with {index.Model} ({index.Dimensions} dimensions), not {this.embedder.Model}: re-index it");
        }

        float[] vector = (await this.embedder.EmbedAsync([query], cancellationToken).ConfigureAwait(false))[0];
        return Hits(index, vector, k, mayRead);
    }

    /// <summary>The top-k of an in-memory index for a query vector, files <paramref name="mayRead"/> refuses withheld.</summary>
    public static IReadOnlyList<MemoryHit> Hits(VectorIndex index, ReadOnlySpan<float> vector, int k, Func<string, bool>? mayRead)
    {
        bool[]? allowed = mayRead is null ? null : index.Files.Select(f => mayRead(f.Path)).ToArray();
        var hits = new List<MemoryHit>(k);
        foreach ((int chunk, float score) in index.Search(vector, k, allowed))
        {
            IndexedChunk c = index.Chunks[chunk];
            hits.Add(new MemoryHit(index.Files[c.File].Path, c.StartLine, c.EndLine, Math.Round(score, 4), c.Text));
        }

        return hits;
    }

    /// <summary>The repository's index as this process sees it now (null when none was written): re-checked against the blob's ETag.</summary>
    public async Task<VectorIndex?> LoadAsync(string repository, CancellationToken cancellationToken = default)
    {
        try
        {
            BlobClient blob = (await this.ContainerAsync(cancellationToken).ConfigureAwait(false)).GetBlobClient(BlobName(repository));
            return (await this.LoadAsync(blob, repository, tolerateCorrupt: false, cancellationToken).ConfigureAwait(false))?.Index;
        }
        catch (RequestFailedException e)
        {
            throw new MemoryUnavailableException($"the memory index of '{repository}' could not be read from blob storage: {e.Status} {e.ErrorCode}", e);
        }
        catch (InvalidDataException e)
        {
            throw new MemoryUnavailableException($"the memory index of '{repository}' is damaged ({e.Message}): re-index it", e);
        }
    }

    async Task<Loaded?> LoadAsync(BlobClient blob, string repository, bool tolerateCorrupt, CancellationToken cancellationToken)
    {
        this.cache.TryGetValue(repository, out Loaded? cached);
        Response<BlobDownloadResult> response;
        try
        {
            response = await blob.DownloadContentAsync(
                new BlobDownloadOptions { Conditions = cached is null ? null : new BlobRequestConditions { IfNoneMatch = cached.ETag } },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 304 && cached is not null)
        {
            return cached;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            this.cache.TryRemove(repository, out _);
            return null;
        }

        if (response.GetRawResponse().Status == 304 && cached is not null)
        {
            return cached;
        }

        Interlocked.Increment(ref this.downloads);
        ETag etag = response.Value.Details.ETag;
        try
        {
            var loaded = new Loaded(VectorIndex.ReadFrom(response.Value.Content.ToMemory()), etag);
            this.cache[repository] = loaded;
            return loaded;
        }
        catch (InvalidDataException e) when (tolerateCorrupt)
        {
            // A damaged index is rebuilt from scratch, written over the damaged blob (conditional on its ETag).
            this.logger.LogWarning("The memory index of {Repository} is damaged ({Reason}); rebuilding it", repository, e.Message);
            this.cache.TryRemove(repository, out _);
            return new Loaded(VectorIndex.Empty(this.embedder.Model, this.embedder.Dimensions, "damaged"), etag);
        }
    }

    async Task<BlobContainerClient> ContainerAsync(CancellationToken cancellationToken)
    {
        if (this.container is { } ready)
        {
            return ready;
        }

        await this.createGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (this.container is null)
            {
                BlobContainerClient client = this.containers.Service.GetBlobContainerClient(this.containers.Names.MemoryContainer);
                await client.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                this.container = client;
            }

            return this.container;
        }
        finally
        {
            this.createGate.Release();
        }
    }

    sealed record Loaded(VectorIndex Index, ETag ETag);
}
