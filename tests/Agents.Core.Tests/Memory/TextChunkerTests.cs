using Agents.Core.LongTermMemory;

namespace Agents.Core.Tests.LongTermMemory;

public sealed class TextChunkerTests
{
    static string Lines(int count, Func<int, string>? line = null) =>
        string.Join("\n", Enumerable.Range(1, count).Select(line ?? (i => $"line {i}"))) + "\n";

    [Fact]
    public void Chunk_HundredLines_OverlappingWindowsWithTheirLineRanges()
    {
        // Arrange
        string text = Lines(100);

        // Act
        IReadOnlyList<TextChunk> chunks = TextChunker.Chunk(text, new ChunkingOptions(40, 10, 10_000));

        // Assert
        Assert.Equal([(1, 40), (31, 70), (61, 100)], chunks.Select(c => (c.StartLine, c.EndLine)));
        Assert.All(chunks, c => Assert.Equal(string.Join("\n", Enumerable.Range(c.StartLine, c.EndLine - c.StartLine + 1).Select(i => $"line {i}")), c.Text));
    }

    [Fact]
    public void Chunk_CodeLikeText_EveryChunkIsItsLinesAndEveryLineIsCovered()
    {
        // Arrange: lines of varied length, some longer than the character cap
        var random = new Random(7);
        string[] lines = Enumerable.Range(1, 500)
            .Select(i => i % 97 == 0 ? new string('x', 2_500) : i % 13 == 0 ? string.Empty : $"    value_{i} = compute({new string('a', random.Next(0, 120))})")
            .ToArray();
        string text = string.Join("\r\n", lines);
        var options = new ChunkingOptions(40, 10, 1_000);

        // Act
        IReadOnlyList<TextChunk> chunks = TextChunker.Chunk(text, options);

        // Assert
        var covered = new HashSet<int>();
        for (int i = 0; i < chunks.Count; i++)
        {
            TextChunk chunk = chunks[i];
            Assert.InRange(chunk.StartLine, 1, lines.Length);
            Assert.InRange(chunk.EndLine, chunk.StartLine, lines.Length);
            Assert.True(chunk.EndLine - chunk.StartLine < options.Lines);
            Assert.True(chunk.Text.Length <= options.MaxChars, $"chunk {i} has {chunk.Text.Length} characters");
            string source = string.Join("\n", lines[(chunk.StartLine - 1)..chunk.EndLine]);
            Assert.Contains(chunk.Text, source, StringComparison.Ordinal);
            if (i > 0)
            {
                Assert.True(chunk.StartLine >= chunks[i - 1].StartLine);
            }

            covered.UnionWith(Enumerable.Range(chunk.StartLine, chunk.EndLine - chunk.StartLine + 1));
        }

        Assert.All(Enumerable.Range(1, lines.Length).Where(n => lines[n - 1].Length > 0), n => Assert.Contains(n, covered));
    }

    [Fact]
    public void Chunk_LineLongerThanTheCap_CutIntoPiecesThatKeepItsLineNumber()
    {
        // Arrange
        string text = "first\n" + new string('y', 2_500) + "\nlast\n";

        // Act
        IReadOnlyList<TextChunk> chunks = TextChunker.Chunk(text, new ChunkingOptions(40, 10, 1_000));

        // Assert
        Assert.Equal([(1, 1), (2, 2), (2, 2), (2, 3)], chunks.Select(c => (c.StartLine, c.EndLine)));
        Assert.Equal(new string('y', 2_500), string.Concat(chunks.Skip(1).Select(c => c.Text.Replace("\nlast", string.Empty, StringComparison.Ordinal))));
    }

    [Fact]
    public void Chunk_CrLfAndTrailingNewline_LinesCountedOnce()
    {
        IReadOnlyList<TextChunk> chunks = TextChunker.Chunk("alpha\r\nbeta\r\n", ChunkingOptions.Default);

        TextChunk chunk = Assert.Single(chunks);
        Assert.Equal((1, 2, "alpha\nbeta"), (chunk.StartLine, chunk.EndLine, chunk.Text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n   \n\t\n")]
    public void Chunk_NothingButWhitespace_NoChunks(string text) =>
        Assert.Empty(TextChunker.Chunk(text, ChunkingOptions.Default));

    [Fact]
    public void Chunk_SmallChunks_OverlapAtMostAQuarter()
    {
        // Arrange: 8 lines of 100 characters under a 300-character cap: 2 lines per chunk, so no overlap
        string text = Lines(8, i => new string((char)('a' + i), 100));

        // Act
        IReadOnlyList<TextChunk> chunks = TextChunker.Chunk(text, new ChunkingOptions(40, 10, 300));

        // Assert
        Assert.Equal([(1, 2), (3, 4), (5, 6), (7, 8)], chunks.Select(c => (c.StartLine, c.EndLine)));
    }
}
