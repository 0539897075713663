using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;

namespace Agents.Core.LongTermMemory;

/// <summary>An indexed file: its path, the SHA-256 of its bytes, and where its chunks are in the index.</summary>
public sealed record IndexedFile(string Path, string Sha256, int FirstChunk, int ChunkCount);

/// <summary>An indexed chunk: its file (index into <see cref="VectorIndex.Files"/>), 1-based inclusive lines, text.</summary>
public readonly record struct IndexedChunk(int File, int StartLine, int EndLine, string Text);

/// <summary>
/// An immutable, in-memory vector index of one repository: the files with their hashes, the chunks, and one unit
/// vector per chunk in a single contiguous float32 array (row i = chunk i). Searched by brute force: a SIMD dot product
/// (<see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>) per chunk and a running top-k,
/// which for 20,000 × 384 takes about a millisecond. Serialized as a compact binary file (see <see cref="WriteTo"/>).
/// </summary>
public sealed class VectorIndex
{
    const string Magic = "AFMEMIX1";
    const string EndMagic = "AFMEMEND";

    public VectorIndex(string model, int dimensions, string fingerprint, IReadOnlyList<IndexedFile> files, IReadOnlyList<IndexedChunk> chunks, float[] vectors)
    {
        if (vectors.Length != chunks.Count * dimensions)
        {
            throw new ArgumentException($"{chunks.Count} chunks of {dimensions} dimensions need {chunks.Count * dimensions} floats, got {vectors.Length}", nameof(vectors));
        }

        this.Model = model;
        this.Dimensions = dimensions;
        this.Fingerprint = fingerprint;
        this.Files = files;
        this.Chunks = chunks;
        this.Vectors = vectors;
    }

    public string Model { get; }

    public int Dimensions { get; }

    /// <summary>Model, dimensions and chunking settings: an index built with other settings is rebuilt, never mixed.</summary>
    public string Fingerprint { get; }

    public IReadOnlyList<IndexedFile> Files { get; }

    public IReadOnlyList<IndexedChunk> Chunks { get; }

    public float[] Vectors { get; }

    public static VectorIndex Empty(string model, int dimensions, string fingerprint) => new(model, dimensions, fingerprint, [], [], []);

    public ReadOnlySpan<float> VectorOf(int chunk) => this.Vectors.AsSpan(chunk * this.Dimensions, this.Dimensions);

    /// <summary>The <paramref name="k"/> chunks with the highest dot product with <paramref name="query"/>, best first.</summary>
    /// <param name="allowedFiles">When set, chunks of files whose entry is false are skipped.</param>
    public IReadOnlyList<(int Chunk, float Score)> Search(ReadOnlySpan<float> query, int k, bool[]? allowedFiles = null)
    {
        if (query.Length != this.Dimensions)
        {
            throw new ArgumentException($"the query has {query.Length} dimensions, the index {this.Dimensions}", nameof(query));
        }

        k = Math.Min(k, this.Chunks.Count);
        if (k <= 0)
        {
            return [];
        }

        // A sorted (descending) top-k kept in two small arrays: for k of a few dozen this beats a heap.
        var topScores = new float[k];
        var topChunks = new int[k];
        int count = 0;
        ReadOnlySpan<float> all = this.Vectors;
        int dims = this.Dimensions;
        for (int i = 0; i < this.Chunks.Count; i++)
        {
            if (allowedFiles is not null && !allowedFiles[this.Chunks[i].File])
            {
                continue;
            }

            float score = TensorPrimitives.Dot(all.Slice(i * dims, dims), query);
            if (count == k && score <= topScores[k - 1])
            {
                continue;
            }

            int at = count < k ? count++ : k - 1;
            while (at > 0 && topScores[at - 1] < score)
            {
                topScores[at] = topScores[at - 1];
                topChunks[at] = topChunks[at - 1];
                at--;
            }

            topScores[at] = score;
            topChunks[at] = i;
        }

        var result = new (int, float)[count];
        for (int i = 0; i < count; i++)
        {
            result[i] = (topChunks[i], topScores[i]);
        }

        return result;
    }

    /// <summary>
    /// Little-endian binary: magic, model, dimensions, fingerprint; the files (path, sha256, first chunk, chunk count);
    /// the chunks (file, start line, end line, text); then the vectors as raw float32, row by row; an end marker.
    /// Strings are UTF-8 with a 7-bit encoded length (<see cref="BinaryWriter"/>).
    /// </summary>
    public void WriteTo(Stream stream)
    {
        EnsureLittleEndian();
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Encoding.ASCII.GetBytes(Magic));
        writer.Write(this.Model);
        writer.Write(this.Dimensions);
        writer.Write(this.Fingerprint);
        writer.Write(this.Files.Count);
        foreach (IndexedFile file in this.Files)
        {
            writer.Write(file.Path);
            writer.Write(file.Sha256);
            writer.Write(file.FirstChunk);
            writer.Write(file.ChunkCount);
        }

        writer.Write(this.Chunks.Count);
        foreach (IndexedChunk chunk in this.Chunks)
        {
            writer.Write(chunk.File);
            writer.Write(chunk.StartLine);
            writer.Write(chunk.EndLine);
            writer.Write(chunk.Text);
        }

        writer.Write(MemoryMarshal.AsBytes(this.Vectors.AsSpan()));
        writer.Write(Encoding.ASCII.GetBytes(EndMagic));
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream(64 + this.Vectors.Length * sizeof(float) + this.Chunks.Sum(c => c.Text.Length + 16));
        this.WriteTo(stream);
        return stream.ToArray();
    }

    public static VectorIndex ReadFrom(ReadOnlyMemory<byte> content)
    {
        EnsureLittleEndian();
        try
        {
            using var stream = new MemoryStream(content.ToArray(), writable: false);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            Expect(reader, Magic);
            string model = reader.ReadString();
            int dimensions = reader.ReadInt32();
            string fingerprint = reader.ReadString();
            int fileCount = reader.ReadInt32();
            var files = new IndexedFile[fileCount];
            for (int i = 0; i < fileCount; i++)
            {
                files[i] = new IndexedFile(reader.ReadString(), reader.ReadString(), reader.ReadInt32(), reader.ReadInt32());
            }

            int chunkCount = reader.ReadInt32();
            var chunks = new IndexedChunk[chunkCount];
            for (int i = 0; i < chunkCount; i++)
            {
                chunks[i] = new IndexedChunk(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadString());
                if ((uint)chunks[i].File >= (uint)fileCount)
                {
                    throw new InvalidDataException($"chunk {i} names file {chunks[i].File} of {fileCount}");
                }
            }

            var vectors = new float[checked(chunkCount * dimensions)];
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(vectors.AsSpan()));
            Expect(reader, EndMagic);
            return new VectorIndex(model, dimensions, fingerprint, files, chunks, vectors);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the memory index file is truncated", e);
        }
    }

    static void Expect(BinaryReader reader, string marker)
    {
        if (Encoding.ASCII.GetString(reader.ReadBytes(marker.Length)) != marker)
        {
            throw new InvalidDataException($"not a memory index file (expected '{marker}')");
        }
    }

    static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the memory index file is little-endian");
        }
    }
}
