namespace Agents.Core.LongTermMemory;

/// <summary>
/// The long-term memory: a vector index of a repository's code and docs, chunked with their line ranges. Locally a
/// binary index in Blob storage searched in process (<see cref="BlobMemoryIndex"/>); in Azure the same interface is
/// served by Cosmos DB vector search (<see cref="CosmosMemoryIndex"/>).
/// </summary>
public interface IMemoryIndex
{
    /// <summary>The store's name, for events and logs (<c>blob</c>, <c>cosmos</c>).</summary>
    string Store { get; }

    /// <summary>
    /// Makes the repository's index hold exactly <paramref name="files"/>, incrementally by content hash: unchanged files
    /// keep their chunks and vectors, changed and new files are chunked and embedded, files no longer listed are dropped.
    /// Whoever builds the list decides what may be indexed (see <see cref="RepositoryCorpus"/>).
    /// </summary>
    Task<IndexReport> IndexAsync(string repository, IReadOnlyList<SourceFile> files, CancellationToken cancellationToken = default);

    /// <summary>
    /// The <paramref name="k"/> chunks closest to <paramref name="query"/>, best first. Hits whose file
    /// <paramref name="mayRead"/> refuses are withheld (the index is shared by every session on the repository; the
    /// caller's policy decides what it may see).
    /// </summary>
    Task<IReadOnlyList<MemoryHit>> SearchAsync(string repository, string query, int k, Func<string, bool>? mayRead = null, CancellationToken cancellationToken = default);
}
