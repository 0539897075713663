using System.Collections.Concurrent;
using System.Globalization;
using Agents.Core.Contracts;
using Agents.Core.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask.Client;

namespace Agents.Core.Sessions;

/// <summary>
/// <c>GET /api/sessions</c>: the sessions, newest first, a page at a time.
/// </summary>
/// <remarks>
/// Sessions are found by listing the event-log container (one append blob <c>{session}.jsonl</c> per session), not by
/// a Durable instance query. The listing itself carries each blob's name, creation and last-modified time (no content
/// is read; 5,000 names a call), it is the same on both hosts and every durable backend, and last-modified is
/// the time of the session's latest event, which is exactly its last activity. A Durable instance query with prefix
/// <c>s-</c> would scan the task hub's Instances table on the Azure Storage backend, and that prefix also matches every
/// turn instance (<c>s-{id}:t-{n}</c>), so it reads more rows than there are sessions. Session ids are random, so no
/// listing is in time order: newest-first sorts what was listed, by the blob's creation time, and within its whole
/// second by the session's own creation time.
/// <para>
/// Only the caller's org's sessions are listed, and counted in <see cref="SessionListView.Total"/>. The blob listing does
/// not say whose a session is, so every listed session is read from the durable engine (one point read each,
/// <see cref="ListReadConcurrency"/> at a time; that read also gives the user, org, status and turn count shown): a list
/// costs one read per session in the container. When that grows too slow, keep the org in the log blob's name (one
/// prefix per org) or an index, and list that instead.
/// </para>
/// </remarks>
public sealed partial class SessionService
{
    public const int DefaultListLimit = 20;
    public const int MaxListLimit = 100;
    const int ListReadConcurrency = 16;
    const string LogSuffix = ".jsonl";

    /// <param name="containers">The platform's blob containers (the event log's container is listed).</param>
    /// <param name="limit">Page size, 1 to <see cref="MaxListLimit"/>; <see cref="DefaultListLimit"/> when absent.</param>
    /// <param name="before">The cursor of the previous page's <see cref="SessionListView.Next"/>: sessions older than it.</param>
    /// <param name="caller">Whose sessions: those of the caller's org only.</param>
    public async Task<ApiResult<SessionListView>> ListSessionsAsync(BlobContainers containers, string? limit, string? before, Caller caller, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        int size = DefaultListLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxListLimit))
        {
            errors["limit"] = [$"a whole number from 1 to {MaxListLimit}"];
        }

        ListCursor? cursor = null;
        if (before is not null && (cursor = ListCursor.Parse(before)) is null)
        {
            errors["before"] = ["the 'next' cursor of a previous page, as returned"];
        }

        if (errors.Count > 0)
        {
            return ApiError.Invalid(errors);
        }

        BlobContainerClient container = await containers.EventsAsync().ConfigureAwait(false);
        var logs = new List<SessionLog>();
        await foreach (BlobItem blob in container.GetBlobsAsync(new GetBlobsOptions(), cancellationToken).ConfigureAwait(false))
        {
            if (blob.Name.EndsWith(LogSuffix, StringComparison.Ordinal) && blob.Name[..^LogSuffix.Length] is var id && Ids.IsValidSessionId(id))
            {
                DateTimeOffset modified = blob.Properties.LastModified ?? DateTimeOffset.UnixEpoch;
                logs.Add(new SessionLog(id, (blob.Properties.CreatedOn ?? modified).ToUnixTimeSeconds(), modified));
            }
        }

        // Whose each session is: read them all (a bounded number at a time), keep the caller's org's.
        var items = new ConcurrentDictionary<string, SessionListItem>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            logs,
            new ParallelOptions { MaxDegreeOfParallelism = ListReadConcurrency, CancellationToken = cancellationToken },
            async (log, ct) =>
            {
                SessionListItem item = await this.ListItemAsync(log, ct).ConfigureAwait(false);
                if (string.Equals(item.Org, caller.Org, StringComparison.Ordinal))
                {
                    items[log.SessionId] = item;
                }
            }).ConfigureAwait(false);

        // Blob times have whole seconds only: order by the second the log was created, and within a second by the
        // session's own creation time.
        var page = new List<SessionListItem>(size);
        ListCursor? last = null;
        bool more = false;
        foreach ((ListCursor key, SessionListItem item) in logs
            .Where(l => items.ContainsKey(l.SessionId))
            .Select(l => (Key: new ListCursor(l.CreatedSecond, items[l.SessionId].CreatedAt.Ticks, l.SessionId), Item: items[l.SessionId]))
            .Where(x => cursor is null || x.Key.CompareTo(cursor) > 0)
            .OrderBy(x => x.Key))
        {
            if (page.Count == size)
            {
                more = true;
                break;
            }

            page.Add(item);
            last = key;
        }

        return new SessionListView(page, size, items.Count, more ? $"{Base}?limit={size}&before={last}" : null);
    }

    async Task<SessionListItem> ListItemAsync(SessionLog log, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? session = await durable.GetInstanceAsync(Ids.SessionInstanceId(log.SessionId), getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        SessionStatus? status = session is null ? null : ReadSessionStatus(session);
        return new SessionListItem(
            log.SessionId,
            status?.Metadata.User,
            status?.Metadata.Org,
            status?.Metadata.Title,
            session is null ? "unknown" : Describe(session, status),
            status?.TurnCount ?? 0,
            status?.ActiveTurn,
            status?.Budget.UsedTokens ?? 0,
            status?.Budget.CostUsd ?? 0m,
            status?.Metadata.CreatedAt ?? DateTimeOffset.FromUnixTimeSeconds(log.CreatedSecond).UtcDateTime,
            log.LastModified.UtcDateTime,
            SessionHref(log.SessionId));
    }

    /// <summary>A session's event log as listed: its blob's creation second and when its latest event was written.</summary>
    sealed record SessionLog(string SessionId, long CreatedSecond, DateTimeOffset LastModified);

    /// <summary>
    /// A position in the newest-first order (each part descending): the second the session's log was created, the
    /// session's creation time, its id. Written as <c>{unix seconds}.{ticks}.{id}</c>, URL-safe as it is.
    /// </summary>
    sealed record ListCursor(long Second, long Ticks, string SessionId) : IComparable<ListCursor>
    {
        public int CompareTo(ListCursor? other) =>
            other is null ? -1
            : other.Second.CompareTo(this.Second) is var bySecond and not 0 ? bySecond
            : other.Ticks.CompareTo(this.Ticks) is var byTime and not 0 ? byTime
            : string.CompareOrdinal(other.SessionId, this.SessionId);

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{this.Second}.{this.Ticks}.{this.SessionId}");

        public static ListCursor? Parse(string text) =>
            text.Split('.') is [var second, var ticks, var id]
            && long.TryParse(second, NumberStyles.None, CultureInfo.InvariantCulture, out long s)
            && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out long t)
            && Ids.IsValidSessionId(id)
                ? new ListCursor(s, t, id)
                : null;
    }
}

/// <summary>One page of <c>GET /api/sessions</c>, newest first.</summary>
/// <param name="Total">How many sessions the caller's org has in all.</param>
/// <param name="Next">The link to the next (older) page; null on the last page.</param>
public sealed record SessionListView(IReadOnlyList<SessionListItem> Sessions, int Limit, int Total, string? Next);

/// <summary>A session in the list. <see cref="User"/> and <see cref="Org"/> are null when its orchestration is gone.</summary>
/// <param name="Status">As in <c>GET /api/sessions/{id}</c>: idle, running, expired...; <c>unknown</c> when the orchestration was purged.</param>
/// <param name="TurnCount">Finished turns (as in <c>GET /api/sessions/{id}</c>); <see cref="ActiveTurn"/> is the one running.</param>
/// <param name="Tokens">Tokens the session's finished turns used (input and output), as its budget ledger counts them.</param>
/// <param name="CostUsd">What those turns cost.</param>
/// <param name="LastActivityAt">When the session's latest event was written.</param>
public sealed record SessionListItem(
    string SessionId,
    string? User,
    string? Org,
    string? Title,
    string Status,
    int TurnCount,
    int? ActiveTurn,
    int Tokens,
    decimal CostUsd,
    DateTime CreatedAt,
    DateTime LastActivityAt,
    string Href);
