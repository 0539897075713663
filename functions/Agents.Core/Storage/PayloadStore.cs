using System.Security.Cryptography;
using System.Text;
using Agents.Core.Contracts;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Agents.Core.Storage;

/// <summary>Content-addressed payloads (the claim check), one namespace per session.</summary>
public interface IPayloadStore
{
    Task<PayloadRef> PutAsync(string sessionId, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken = default);

    Task<byte[]?> GetAsync(string sessionId, string sha256, CancellationToken cancellationToken = default);
}

public static class PayloadStoreExtensions
{
    /// <summary>Stores text with every secret value the platform has fetched scrubbed out (see <see cref="Redaction.Redactor.RegisterSecret"/>).</summary>
    public static Task<PayloadRef> PutTextAsync(this IPayloadStore store, string sessionId, string text, string contentType = "text/plain; charset=utf-8", CancellationToken cancellationToken = default) =>
        store.PutAsync(sessionId, Encoding.UTF8.GetBytes(Redaction.Redactor.Default.RedactSecrets(text)), contentType, cancellationToken);

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

    public async Task<PayloadRef> PutAsync(string sessionId, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken = default)
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

    public async Task<byte[]?> GetAsync(string sessionId, string sha256, CancellationToken cancellationToken = default)
    {
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit))
        {
            return null;
        }

        BlobClient blob = (await containers.PayloadsAsync().ConfigureAwait(false)).GetBlobClient(BlobName(sessionId, sha256.ToLowerInvariant()));
        try
        {
            var result = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    static string BlobName(string sessionId, string sha) => $"{sessionId}/{sha}";
}
