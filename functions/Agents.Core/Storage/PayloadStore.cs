using System.Security.Cryptography;
using System.Text;
using Agents.Core.Contracts;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Agents.Core.Storage;

/// <summary>
/// Kinds of payload that are the agent's private working state (the scratchpad): the model sees them and the core reads
/// them (replay included), but the API never serves them; events and spans carry only their reference.
/// </summary>
public static class PayloadKinds
{
    public const string Prompt = "prompt";
    public const string ModelResponse = "model_response";

    public static bool IsPrivate(string? kind) => kind is Prompt or ModelResponse;
}

/// <summary>A payload as stored: its bytes, content type and, for private working state, its kind.</summary>
public sealed record StoredPayload(byte[] Content, string ContentType, string? Kind)
{
    public bool IsPrivate => PayloadKinds.IsPrivate(this.Kind);
}

/// <summary>Content-addressed payloads (the claim check), one namespace per session.</summary>
public interface IPayloadStore
{
    Task<PayloadRef> PutAsync(string sessionId, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken = default);

    /// <summary>Stores private working state (see <see cref="PayloadKinds"/>): readable by the core, refused by the API.</summary>
    Task<PayloadRef> PutPrivateAsync(string sessionId, ReadOnlyMemory<byte> content, string contentType, string kind, CancellationToken cancellationToken = default);

    /// <summary>The content, whatever its kind: for the core's own use.</summary>
    Task<byte[]?> GetAsync(string sessionId, string sha256, CancellationToken cancellationToken = default);

    /// <summary>The content with its content type and kind: for whoever must decide whether it may leave (the API).</summary>
    Task<StoredPayload?> ReadAsync(string sessionId, string sha256, CancellationToken cancellationToken = default);
}

public static class PayloadStoreExtensions
{
    /// <summary>Stores text with every secret value the platform has fetched scrubbed out (see <see cref="Redaction.Redactor.RegisterSecret"/>).</summary>
    public static Task<PayloadRef> PutTextAsync(this IPayloadStore store, string sessionId, string text, string contentType = "text/plain; charset=utf-8", CancellationToken cancellationToken = default) =>
        store.PutAsync(sessionId, Encoding.UTF8.GetBytes(Redaction.Redactor.Default.RedactSecrets(text)), contentType, cancellationToken);

    public static Task<PayloadRef> PutPrivateTextAsync(this IPayloadStore store, string sessionId, string text, string kind, CancellationToken cancellationToken = default) =>
        store.PutPrivateAsync(sessionId, Encoding.UTF8.GetBytes(text), "text/plain; charset=utf-8", kind, cancellationToken);

    public static async Task<string> GetTextAsync(this IPayloadStore store, string sessionId, PayloadRef reference, CancellationToken cancellationToken = default)
    {
        byte[] bytes = await store.GetAsync(sessionId, reference.Sha256, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"payload {reference} of session {sessionId} is missing from storage");
        return Encoding.UTF8.GetString(bytes);
    }
}

public sealed class BlobPayloadStore(BlobContainers containers) : IPayloadStore
{
    public static string Hash(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    const string KindMetadata = "kind";

    public Task<PayloadRef> PutAsync(string sessionId, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken = default) =>
        this.StoreAsync(sessionId, content, contentType, null, cancellationToken);

    public Task<PayloadRef> PutPrivateAsync(string sessionId, ReadOnlyMemory<byte> content, string contentType, string kind, CancellationToken cancellationToken = default) =>
        this.StoreAsync(sessionId, content, contentType, kind, cancellationToken);

    async Task<PayloadRef> StoreAsync(string sessionId, ReadOnlyMemory<byte> content, string contentType, string? kind, CancellationToken cancellationToken)
    {
        string sha = Hash(content.Span);
        BlobClient blob = (await containers.PayloadsAsync().ConfigureAwait(false)).GetBlobClient(BlobName(sessionId, sha));
        try
        {
            // Create-only: the same content is stored once, however many times it is produced.
            await blob.UploadAsync(
                BinaryData.FromBytes(content),
                new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                    Metadata = kind is null ? null : new Dictionary<string, string> { [KindMetadata] = kind },
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Already stored.
        }

        return new PayloadRef(sha, content.Length, contentType);
    }

    public async Task<byte[]?> GetAsync(string sessionId, string sha256, CancellationToken cancellationToken = default) =>
        (await this.ReadAsync(sessionId, sha256, cancellationToken).ConfigureAwait(false))?.Content;

    public async Task<StoredPayload?> ReadAsync(string sessionId, string sha256, CancellationToken cancellationToken = default)
    {
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit))
        {
            return null;
        }

        BlobClient blob = (await containers.PayloadsAsync().ConfigureAwait(false)).GetBlobClient(BlobName(sessionId, sha256.ToLowerInvariant()));
        try
        {
            var result = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            BlobDownloadDetails details = result.Value.Details;
            return new StoredPayload(
                result.Value.Content.ToArray(),
                details.ContentType ?? "application/octet-stream",
                details.Metadata is not null && details.Metadata.TryGetValue(KindMetadata, out string? kind) ? kind : null);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    static string BlobName(string sessionId, string sha) => $"{sessionId}/{sha}";
}
