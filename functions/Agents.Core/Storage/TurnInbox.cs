using System.Text.Json;
using Agents.Core.Contracts;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Agents.Core.Storage;

/// <summary>A turn the edge accepted: its number is reserved atomically, so two requests can never both get turn n.</summary>
public sealed record TurnTicket(string SessionId, int Turn, string RequestId, PayloadRef Input, string RequestedBy, DateTime AcceptedAt)
{
    public bool LongContext { get; init; }
}

public interface ITurnInbox
{
    /// <summary>Reserves turn <c>n</c> of the session (create-only). False when that number is taken.</summary>
    Task<bool> TryReserveAsync(TurnTicket ticket, CancellationToken cancellationToken = default);

    Task<TurnTicket?> GetAsync(string sessionId, int turn, CancellationToken cancellationToken = default);
}

public sealed class BlobTurnInbox(BlobContainers containers) : ITurnInbox
{
    public async Task<bool> TryReserveAsync(TurnTicket ticket, CancellationToken cancellationToken = default)
    {
        BlobClient blob = (await containers.TurnsAsync().ConfigureAwait(false)).GetBlobClient(Name(ticket.SessionId, ticket.Turn));
        try
        {
            await blob.UploadAsync(
                BinaryData.FromObjectAsJson(ticket, JsonDefaults.Web),
                new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    public async Task<TurnTicket?> GetAsync(string sessionId, int turn, CancellationToken cancellationToken = default)
    {
        BlobClient blob = (await containers.TurnsAsync().ConfigureAwait(false)).GetBlobClient(Name(sessionId, turn));
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content.ToObjectFromJson<TurnTicket>(JsonDefaults.Web);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    static string Name(string sessionId, int turn) => $"{sessionId}/{turn:D6}.json";
}
