using Agents.Core.Contracts;

namespace Agents.Core.LongTermMemory;

/// <summary>One retrieved chunk: where it is in the repository (1-based, inclusive lines), how close it is, and its text.</summary>
/// <param name="Score">Cosine similarity of the chunk and the query (higher is closer; 1 is identical).</param>
public sealed record MemoryHit(string Path, int StartLine, int EndLine, double Score, string Text)
{
    public override string ToString() => $"{this.Path}:{this.StartLine}-{this.EndLine} ({this.Score:0.000})";
}

/// <summary>A file to index: its repository-relative path ('/' separators), the SHA-256 of its bytes, and its text.</summary>
public sealed record SourceFile(string Path, string Sha256, string Text);

/// <summary>A file the corpus scan left out, and why (<see cref="SkipReasons"/>).</summary>
public sealed record SkippedFile(string Path, string Reason);

public static class SkipReasons
{
    public const string Filtered = "filtered";
    public const string TooLarge = "too_large";
    public const string Binary = "binary";
    public const string Unreadable = "unreadable";
}

/// <summary>What an incremental (re)index did. Unchanged files kept their chunks and vectors; nothing was written when nothing changed.</summary>
public sealed record IndexReport(
    string Repository,
    int Files,
    int Unchanged,
    int Added,
    int Changed,
    int Removed,
    int Chunks,
    int ChunksEmbedded,
    bool Written,
    long ElapsedMs)
{
    public bool NothingChanged => this.Added == 0 && this.Changed == 0 && this.Removed == 0;

    public override string ToString() =>
        $"{this.Files} files ({this.Unchanged} unchanged, {this.Added} added, {this.Changed} changed, {this.Removed} removed), {this.Chunks} chunks, {this.ChunksEmbedded} embedded";
}

/// <summary>The memory cannot be used (not configured, unreachable, refused, container missing); the message says what to fix.</summary>
public sealed class MemoryUnavailableException(string message, Exception? inner = null) : InvalidOperationException(message, inner);

/// <summary>The <c>RetrieveMemory</c> activity's input: the session, its turn and the turn's input (the ticket) by reference.</summary>
/// <param name="K">Hits wanted; when null <see cref="MemoryOptions.TopK"/>, or <see cref="MemoryOptions.DegradedTopK"/> when degraded.</param>
public sealed record RetrieveRequest(SessionMetadata Session, int Turn, PayloadRef Input, int? K = null)
{
    /// <summary>The session is past the budget backoff share (80 %): fewer chunks, so the planner's prompt is shorter.</summary>
    public bool Backoff { get; init; }
}

/// <summary>The hits of one retrieval with their full text, as stored by reference (<see cref="RetrieveResult.HitsRef"/>) for the planner.</summary>
public sealed record RetrievedMemory(string Repository, int K, IReadOnlyList<MemoryHit> Hits);

/// <summary>A hit as it travels through orchestration history: location, score and a short preview; the full text is in <see cref="RetrieveResult.HitsRef"/>.</summary>
public sealed record RetrievedHit(string Path, int StartLine, int EndLine, double Score, string Preview);

/// <summary>
/// The <c>RetrieveMemory</c> activity's output. <see cref="HitsRef"/> holds the hits with their full text (JSON, a claim check).
/// When the index could not be built or searched the hits are empty and <see cref="Note"/> says why: retrieval never fails a turn.
/// </summary>
public sealed record RetrieveResult(IReadOnlyList<RetrievedHit> Hits, PayloadRef? HitsRef, string? Note, long LatencyMs)
{
    public IndexReport? Index { get; init; }
}
