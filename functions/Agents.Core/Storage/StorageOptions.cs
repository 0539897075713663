using System.ComponentModel.DataAnnotations;

namespace Agents.Core.Storage;

/// <summary>Blob storage for the event log, payloads (claim checks) and turn requests. Section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Connection string (local: <c>UseDevelopmentStorage=true</c> for Azurite). Leave empty in Azure.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Blob endpoint used with managed identity in Azure, for example <c>https://acct.blob.core.windows.net</c>.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary>Client id of the user-assigned managed identity (Azure only).</summary>
    public string? ManagedIdentityClientId { get; set; }

    [Required]
    public string EventsContainer { get; set; } = "agent-events";

    [Required]
    public string PayloadsContainer { get; set; } = "agent-payloads";

    [Required]
    public string TurnsContainer { get; set; } = "agent-turns";

    [Required]
    public string BudgetsContainer { get; set; } = "agent-budgets";

    /// <summary>The long-term memory's index files, one per repository (the Blob memory provider).</summary>
    [Required]
    public string MemoryContainer { get; set; } = "agent-memory";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(this.ConnectionString) || this.BlobServiceUri is not null;
}
