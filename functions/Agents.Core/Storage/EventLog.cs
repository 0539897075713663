using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Redaction;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Agents.Core.Storage;

/// <summary>The session's append-only, hash-chained event log: the source of truth for replay.</summary>
public interface IEventLog
{
    /// <summary>Appends the drafts whose ids are not in the log yet, in order, and returns what was appended.</summary>
    Task<IReadOnlyList<AgentEvent>> AppendAsync(string sessionId, IReadOnlyList<EventDraft> drafts, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AgentEvent>> ReadAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>The log exactly as stored, one JSON event per line, for verification.</summary>
    Task<IReadOnlyList<string>> ReadLinesAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Where the log lives (a blob URL).</summary>
    Uri LocationOf(string sessionId);
}

/// <summary>
/// One append blob per session (<c>{session}.jsonl</c>). Each append is a single block written with an
/// append-position condition, so concurrent writers (parallel steps, other instances) never interleave or fork the chain:
/// the loser reloads the tail and retries. Event ids are deterministic, so a retried activity appends nothing twice.
/// Every secret value the platform has fetched is scrubbed from an event's text before it is written.
/// </summary>
public sealed class BlobEventLog(BlobContainers containers, Redactor? redactor = null) : IEventLog
{
    readonly Redactor redactor = redactor ?? Redactor.Default;

    const int MaxAttempts = 30;
    readonly ConcurrentDictionary<string, Tail> tails = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.Ordinal);

    public Uri LocationOf(string sessionId) =>
        containers.Service.GetBlobContainerClient(containers.Names.EventsContainer).GetBlobClient(BlobName(sessionId)).Uri;

    public async Task<IReadOnlyList<AgentEvent>> AppendAsync(string sessionId, IReadOnlyList<EventDraft> drafts, CancellationToken cancellationToken = default)
    {
        if (drafts.Count == 0)
        {
            return [];
        }

        SemaphoreSlim gate = this.gates.GetOrAdd(sessionId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            AppendBlobClient blob = await this.BlobAsync(sessionId).ConfigureAwait(false);
            for (int attempt = 1; ; attempt++)
            {
                Tail tail = this.tails.TryGetValue(sessionId, out Tail? cached) ? cached : await LoadTailAsync(blob, cancellationToken).ConfigureAwait(false);
                var fresh = drafts.Where(d => !tail.Ids.Contains(d.Id)).DistinctBy(d => d.Id).ToList();
                if (fresh.Count == 0)
                {
                    this.tails[sessionId] = tail;
                    return [];
                }

                var appended = new List<AgentEvent>(fresh.Count);
                var text = new StringBuilder();
                string previous = tail.LastHash;
                long seq = tail.NextSeq;
                foreach (EventDraft draft in fresh)
                {
                    // Redacted before hashing: the chain covers exactly what is stored.
                    AgentEvent chained = Chain(this.Redacted(this.ToEvent(draft, seq++)), previous);
                    previous = chained.Hash;
                    appended.Add(chained);
                    text.Append(JsonSerializer.Serialize(chained, JsonDefaults.Web)).Append('\n');
                }

                byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
                try
                {
                    if (tail.Length == 0)
                    {
                        await blob.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    }

                    using var stream = new MemoryStream(bytes);
                    await blob.AppendBlockAsync(
                        stream,
                        new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = tail.Length } },
                        cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxAttempts)
                {
                    // Someone else appended first: reload the tail (their events may include ours) and try again,
                    // after a short random pause so that two writers do not keep colliding in step.
                    this.tails.TryRemove(sessionId, out _);
                    await Task.Delay(Random.Shared.Next(2, 10 * Math.Min(attempt, 10)), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var ids = new HashSet<string>(tail.Ids, StringComparer.Ordinal);
                ids.UnionWith(appended.Select(e => e.Id));
                this.tails[sessionId] = new Tail(tail.Length + bytes.Length, previous, seq, ids);
                return appended;
            }
        }
        catch
        {
            this.tails.TryRemove(sessionId, out _);
            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<IReadOnlyList<AgentEvent>> ReadAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        AppendBlobClient blob = await this.BlobAsync(sessionId).ConfigureAwait(false);
        return (await ReadAllAsync(blob, cancellationToken).ConfigureAwait(false)).Events;
    }

    public async Task<IReadOnlyList<string>> ReadLinesAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        AppendBlobClient blob = await this.BlobAsync(sessionId).ConfigureAwait(false);
        byte[]? content = await DownloadAsync(blob, cancellationToken).ConfigureAwait(false);
        return content is null ? [] : Encoding.UTF8.GetString(content).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The hash of an event is SHA-256 over the previous hash and the event's JSON with an empty hash field.</summary>
    public static string ComputeHash(AgentEvent e, string previousHash) => EventLogHash.Compute(e, previousHash);

    AgentEvent Redacted(AgentEvent e) => e with
    {
        Summary = redactor.Redact(e.Summary),
        Actor = e.Actor is null ? null : redactor.Redact(e.Actor),
        Inputs = Redacted(e.Inputs),
        Outputs = Redacted(e.Outputs),
    };

    IReadOnlyDictionary<string, string>? Redacted(IReadOnlyDictionary<string, string>? values) =>
        values?.ToDictionary(kv => kv.Key, kv => redactor.Redact(kv.Value), StringComparer.Ordinal);

    static AgentEvent Chain(AgentEvent e, string previousHash) =>
        e with { PrevHash = previousHash, Hash = ComputeHash(e, previousHash) };

    AgentEvent ToEvent(EventDraft d, long seq) =>
        new(seq, d.Id, d.Type, d.SessionId, this.redactor.RedactSecrets(d.Summary))
        {
            Time = d.Time ?? DateTime.UtcNow,
            Turn = d.Turn,
            Revision = d.Revision,
            Step = d.Step,
            Model = d.Model,
            Tokens = d.Tokens,
            CostUsd = d.CostUsd,
            LatencyMs = d.LatencyMs,
            Decision = d.Decision,
            Actor = d.Actor,
            Inputs = this.Scrub(d.Inputs),
            Outputs = this.Scrub(d.Outputs),
            Refs = d.Refs,
        };

    IReadOnlyDictionary<string, string>? Scrub(IReadOnlyDictionary<string, string>? values) =>
        values?.ToDictionary(kv => kv.Key, kv => this.redactor.RedactSecrets(kv.Value), StringComparer.Ordinal);

    static async Task<Tail> LoadTailAsync(AppendBlobClient blob, CancellationToken cancellationToken)
    {
        (List<AgentEvent> events, long length) = await ReadAllAsync(blob, cancellationToken).ConfigureAwait(false);
        return new Tail(
            length,
            events.Count == 0 ? string.Empty : events[^1].Hash,
            events.Count == 0 ? 1 : events[^1].Seq + 1,
            events.Select(e => e.Id).ToHashSet(StringComparer.Ordinal));
    }

    static async Task<(List<AgentEvent> Events, long Length)> ReadAllAsync(AppendBlobClient blob, CancellationToken cancellationToken)
    {
        byte[]? content = await DownloadAsync(blob, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return ([], 0);
        }

        var events = new List<AgentEvent>();
        foreach (string line in Encoding.UTF8.GetString(content).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            events.Add(JsonSerializer.Deserialize<AgentEvent>(line, JsonDefaults.Web)
                ?? throw new InvalidDataException($"event log {blob.Name} holds an empty line"));
        }

        return (events, content.LongLength);
    }

    static async Task<byte[]?> DownloadAsync(AppendBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            return (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    async Task<AppendBlobClient> BlobAsync(string sessionId) =>
        (await containers.EventsAsync().ConfigureAwait(false)).GetAppendBlobClient(BlobName(sessionId));

    static string BlobName(string sessionId) => $"{sessionId}.jsonl";

    sealed record Tail(long Length, string LastHash, long NextSeq, HashSet<string> Ids);
}
