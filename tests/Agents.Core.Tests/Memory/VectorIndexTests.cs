using Agents.Core.LongTermMemory;

namespace Agents.Core.Tests.LongTermMemory;

/// <summary>The in-memory index and its binary file, on synthetic unit vectors (no model).</summary>
public sealed class VectorIndexTests
{
    static VectorIndex Synthetic(int files, int chunksPerFile, int dims, int seed = 1)
    {
        var random = new Random(seed);
        var indexed = new List<IndexedFile>();
        var chunks = new List<IndexedChunk>();
        var vectors = new float[files * chunksPerFile * dims];
        for (int f = 0; f < files; f++)
        {
            indexed.Add(new IndexedFile($"src/file{f}.py", $"sha{f}", chunks.Count, chunksPerFile));
            for (int c = 0; c < chunksPerFile; c++)
            {
                Span<float> v = vectors.AsSpan(chunks.Count * dims, dims);
                for (int d = 0; d < dims; d++)
                {
                    v[d] = (float)(random.NextDouble() - 0.5);
                }

                MiniLmEmbedder.Normalize(v.ToArray()).CopyTo(v);
                chunks.Add(new IndexedChunk(f, (c * 30) + 1, (c * 30) + 40, $"text of file {f} chunk {c} ✓"));
            }
        }

        return new VectorIndex("test-model", dims, "fp", indexed, chunks, vectors);
    }

    [Fact]
    public void Search_TopK_SameAsSortingEveryScore()
    {
        // Arrange
        VectorIndex index = Synthetic(50, 20, 384);
        float[] query = index.VectorOf(123).ToArray();

        // Act
        IReadOnlyList<(int Chunk, float Score)> top = index.Search(query, 8);

        // Assert
        var expected = Enumerable.Range(0, index.Chunks.Count)
            .Select(i => (Chunk: i, Score: System.Numerics.Tensors.TensorPrimitives.Dot(index.VectorOf(i), query)))
            .OrderByDescending(x => x.Score).Take(8).Select(x => x.Chunk);
        Assert.Equal(expected, top.Select(t => t.Chunk));
        Assert.Equal(123, top[0].Chunk);
        Assert.Equal(1.0, top[0].Score, 4);
    }

    [Fact]
    public void Search_FilteredFiles_NeverReturned()
    {
        VectorIndex index = Synthetic(10, 5, 16);
        bool[] allowed = Enumerable.Range(0, 10).Select(f => f % 2 == 0).ToArray();

        IReadOnlyList<(int Chunk, float Score)> top = index.Search(index.VectorOf(7).ToArray(), 20, allowed);

        Assert.Equal(20, top.Count);
        Assert.All(top, t => Assert.True(allowed[index.Chunks[t.Chunk].File]));
        Assert.DoesNotContain(top, t => t.Chunk == 7);
    }

    [Fact]
    public void WriteTo_ReadFrom_RoundTripsEverything()
    {
        // Arrange
        VectorIndex index = Synthetic(7, 3, 384);

        // Act
        VectorIndex back = VectorIndex.ReadFrom(index.ToBytes());

        // Assert
        Assert.Equal((index.Model, index.Dimensions, index.Fingerprint), (back.Model, back.Dimensions, back.Fingerprint));
        Assert.Equal(index.Files, back.Files);
        Assert.Equal(index.Chunks, back.Chunks);
        Assert.Equal(index.Vectors, back.Vectors);
    }

    [Fact]
    public void ReadFrom_TruncatedOrForeign_InvalidData()
    {
        byte[] bytes = Synthetic(3, 3, 8).ToBytes();

        Assert.Throws<InvalidDataException>(() => VectorIndex.ReadFrom(bytes.AsMemory(0, bytes.Length - 20)));
        Assert.Throws<InvalidDataException>(() => VectorIndex.ReadFrom("not an index at all"u8.ToArray()));
    }

    [Fact]
    public void Search_EmptyIndex_NoHits() =>
        Assert.Empty(VectorIndex.Empty("m", 4, "fp").Search(new float[4], 8));
}
