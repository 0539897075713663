using System.Diagnostics;

namespace Agents.Core.LongTermMemory;

/// <summary>A file's chunks and their vectors, computed once per (path, content hash).</summary>
public sealed record EmbeddedFile(string Path, string Sha256, IReadOnlyList<TextChunk> Chunks, float[][] Vectors);

/// <summary>
/// The incremental step both stores share: which files are unchanged (same path and content hash, same fingerprint),
/// which are new or changed (chunked and embedded, in one batched call), which are gone.
/// </summary>
public sealed class IncrementalIndexer(IEmbedder embedder, ChunkingOptions chunking)
{
    public IEmbedder Embedder => embedder;

    public ChunkingOptions Chunking => chunking;

    /// <summary>Model, dimensions and chunking: an index built under another fingerprint is rebuilt from scratch.</summary>
    public string Fingerprint => $"model={embedder.Model};dims={embedder.Dimensions};{chunking.Fingerprint}";

    /// <summary>What the model reads for a chunk: the path (names carry meaning: pagination.py) and the text.</summary>
    public static string EmbeddingText(string path, string text) => $"{path}\n{text}";

    /// <summary>The files sorted by path; duplicate paths are refused.</summary>
    public static IReadOnlyList<SourceFile> Normalize(IReadOnlyList<SourceFile> files)
    {
        var sorted = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Path == sorted[i - 1].Path)
            {
                throw new ArgumentException($"file '{sorted[i].Path}' is listed twice", nameof(files));
            }
        }

        return sorted;
    }

    /// <summary>Chunks and embeds the files, reusing what <paramref name="computed"/> already holds (a retried attempt).</summary>
    public async Task<(IReadOnlyList<EmbeddedFile> Files, int ChunksEmbedded)> EmbedAsync(IReadOnlyList<SourceFile> files, IDictionary<(string Path, string Sha256), EmbeddedFile> computed, CancellationToken cancellationToken)
    {
        var pending = new List<(SourceFile File, IReadOnlyList<TextChunk> Chunks)>();
        foreach (SourceFile file in files)
        {
            if (!computed.ContainsKey((file.Path, file.Sha256)))
            {
                pending.Add((file, TextChunker.Chunk(file.Text, chunking)));
            }
        }

        string[] texts = pending.SelectMany(p => p.Chunks.Select(c => EmbeddingText(p.File.Path, c.Text))).ToArray();
        float[][] vectors = await embedder.EmbedAsync(texts, cancellationToken).ConfigureAwait(false);
        int next = 0;
        foreach ((SourceFile file, IReadOnlyList<TextChunk> chunks) in pending)
        {
            computed[(file.Path, file.Sha256)] = new EmbeddedFile(file.Path, file.Sha256, chunks, vectors[next..(next + chunks.Count)]);
            next += chunks.Count;
        }

        return (files.Select(f => computed[(f.Path, f.Sha256)]).ToList(), texts.Length);
    }

    /// <summary>The new in-memory index for exactly <paramref name="files"/>, reusing <paramref name="current"/>'s vectors for unchanged files.</summary>
    public async Task<(VectorIndex Index, IndexReport Report)> UpdateAsync(
        string repository,
        VectorIndex? current,
        IReadOnlyList<SourceFile> files,
        IDictionary<(string Path, string Sha256), EmbeddedFile> computed,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        files = Normalize(files);
        bool compatible = current is not null && current.Fingerprint == this.Fingerprint && current.Dimensions == embedder.Dimensions;
        var old = new Dictionary<string, IndexedFile>(StringComparer.Ordinal);
        foreach (IndexedFile f in current?.Files ?? [])
        {
            old[f.Path] = f;
        }

        var reuse = files.Where(f => compatible && old.TryGetValue(f.Path, out IndexedFile? o) && o.Sha256 == f.Sha256).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var toEmbed = files.Where(f => !reuse.Contains(f.Path)).ToList();
        (IReadOnlyList<EmbeddedFile> embedded, int chunksEmbedded) = await this.EmbedAsync(toEmbed, computed, cancellationToken).ConfigureAwait(false);
        var fresh = embedded.ToDictionary(e => e.Path, StringComparer.Ordinal);

        int dims = embedder.Dimensions;
        int total = files.Sum(f => reuse.Contains(f.Path) ? old[f.Path].ChunkCount : fresh[f.Path].Chunks.Count);
        var vectors = new float[total * dims];
        var chunks = new List<IndexedChunk>(total);
        var indexed = new List<IndexedFile>(files.Count);
        foreach (SourceFile file in files)
        {
            int first = chunks.Count;
            if (reuse.Contains(file.Path))
            {
                IndexedFile before = old[file.Path];
                for (int c = before.FirstChunk; c < before.FirstChunk + before.ChunkCount; c++)
                {
                    IndexedChunk chunk = current!.Chunks[c];
                    current.VectorOf(c).CopyTo(vectors.AsSpan(chunks.Count * dims, dims));
                    chunks.Add(chunk with { File = indexed.Count });
                }
            }
            else
            {
                EmbeddedFile made = fresh[file.Path];
                for (int c = 0; c < made.Chunks.Count; c++)
                {
                    TextChunk chunk = made.Chunks[c];
                    made.Vectors[c].CopyTo(vectors.AsSpan(chunks.Count * dims, dims));
                    chunks.Add(new IndexedChunk(indexed.Count, chunk.StartLine, chunk.EndLine, chunk.Text));
                }
            }

            indexed.Add(new IndexedFile(file.Path, file.Sha256, first, chunks.Count - first));
        }

        var paths = files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        int added = files.Count(f => !old.ContainsKey(f.Path));
        int changed = toEmbed.Count(f => old.ContainsKey(f.Path));
        int removed = old.Keys.Count(p => !paths.Contains(p));
        var index = new VectorIndex(embedder.Model, dims, this.Fingerprint, indexed, chunks, vectors);
        var report = new IndexReport(repository, files.Count, reuse.Count, added, changed, removed, chunks.Count, chunksEmbedded, Written: false, clock.ElapsedMilliseconds);
        return (index, report);
    }
}
