using System.Text;
using Agents.Core.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Agents.Core.Policy;

/// <summary>
/// Every policy version that was ever in force, kept in Blob storage (<c>_policies/{version}.yaml</c> in the payloads
/// container), so that a replay can run under a named past version after the host that loaded it is gone.
/// </summary>
public sealed class PolicyArchive(BlobContainers containers)
{
    const string Prefix = "_policies/";

    public async Task SaveAsync(CompiledPolicy policy, CancellationToken cancellationToken = default)
    {
        BlobClient blob = (await containers.PayloadsAsync().ConfigureAwait(false)).GetBlobClient(Prefix + policy.Version + ".yaml");
        try
        {
            await blob.UploadAsync(
                BinaryData.FromString(policy.Text),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // A version's content never changes (the store refuses that), so the first copy stands.
        }
    }

    public async Task<string?> TextAsync(string version, CancellationToken cancellationToken = default)
    {
        BlobClient blob = (await containers.PayloadsAsync().ConfigureAwait(false)).GetBlobClient(Prefix + version + ".yaml");
        try
        {
            return Encoding.UTF8.GetString((await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToArray());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<string>> VersionsAsync(CancellationToken cancellationToken = default)
    {
        var versions = new List<string>();
        await foreach (BlobItem item in (await containers.PayloadsAsync().ConfigureAwait(false)).GetBlobsAsync(BlobTraits.None, BlobStates.None, Prefix, cancellationToken).ConfigureAwait(false))
        {
            versions.Add(item.Name[Prefix.Length..^".yaml".Length]);
        }

        return versions;
    }
}

/// <summary>Archives the version in force whenever it changes.</summary>
public sealed class PolicyArchiver(IPolicyStore store, PolicyArchive archive, IOptions<PolicyOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string? archived = null;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.5, options.Value.ReloadSeconds)));
        do
        {
            CompiledPolicy current = store.Current;
            if (current.Version != archived)
            {
                try
                {
                    await archive.SaveAsync(current, stoppingToken).ConfigureAwait(false);
                    archived = current.Version;
                }
                catch (RequestFailedException)
                {
                    // Storage not reachable yet: try again on the next tick.
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
