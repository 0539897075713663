using Agents.Core.Credentials;
using Agents.Core.Storage;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Tests.Credentials;

/// <summary>A read tool's credential redeemed for the snapshot container: a SAS on Azurite that reads and lists, nothing else.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SnapshotAccessTests(PlatformFixture platform)
{
    [Fact]
    public async Task SnapshotRead_ReadCredential_ReadsButCannotWriteAndExpiresWithTheCredential()
    {
        BlobServiceClient service = platform.Services.GetRequiredService<BlobContainers>().Service;
        BlobContainerClient snapshots = service.GetBlobContainerClient(new CredentialOptions().SnapshotsContainer);
        await snapshots.CreateIfNotExistsAsync();
        await snapshots.GetBlobClient("inventory-service/README.md").UploadAsync(BinaryData.FromString("# inventory-service"), overwrite: true);
        CredentialBroker broker = platform.Services.GetRequiredService<CredentialBroker>();
        var subject = new CredentialSubject("s-snapshot", "inventory-service", 1, "read");
        ScopedCredential credential = broker.Issue(CredentialScope.RepositoryRead, subject, approval: null)!;

        SnapshotGrant grant = await broker.Redeem(credential, CredentialScope.RepositoryRead, subject).SnapshotReadAsync();

        Assert.Equal("# inventory-service", (await grant.Blob("README.md").DownloadContentAsync()).Value.Content.ToString());
        Assert.True(grant.ExpiresOn <= credential.ExpiresAt);
        Assert.Contains("sp=rl", grant.SasUri.Query);
        var write = await Assert.ThrowsAsync<RequestFailedException>(() => grant.Blob("README.md").UploadAsync(BinaryData.FromString("changed"), overwrite: true));
        Assert.Equal(403, write.Status);
        Assert.Throws<ArgumentException>(() => grant.Blob("../other-repo/secret.txt"));
        Assert.DoesNotContain("sig=", grant.ToString());
    }

    [Fact]
    public async Task SnapshotRead_PushCredential_IsRefused()
    {
        CredentialBroker broker = platform.Services.GetRequiredService<CredentialBroker>();
        var subject = new CredentialSubject("s-snapshot", "inventory-service", 1, "pr");
        ScopedCredential push = broker.Issue(CredentialScope.PullRequestCreate, subject, new Agents.Core.Policy.ApprovalBinding("a-1", "lee", "b", "v", 0))!;

        var refused = await Assert.ThrowsAsync<CredentialRefusedException>(() => broker.Redeem(push, CredentialScope.PullRequestCreate, subject).SnapshotReadAsync());

        Assert.Equal(CredentialRefusal.OutOfScope, refused.Reason);
        Assert.Contains("does not give access to repository snapshots", refused.Message);
    }
}
