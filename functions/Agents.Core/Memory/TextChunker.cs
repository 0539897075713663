namespace Agents.Core.LongTermMemory;

/// <summary>A piece of a file: 1-based inclusive line range and its text (the lines joined with '\n').</summary>
public sealed record TextChunk(int StartLine, int EndLine, string Text);

/// <summary>
/// Cuts text into overlapping windows of lines: a chunk ends after <see cref="ChunkingOptions.Lines"/> lines or
/// <see cref="ChunkingOptions.MaxChars"/> characters, whichever comes first, and the next one starts
/// <see cref="ChunkingOptions.OverlapLines"/> lines earlier (at most a quarter of the chunk, so small chunks barely
/// overlap). A line longer than the character cap is cut into pieces that keep its line number.
/// </summary>
public static class TextChunker
{
    public static IReadOnlyList<TextChunk> Chunk(string text, ChunkingOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<Segment> segments = Segments(text, options.MaxChars);
        var chunks = new List<TextChunk>();
        int start = 0;
        while (start < segments.Count)
        {
            int end = start;
            int chars = 0;
            int lines = 0;
            int lastLine = -1;
            while (end < segments.Count)
            {
                Segment next = segments[end];
                bool newLine = next.Line != lastLine;
                int added = next.Text.Length + (end > start && newLine ? 1 : 0);
                if (end > start && (chars + added > options.MaxChars || (newLine && lines >= options.Lines)))
                {
                    break;
                }

                chars += added;
                lines += newLine ? 1 : 0;
                lastLine = next.Line;
                end++;
            }

            string body = Join(segments, start, end);
            if (!string.IsNullOrWhiteSpace(body))
            {
                chunks.Add(new TextChunk(segments[start].Line, segments[end - 1].Line, body));
            }

            if (end >= segments.Count)
            {
                break;
            }

            int overlap = Math.Min(options.OverlapLines, (end - start) / 4);
            start = Math.Max(start + 1, end - overlap);
        }

        return chunks;
    }

    /// <summary>Lines (1-based) without their terminators; lines over <paramref name="maxChars"/> cut into pieces.</summary>
    static List<Segment> Segments(string text, int maxChars)
    {
        var segments = new List<Segment>();
        int line = 0;
        int position = 0;
        while (position < text.Length)
        {
            int newline = text.IndexOf('\n', position);
            int stop = newline < 0 ? text.Length : newline;
            int contentEnd = stop > position && text[stop - 1] == '\r' ? stop - 1 : stop;
            line++;
            if (contentEnd == position)
            {
                segments.Add(new Segment(line, string.Empty));
            }

            for (int piece = position; piece < contentEnd; piece += maxChars)
            {
                segments.Add(new Segment(line, text[piece..Math.Min(contentEnd, piece + maxChars)]));
            }

            position = newline < 0 ? text.Length : newline + 1;
        }

        return segments;
    }

    static string Join(List<Segment> segments, int start, int end)
    {
        var text = new System.Text.StringBuilder();
        for (int i = start; i < end; i++)
        {
            if (i > start && segments[i].Line != segments[i - 1].Line)
            {
                text.Append('\n');
            }

            text.Append(segments[i].Text);
        }

        return text.ToString();
    }

    readonly record struct Segment(int Line, string Text);
}
