using System.Diagnostics;
using Agents.Core.Hosting;
using Agents.Core.LongTermMemory;
using Agents.Core.Storage;
using Agents.Core.Tools;
using Agents.Testing;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentBench;

/// <summary>
/// The long-term memory on a private Azurite with the real MiniLM model. Indexing: this repository's own code and docs,
/// chunked, embedded and written to Blob storage (files/s and chunks/s, embedding included). Retrieval: top-8 over an
/// index of at least 20,000 chunks, as the RetrieveMemory activity runs it (ETag check of the cached index, query
/// embedding, SIMD scan), plus its parts. The large index is the real chunks and vectors of the first part, repeated
/// under other paths with each copy's vectors slightly perturbed, so no two chunks score the same.
/// </summary>
static class MemoryBench
{
    const string Repository = "agentfunctions";
    const string LargeRepository = "agentfunctions-x";
    const int K = 8;

    static readonly string[] Questions =
    [
        "where is the token budget backoff at 80 percent decided",
        "how does the turn wait for a human approval with a timeout",
        "verify the Slack request signature",
        "append an event to the hash-chained event log",
        "which files may the agent not read",
        "chunk a file into overlapping line windows",
        "run the tests of the repository in a background job",
        "retry a model call on another provider when it is throttled",
        "cosine similarity top k search over the vectors",
        "shed load with 429 and Retry-After",
        "open a pull request on the local bare repository",
        "fuel and memory limits of the WASM sandbox",
    ];

    public static async Task<object> RunAsync(int minChunks = 20_000, int queries = 300, int maxFiles = 400)
    {
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        var containers = new BlobContainers(Options.Create(new StorageOptions { ConnectionString = azurite.ConnectionString }));
        var memoryOptions = new MemoryOptions();
        var embedder = new MiniLmEmbedder(memoryOptions.EmbeddingBatchSize);
        await embedder.EmbedAsync(["warm up the model"]);

        // Indexing: the repository's own code and docs (Workspace rules: no bin/obj/.git/node_modules).
        CorpusScan scan = Corpus(memoryOptions, maxFiles);
        var writer = new BlobMemoryIndex(containers, embedder, Options.Create(memoryOptions), NullLogger<BlobMemoryIndex>.Instance);
        var clock = Stopwatch.StartNew();
        IndexReport report = await writer.IndexAsync(Repository, scan.Files);
        double indexSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        IndexReport unchanged = await writer.IndexAsync(Repository, scan.Files);
        double reindexMs = clock.Elapsed.TotalMilliseconds;
        var indexing = new
        {
            files = report.Files,
            chunks = report.Chunks,
            bytes = scan.Files.Sum(f => (long)f.Text.Length),
            seconds = Math.Round(indexSeconds, 2),
            filesPerSecond = Math.Round(report.Files / indexSeconds, 1),
            chunksPerSecond = Math.Round(report.Chunks / indexSeconds, 1),
            unchangedReindexMs = Math.Round(reindexMs, 1),
            unchangedReembedded = unchanged.ChunksEmbedded,
        };
        Console.WriteLine($"indexing ({indexing.files} files of this repository, {indexing.chunks} chunks, MiniLM on {Environment.ProcessorCount} cores, written to Azurite): " +
            $"{indexing.seconds} s = {indexing.filesPerSecond} files/s, {indexing.chunksPerSecond} chunks/s; re-index with nothing changed {indexing.unchangedReindexMs} ms, {indexing.unchangedReembedded} chunks re-embedded");

        // Retrieval over a large index, written to Blob storage as the indexer writes it.
        VectorIndex real = (await writer.LoadAsync(Repository))!;
        VectorIndex large = Enlarge(real, minChunks);
        BlobContainerClient container = containers.Service.GetBlobContainerClient(containers.Names.MemoryContainer);
        await container.GetBlobClient(BlobMemoryIndex.BlobName(LargeRepository)).UploadAsync(BinaryData.FromBytes(large.ToBytes()), overwrite: true);

        var reader = new BlobMemoryIndex(containers, embedder, Options.Create(memoryOptions), NullLogger<BlobMemoryIndex>.Instance);
        clock.Restart();
        await reader.SearchAsync(LargeRepository, Questions[0], K);
        double firstSearchMs = clock.Elapsed.TotalMilliseconds;

        var endToEnd = new List<double>(queries);
        var embedding = new List<double>(queries);
        var scanOnly = new List<double>(queries);
        for (int i = 0; i < 20; i++)
        {
            await reader.SearchAsync(LargeRepository, Questions[i % Questions.Length], K);
        }

        for (int i = 0; i < queries; i++)
        {
            string question = Questions[i % Questions.Length];
            long start = Stopwatch.GetTimestamp();
            IReadOnlyList<MemoryHit> hits = await reader.SearchAsync(LargeRepository, question, K);
            endToEnd.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (hits.Count != K)
            {
                throw new InvalidOperationException($"expected {K} hits, got {hits.Count}");
            }

            start = Stopwatch.GetTimestamp();
            float[] vector = (await embedder.EmbedAsync([question]))[0];
            embedding.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            start = Stopwatch.GetTimestamp();
            large.Search(vector, K);
            scanOnly.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var retrieval = new
        {
            chunks = large.Chunks.Count,
            dimensions = large.Dimensions,
            k = K,
            queries,
            indexMegabytes = Math.Round(large.Vectors.Length * 4 / 1e6, 1),
            firstSearchMs = Math.Round(firstSearchMs, 1),
            searchMs = Figures(endToEnd),
            queryEmbeddingMs = Figures(embedding),
            vectorScanMs = Figures(scanOnly),
        };
        Console.WriteLine($"retrieval top-{K} over {retrieval.chunks} chunks ({retrieval.dimensions}-d, {retrieval.indexMegabytes} MB of vectors), {queries} queries: " +
            $"p50 {retrieval.searchMs.p50} ms, p95 {retrieval.searchMs.p95} ms (ETag check + query embedding + scan); " +
            $"query embedding p50 {retrieval.queryEmbeddingMs.p50} / p95 {retrieval.queryEmbeddingMs.p95} ms; scan p50 {retrieval.vectorScanMs.p50} / p95 {retrieval.vectorScanMs.p95} ms; " +
            $"first search (download + load) {retrieval.firstSearchMs} ms");
        return new { indexing, retrieval };
    }

    /// <summary>The repository's code and docs, as the corpus scan lists them, leaving out generated and local folders.</summary>
    static CorpusScan Corpus(MemoryOptions options, int maxFiles)
    {
        string root = RepositoryPaths.Root;
        var workspace = new RepositoryWorkspace(Options.Create(new WorkspaceOptions { RepositoriesRoot = Path.GetDirectoryName(root)! }));
        var corpus = new RepositoryCorpus(workspace, Options.Create(options));
        string[] skip = [".local/", "results/", "TestResults/", "scripts/azurite/", "functions/tools/", "samples/repos/"];
        string[] kinds = [".cs", ".md", ".py", ".json", ".sh", ".bicep", ".yaml", ".props", ".csproj"];
        int taken = 0;
        return corpus.Scan(Path.GetFileName(root), path =>
            !skip.Any(s => path.StartsWith(s, StringComparison.Ordinal))
            && kinds.Any(k => path.EndsWith(k, StringComparison.Ordinal))
            && taken++ < maxFiles);
    }

    static VectorIndex Enlarge(VectorIndex source, int minChunks)
    {
        int copies = (int)Math.Ceiling((double)minChunks / source.Chunks.Count);
        int dims = source.Dimensions;
        var random = new Random(42);
        var files = new List<IndexedFile>(source.Files.Count * copies);
        var chunks = new List<IndexedChunk>(source.Chunks.Count * copies);
        var vectors = new float[source.Chunks.Count * copies * dims];
        for (int copy = 0; copy < copies; copy++)
        {
            foreach (IndexedFile file in source.Files)
            {
                int first = chunks.Count;
                for (int c = file.FirstChunk; c < file.FirstChunk + file.ChunkCount; c++)
                {
                    Span<float> target = vectors.AsSpan(chunks.Count * dims, dims);
                    source.VectorOf(c).CopyTo(target);
                    if (copy > 0)
                    {
                        for (int d = 0; d < dims; d++)
                        {
                            target[d] += (float)((random.NextDouble() - 0.5) * 0.02);
                        }

                        MiniLmEmbedder.Normalize(target.ToArray()).CopyTo(target);
                    }

                    chunks.Add(source.Chunks[c] with { File = files.Count });
                }

                files.Add(new IndexedFile(copy == 0 ? file.Path : $"copy-{copy}/{file.Path}", file.Sha256, first, chunks.Count - first));
            }
        }

        return new VectorIndex(source.Model, dims, source.Fingerprint, files, chunks, vectors);
    }

    static Percentiles Figures(List<double> values)
    {
        values.Sort();
        return new Percentiles(Math.Round(Sample.Percentile(values, 0.5), 2), Math.Round(Sample.Percentile(values, 0.95), 2), Math.Round(values.Average(), 2));
    }

    sealed record Percentiles(double p50, double p95, double mean);
}
