using System.Text.Json;
using Agents.Core.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Agents.Core.Budgets;

public sealed record OrgBudgetRefusal(long Limit, long Used, long Reserved, DateTime ResetsAt);

/// <summary>An org's daily token budget, shared by all its sessions and hosts.</summary>
public interface IOrgBudget
{
    /// <summary>Reserves a turn's worst case (its caps) for the day; null when granted, the refusal otherwise. Idempotent per turn.</summary>
    Task<OrgBudgetRefusal?> TryReserveAsync(string org, string turnId, DateTime day, long tokens, long dailyLimit, CancellationToken cancellationToken = default);

    /// <summary>Replaces the turn's reservation with what it spent. Idempotent per turn.</summary>
    Task SettleAsync(string org, string turnId, DateTime day, long spent, CancellationToken cancellationToken = default);

    /// <summary>Drops a reservation whose turn was never accepted.</summary>
    Task ReleaseAsync(string org, string turnId, DateTime day, CancellationToken cancellationToken = default);
}

/// <summary>
/// One JSON blob per org and UTC day, updated read-modify-write under its ETag, so concurrent turns on any host cannot
/// overspend together. Reservations are kept by turn id, which makes reserve and settle safe to retry.
/// </summary>
public sealed class BlobOrgBudget(BlobContainers containers) : IOrgBudget
{
    const int MaxAttempts = 20;

    // One writer per org-day in this process: concurrent turns of one org would otherwise race for the same blob and
    // could use up their attempts (a 500 under load); the ETag condition still settles races between processes.
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.Ordinal);

    public Task<OrgBudgetRefusal?> TryReserveAsync(string org, string turnId, DateTime day, long tokens, long dailyLimit, CancellationToken cancellationToken = default) =>
        this.UpdateAsync(org, day, dailyLimit, doc =>
        {
            if (doc.Reservations.ContainsKey(turnId) || doc.Settled.Contains(turnId))
            {
                return (true, null);
            }

            long reserved = doc.Reservations.Values.Sum();
            if (doc.Used + reserved + tokens > doc.Limit)
            {
                return (false, new OrgBudgetRefusal(doc.Limit, doc.Used, reserved, day.Date.AddDays(1)));
            }

            doc.Reservations[turnId] = tokens;
            return (true, null);
        }, cancellationToken);

    public Task SettleAsync(string org, string turnId, DateTime day, long spent, CancellationToken cancellationToken = default) =>
        this.UpdateAsync(org, day, null, doc =>
        {
            if (doc.Settled.Contains(turnId))
            {
                return (false, null);
            }

            doc.Reservations.Remove(turnId);
            doc.Settled.Add(turnId);
            doc.Used += spent;
            return (true, null);
        }, cancellationToken);

    public Task ReleaseAsync(string org, string turnId, DateTime day, CancellationToken cancellationToken = default) =>
        this.UpdateAsync(org, day, null, doc => (doc.Reservations.Remove(turnId), null), cancellationToken);

    async Task<OrgBudgetRefusal?> UpdateAsync(string org, DateTime day, long? limit, Func<OrgDay, (bool Write, OrgBudgetRefusal? Refusal)> change, CancellationToken cancellationToken)
    {
        string name = $"org/{Uri.EscapeDataString(org)}/{day:yyyy-MM-dd}.json";
        BlobClient blob = (await containers.BudgetsAsync().ConfigureAwait(false)).GetBlobClient(name);
        SemaphoreSlim gate = this.gates.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await UpdateBlobAsync(blob, limit, change, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    static async Task<OrgBudgetRefusal?> UpdateBlobAsync(BlobClient blob, long? limit, Func<OrgDay, (bool Write, OrgBudgetRefusal? Refusal)> change, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            OrgDay doc;
            ETag? etag = null;
            try
            {
                var content = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
                doc = JsonSerializer.Deserialize<OrgDay>(content.Value.Content.ToMemory().Span, JsonDefaults.Web)!;
                etag = content.Value.Details.ETag;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                doc = new OrgDay { Limit = limit ?? long.MaxValue };
            }

            if (limit is long l)
            {
                doc.Limit = l; // the org's cap as configured now
            }

            (bool write, OrgBudgetRefusal? refusal) = change(doc);
            if (!write)
            {
                return refusal;
            }

            try
            {
                await blob.UploadAsync(
                    BinaryData.FromObjectAsJson(doc, JsonDefaults.Web),
                    new BlobUploadOptions { Conditions = etag is { } tag ? new BlobRequestConditions { IfMatch = tag } : new BlobRequestConditions { IfNoneMatch = ETag.All } },
                    cancellationToken).ConfigureAwait(false);
                return refusal;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(2, 20), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    sealed class OrgDay
    {
        public long Limit { get; set; }

        public long Used { get; set; }

        public Dictionary<string, long> Reservations { get; set; } = new(StringComparer.Ordinal);

        public HashSet<string> Settled { get; set; } = new(StringComparer.Ordinal);
    }
}
