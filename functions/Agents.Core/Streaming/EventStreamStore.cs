using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Options;

namespace Agents.Core.Streaming;

/// <summary>How far a session's log has been published: the last event handled (sent or filtered) and where its line ends.</summary>
public sealed record StreamCheckpoint(long Seq, string Hash, long Length)
{
    public static readonly StreamCheckpoint Start = new(0, string.Empty, 0);

    /// <summary>The session's org, learned from its <c>session.created</c> event (the <c>org</c> application property).</summary>
    public string? Org { get; init; }

    public long Published { get; init; }

    /// <summary>Events the type filter left out (<see cref="EventStreamOptions.Types"/>); counted, never silent.</summary>
    public long Filtered { get; init; }

    public DateTime? UpdatedAt { get; init; }
}

/// <summary>A session that may have unpublished events: from its marker (with the marker's ETag) or from reconciliation.</summary>
public sealed record PendingSession(string SessionId, ETag? Marker);

/// <summary>An event read from the log and the byte offset just after its line.</summary>
public sealed record LoggedEvent(AgentEvent Event, long End);

/// <summary>
/// The publisher's state in Blob storage (container <see cref="EventStreamOptions.Container"/>, default
/// <c>agent-stream</c>), beside the event log that is the outbox:
/// <list type="bullet">
/// <item><c>pending/{session}</c>: an empty marker written after every append to the session's log; the sweep lists
/// these (active sessions only) and deletes one, conditional on its ETag, only when everything is published.</item>
/// <item><c>checkpoints/{session}.published</c>: the checkpoint (JSON; <c>seq</c> and <c>length</c> also as metadata, so
/// reconciliation compares every log with its checkpoint from two listings). Its blob lease makes one publisher at a
/// time own a session, across hosts.</item>
/// </list>
/// The log itself is read from the checkpoint's byte offset on (a ranged read), so a sweep costs the new bytes only.
/// </summary>
public sealed class EventStreamStore
{
    const string MarkerPrefix = "pending/";
    const string CheckpointPrefix = "checkpoints/";
    const string CheckpointSuffix = ".published";

    /// <summary>The log's blob name, as <see cref="BlobEventLog"/> names it (a test holds the two together).</summary>
    public const string LogSuffix = ".jsonl";

    readonly BlobContainers containers;
    readonly Lazy<Task<BlobContainerClient>> container;

    public EventStreamStore(BlobContainers containers, IOptions<EventStreamOptions> options)
    {
        this.containers = containers;
        this.container = new Lazy<Task<BlobContainerClient>>(async () =>
        {
            BlobContainerClient client = containers.Service.GetBlobContainerClient(options.Value.Container);
            await client.CreateIfNotExistsAsync().ConfigureAwait(false);
            return client;
        });
    }

    public Uri LogLocation(string sessionId) =>
        this.containers.Service.GetBlobContainerClient(this.containers.Names.EventsContainer).GetBlobClient(sessionId + LogSuffix).Uri;

    /// <summary>Marks the session as having events to publish (overwrites: a new ETag tells a running sweep to look again).</summary>
    public async Task MarkAsync(string sessionId, CancellationToken cancellationToken)
    {
        BlobContainerClient state = await this.container.Value.ConfigureAwait(false);
        await state.GetBlobClient(MarkerPrefix + sessionId).UploadAsync(BinaryData.Empty, overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<PendingSession> PendingAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BlobContainerClient state = await this.container.Value.ConfigureAwait(false);
        await foreach (BlobItem item in state.GetBlobsAsync(new GetBlobsOptions { Prefix = MarkerPrefix }, cancellationToken).ConfigureAwait(false))
        {
            yield return new PendingSession(item.Name[MarkerPrefix.Length..], item.Properties.ETag);
        }
    }

    /// <summary>Deletes the marker unless it was written again since it was listed (then the next sweep looks again).</summary>
    public async Task<bool> ClearAsync(PendingSession pending, CancellationToken cancellationToken)
    {
        if (pending.Marker is not ETag etag)
        {
            return true;
        }

        BlobContainerClient state = await this.container.Value.ConfigureAwait(false);
        try
        {
            await state.GetBlobClient(MarkerPrefix + pending.SessionId)
                .DeleteIfExistsAsync(conditions: new BlobRequestConditions { IfMatch = etag }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }

    public async Task<bool> IsMarkedAsync(string sessionId, CancellationToken cancellationToken)
    {
        BlobContainerClient state = await this.container.Value.ConfigureAwait(false);
        return await state.GetBlobClient(MarkerPrefix + sessionId).ExistsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes the session's lease, creating its checkpoint first if needed; null when another publisher holds it.</summary>
    public async Task<SessionLease?> TryLeaseAsync(string sessionId, TimeSpan duration, CancellationToken cancellationToken)
    {
        BlobContainerClient state = await this.container.Value.ConfigureAwait(false);
        BlobClient blob = state.GetBlobClient(CheckpointPrefix + sessionId + CheckpointSuffix);
        BlobLeaseClient lease = blob.GetBlobLeaseClient();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await lease.AcquireAsync(duration, cancellationToken: cancellationToken).ConfigureAwait(false);
                return new SessionLease(blob, lease);
            }
            catch (RequestFailedException e) when (e.Status == 404 && attempt == 1)
            {
                await CreateCheckpointAsync(blob, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                return null;
            }
        }
    }

    public async Task<StreamCheckpoint> ReadCheckpointAsync(string sessionId, CancellationToken cancellationToken)
    {
        BlobContainerClient state = await this.container.Value.ConfigureAwait(false);
        try
        {
            BlobDownloadResult content = await state.GetBlobClient(CheckpointPrefix + sessionId + CheckpointSuffix)
                .DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Content.ToObjectFromJson<StreamCheckpoint>(JsonDefaults.Web) ?? StreamCheckpoint.Start;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return StreamCheckpoint.Start;
        }
    }

    /// <summary>The session's events from byte <paramref name="offset"/> of its log on, each with the offset after its line.</summary>
    public async Task<IReadOnlyList<LoggedEvent>> ReadLogAsync(string sessionId, long offset, CancellationToken cancellationToken)
    {
        BlobContainerClient events = await this.containers.EventsAsync().ConfigureAwait(false);
        ReadOnlyMemory<byte> content;
        try
        {
            BlobDownloadResult result = await events.GetBlobClient(sessionId + LogSuffix)
                .DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(offset) }, cancellationToken).ConfigureAwait(false);
            content = result.Content.ToMemory();
        }
        catch (RequestFailedException e) when (e.Status is 404 or 416)
        {
            // No log yet, or nothing after the offset.
            return [];
        }

        var read = new List<LoggedEvent>();
        int start = 0;
        ReadOnlySpan<byte> bytes = content.Span;
        for (int newline; (newline = bytes[start..].IndexOf((byte)'\n')) >= 0; start += newline + 1)
        {
            ReadOnlySpan<byte> line = bytes.Slice(start, newline);
            if (line.IsEmpty)
            {
                continue;
            }

            AgentEvent e = JsonSerializer.Deserialize<AgentEvent>(line, JsonDefaults.Web)
                ?? throw new InvalidDataException($"event log of session {sessionId} holds an empty event at byte {offset + start}");
            read.Add(new LoggedEvent(e, offset + start + newline + 1));
        }

        // A line without its newline is not complete yet (appends are whole blocks, so this is not expected): it is read next time.
        return read;
    }

    /// <summary>
    /// Sessions whose log is longer than its published length: a merge of two listings in name order (the events
    /// container, and the checkpoints with their metadata), so it holds one entry of each in memory, never all sessions.
    /// </summary>
    public async IAsyncEnumerable<string> BehindAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BlobContainerClient events = await this.containers.EventsAsync().ConfigureAwait(false);
        BlobContainerClient state = await this.container.Value.ConfigureAwait(false);
        await using IAsyncEnumerator<(string Key, long Length)> checkpoints = Checkpoints(state, cancellationToken).GetAsyncEnumerator(cancellationToken);
        bool more = await checkpoints.MoveNextAsync().ConfigureAwait(false);
        await foreach (BlobItem log in events.GetBlobsAsync(new GetBlobsOptions(), cancellationToken).ConfigureAwait(false))
        {
            if (!log.Name.EndsWith(LogSuffix, StringComparison.Ordinal))
            {
                continue;
            }

            // Keys end with '.', which no session id holds, so both listings sort the same way by key.
            string session = log.Name[..^LogSuffix.Length];
            string key = session + ".";
            while (more && string.CompareOrdinal(checkpoints.Current.Key, key) < 0)
            {
                more = await checkpoints.MoveNextAsync().ConfigureAwait(false);
            }

            long published = more && checkpoints.Current.Key == key ? checkpoints.Current.Length : 0;
            if ((log.Properties.ContentLength ?? 0) > published)
            {
                yield return session;
            }
        }
    }

    static async IAsyncEnumerable<(string Key, long Length)> Checkpoints(BlobContainerClient state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = new GetBlobsOptions { Prefix = CheckpointPrefix, Traits = BlobTraits.Metadata };
        await foreach (BlobItem item in state.GetBlobsAsync(options, cancellationToken).ConfigureAwait(false))
        {
            if (item.Name.EndsWith(CheckpointSuffix, StringComparison.Ordinal))
            {
                string session = item.Name[CheckpointPrefix.Length..^CheckpointSuffix.Length];
                long length = item.Metadata?.TryGetValue("length", out string? value) == true && long.TryParse(value, CultureInfo.InvariantCulture, out long parsed) ? parsed : 0;
                yield return (session + ".", length);
            }
        }
    }

    static async Task CreateCheckpointAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            await blob.UploadAsync(
                BinaryData.FromObjectAsJson(StreamCheckpoint.Start, JsonDefaults.Web),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, Metadata = MetadataOf(StreamCheckpoint.Start) },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Another publisher created it first.
        }
    }

    internal static Dictionary<string, string> MetadataOf(StreamCheckpoint checkpoint) => new(StringComparer.Ordinal)
    {
        ["seq"] = checkpoint.Seq.ToString(CultureInfo.InvariantCulture),
        ["length"] = checkpoint.Length.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>A publisher's hold on one session (a blob lease on its checkpoint); the checkpoint is written under it.</summary>
public sealed class SessionLease(BlobClient checkpoint, BlobLeaseClient lease) : IAsyncDisposable
{
    public async Task WriteAsync(StreamCheckpoint value, CancellationToken cancellationToken) =>
        await checkpoint.UploadAsync(
            BinaryData.FromObjectAsJson(value, JsonDefaults.Web),
            new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { LeaseId = lease.LeaseId },
                Metadata = EventStreamStore.MetadataOf(value),
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            },
            cancellationToken).ConfigureAwait(false);

    public async Task RenewAsync(CancellationToken cancellationToken) =>
        await lease.RenewAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await lease.ReleaseAsync().ConfigureAwait(false);
        }
        catch (RequestFailedException)
        {
            // Expired or taken over: nothing to release.
        }
    }
}
