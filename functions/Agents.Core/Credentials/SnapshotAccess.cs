using Agents.Core.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Options;

namespace Agents.Core.Credentials;

/// <summary>
/// Read-only, short-lived access to repository snapshots in Blob storage (container
/// <see cref="CredentialOptions.SnapshotsContainer"/>, blobs <c>{repository}/...</c>): a container SAS with read and
/// list permissions only. In Azure it is a user-delegation SAS (signed with a key obtained as the app's managed
/// identity, so no account key exists; the identity needs a Storage Blob Data role, which includes the delegator
/// action); locally it is signed with Azurite's account key from the connection string. A SAS cannot be confined to
/// a name prefix in a flat-namespace account: it covers the snapshot container, read-only; the grant names the
/// repository's prefix and its <see cref="SnapshotGrant.Blob"/> stays inside it.
/// </summary>
public sealed class SnapshotAccess(BlobContainers containers, IOptions<CredentialOptions> options, TimeProvider time)
{
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);
    static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);
    readonly SemaphoreSlim keyLock = new(1, 1);
    UserDelegationKey? delegationKey;

    /// <summary>A read-only SAS on the snapshot container for <paramref name="repository"/>, valid until <paramref name="notAfter"/> and at most five minutes.</summary>
    public async Task<SnapshotGrant> GrantReadAsync(string repository, DateTimeOffset notAfter, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(repository) || repository.Contains('/') || repository.Contains('\\') || repository is "." or "..")
        {
            throw new ArgumentException($"'{repository}' is not a repository name", nameof(repository));
        }

        DateTimeOffset now = time.GetUtcNow();
        if (notAfter <= now)
        {
            throw new CredentialRefusedException(CredentialRefusal.Expired, $"no snapshot access for {repository}: the credential has expired");
        }

        DateTimeOffset expiresOn = notAfter < now + MaxLifetime ? notAfter : now + MaxLifetime;
        BlobContainerClient container = containers.Service.GetBlobContainerClient(options.Value.SnapshotsContainer);
        var sas = new BlobSasBuilder(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List, expiresOn)
        {
            BlobContainerName = container.Name,
            Resource = "c",
            StartsOn = now - ClockSkew,
            Protocol = container.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };

        Uri uri;
        if (container.CanGenerateSasUri)
        {
            uri = container.GenerateSasUri(sas); // local: a service SAS signed with the account key of the connection string
        }
        else
        {
            UserDelegationKey key = await this.DelegationKeyAsync(now, expiresOn, cancellationToken).ConfigureAwait(false);
            uri = new BlobUriBuilder(container.Uri) { Sas = sas.ToSasQueryParameters(key, containers.Service.AccountName) }.ToUri();
        }

        return new SnapshotGrant(repository, $"{repository}/", uri, expiresOn);
    }

    /// <summary>One user delegation key serves many SAS: it is asked for an hour at a time and renewed when a SAS would outlive it.</summary>
    async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset now, DateTimeOffset needUntil, CancellationToken cancellationToken)
    {
        await this.keyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (this.delegationKey is { } key && key.SignedExpiresOn >= needUntil && key.SignedStartsOn <= now)
            {
                return key;
            }

            this.delegationKey = (await containers.Service.GetUserDelegationKeyAsync(now - ClockSkew, now + TimeSpan.FromHours(1), cancellationToken).ConfigureAwait(false)).Value;
            return this.delegationKey;
        }
        finally
        {
            this.keyLock.Release();
        }
    }
}

/// <summary>
/// A read-only SAS for one repository's snapshot. The SAS is a bearer secret: <see cref="ToString"/> leaves it out, and
/// it must not be logged or put in an event; it expires with the credential it was redeemed with.
/// </summary>
public sealed class SnapshotGrant(string repository, string prefix, Uri containerSasUri, DateTimeOffset expiresOn)
{
    public string Repository { get; } = repository;

    /// <summary>Blob-name prefix of the repository's snapshot in the container.</summary>
    public string Prefix { get; } = prefix;

    public DateTimeOffset ExpiresOn { get; } = expiresOn;

    /// <summary>The container URI with the SAS query: hand it only to the client that reads the snapshot.</summary>
    public Uri SasUri { get; } = containerSasUri;

    /// <summary>A client for a file of the snapshot (a path relative to the repository root).</summary>
    public BlobClient Blob(string path, BlobClientOptions? options = null)
    {
        if (string.IsNullOrWhiteSpace(path) || path.StartsWith('/') || path.Contains('\\') || path.Split('/').Contains(".."))
        {
            throw new ArgumentException($"'{path}' is not a path inside the repository", nameof(path));
        }

        return new BlobContainerClient(this.SasUri, options).GetBlobClient(this.Prefix + path);
    }

    public override string ToString() => $"read-only snapshot access to {this.Repository} until {this.ExpiresOn.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";
}
