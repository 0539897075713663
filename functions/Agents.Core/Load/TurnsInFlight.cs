using Agents.Core.Contracts;
using Agents.Core.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Agents.Core.Load;

/// <summary>Turns accepted and not yet finished, across every host: a marker per turn, set at admission, cleared at the end.</summary>
public interface ITurnsInFlight
{
    Task MarkAsync(string sessionId, int turn, CancellationToken cancellationToken = default);

    Task ClearAsync(string sessionId, int turn, CancellationToken cancellationToken = default);

    Task<int> CountAsync(TimeSpan maxAge, CancellationToken cancellationToken = default);
}

/// <summary>Markers are empty blobs under <c>_inflight/</c> in the turns container; counting lists that prefix (one request per 5,000).</summary>
public sealed class BlobTurnsInFlight(BlobContainers containers, TimeProvider clock) : ITurnsInFlight
{
    const string Prefix = "_inflight/";

    public async Task MarkAsync(string sessionId, int turn, CancellationToken cancellationToken = default)
    {
        BlobClient blob = (await containers.TurnsAsync().ConfigureAwait(false)).GetBlobClient(Name(sessionId, turn));
        await blob.UploadAsync(BinaryData.Empty, overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task ClearAsync(string sessionId, int turn, CancellationToken cancellationToken = default)
    {
        BlobClient blob = (await containers.TurnsAsync().ConfigureAwait(false)).GetBlobClient(Name(sessionId, turn));
        await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> CountAsync(TimeSpan maxAge, CancellationToken cancellationToken = default)
    {
        DateTimeOffset oldest = clock.GetUtcNow() - maxAge;
        int count = 0;
        await foreach (BlobItem item in (await containers.TurnsAsync().ConfigureAwait(false)).GetBlobsAsync(BlobTraits.None, BlobStates.None, Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (item.Properties.LastModified is not { } modified || modified >= oldest)
            {
                count++;
            }
        }

        return count;
    }

    static string Name(string sessionId, int turn) => $"{Prefix}{Ids.TurnInstanceId(sessionId, turn).Replace(':', '_')}";
}
