using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace Agents.Core.Storage;

/// <summary>Creates the platform's blob containers once (on first use) and hands out their clients.</summary>
public sealed class BlobContainers
{
    readonly Lazy<BlobServiceClient> service;
    readonly Dictionary<string, Lazy<Task<BlobContainerClient>>> containers;

    public BlobContainers(IOptions<StorageOptions> options)
    {
        StorageOptions settings = options.Value;
        this.service = new Lazy<BlobServiceClient>(() => CreateService(settings));
        this.containers = new[] { settings.EventsContainer, settings.PayloadsContainer, settings.TurnsContainer, settings.BudgetsContainer }
            .Distinct()
            .ToDictionary(name => name, name => new Lazy<Task<BlobContainerClient>>(() => this.CreateAsync(name)));
        this.Names = settings;
    }

    public StorageOptions Names { get; }

    public BlobServiceClient Service => this.service.Value;

    public Task<BlobContainerClient> EventsAsync() => this.containers[this.Names.EventsContainer].Value;

    public Task<BlobContainerClient> PayloadsAsync() => this.containers[this.Names.PayloadsContainer].Value;

    public Task<BlobContainerClient> TurnsAsync() => this.containers[this.Names.TurnsContainer].Value;

    public Task<BlobContainerClient> BudgetsAsync() => this.containers[this.Names.BudgetsContainer].Value;

    static BlobServiceClient CreateService(StorageOptions settings)
    {
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.MaxRetries = 3;
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            return new BlobServiceClient(settings.ConnectionString, clientOptions);
        }

        if (settings.BlobServiceUri is null)
        {
            throw new InvalidOperationException(
                "Blob storage is not configured: set Storage:ConnectionString (local, e.g. UseDevelopmentStorage=true for Azurite) or Storage:BlobServiceUri (Azure, managed identity).");
        }

        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = settings.ManagedIdentityClientId });
        return new BlobServiceClient(settings.BlobServiceUri, credential, clientOptions);
    }

    async Task<BlobContainerClient> CreateAsync(string name)
    {
        BlobContainerClient container = this.Service.GetBlobContainerClient(name);
        await container.CreateIfNotExistsAsync().ConfigureAwait(false);
        return container;
    }
}
