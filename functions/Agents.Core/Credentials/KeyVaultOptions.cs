using System.ComponentModel.DataAnnotations;

namespace Agents.Core.Credentials;

/// <summary>Section <c>KeyVault</c>: where secrets come from in Azure. Empty <see cref="Uri"/>: local settings (<c>Secrets:{name}</c>).</summary>
public sealed class KeyVaultOptions
{
    public const string Section = "KeyVault";

    /// <summary>Vault URI, for example <c>https://kv-xyz.vault.azure.net/</c> (infra output <c>AZURE_KEY_VAULT_ENDPOINT</c>).</summary>
    public Uri? Uri { get; set; }

    /// <summary>Client id of the user-assigned managed identity that holds Key Vault Secrets User on the vault.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>How long a fetched secret is reused before Key Vault is asked again (a rotated secret is picked up after this).</summary>
    [Range(0, 3600)]
    public int CacheSeconds { get; set; } = 60;

    public bool IsConfigured => this.Uri is { IsAbsoluteUri: true };
}
