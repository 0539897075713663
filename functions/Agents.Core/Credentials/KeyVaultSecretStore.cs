using System.Collections.Concurrent;
using Azure;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Logging;

namespace Agents.Core.Credentials;

/// <summary>
/// Secrets from Azure Key Vault, read as the app's managed identity (DefaultAzureCredential with
/// <see cref="KeyVaultOptions.ManagedIdentityClientId"/>; the identity holds Key Vault Secrets User). A value is cached
/// for <see cref="KeyVaultOptions.CacheSeconds"/> so a burst of tool calls does not hit the vault's throttling limits,
/// and a rotated secret is picked up soon after. Logs name the secret and its version, never its value.
/// </summary>
public sealed partial class KeyVaultSecretStore(SecretClient client, TimeSpan cacheFor, TimeProvider time, ILogger<KeyVaultSecretStore> logger) : ISecretStore
{
    readonly ConcurrentDictionary<string, (SecretValue Value, DateTimeOffset Until)> cache = new(StringComparer.Ordinal);

    public static SecretClient CreateClient(KeyVaultOptions options, SecretClientOptions? clientOptions = null)
    {
        if (!options.IsConfigured)
        {
            throw new InvalidOperationException("KeyVault:Uri is not set (an absolute vault URI such as https://kv-name.vault.azure.net/)");
        }

        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) ? null : options.ManagedIdentityClientId,
        });
        return new SecretClient(options.Uri!, credential, clientOptions ?? new SecretClientOptions());
    }

    public Uri VaultUri => client.VaultUri;

    public async Task<SecretValue> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (this.cache.TryGetValue(name, out var cached) && now < cached.Until)
        {
            return cached.Value;
        }

        KeyVaultSecret secret;
        try
        {
            secret = (await client.GetSecretAsync(name, version: null, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new SecretNotFoundException(
                name,
                $"secret '{name}' is not set in Key Vault {client.VaultUri.Host}: set it with 'az keyvault secret set --vault-name <vault> --name {name} --value ...' (see README, Provision and deploy)",
                e);
        }
        catch (RequestFailedException e) when (e.Status is 401 or 403)
        {
            throw new SecretAccessDeniedException(
                name,
                $"the app's identity may not read secret '{name}' in Key Vault {client.VaultUri.Host} (HTTP {e.Status} {e.ErrorCode}): it needs the Key Vault Secrets User role on the vault, and the secret must be enabled",
                e);
        }
        catch (RequestFailedException e)
        {
            throw new SecretUnavailableException(name, $"Key Vault {client.VaultUri.Host} did not return secret '{name}' (HTTP {e.Status} {e.ErrorCode})", e);
        }
        catch (AuthenticationFailedException e)
        {
            throw new SecretAccessDeniedException(name, $"no Azure identity to read secret '{name}' from Key Vault {client.VaultUri.Host}: {e.Message}", e);
        }

        if (string.IsNullOrEmpty(secret.Value))
        {
            throw new SecretNotFoundException(name, $"secret '{name}' in Key Vault {client.VaultUri.Host} is empty");
        }

        var value = new SecretValue(name, secret.Value);
        this.cache[name] = (value, now + cacheFor);
        this.LogFetched(name, secret.Properties.Version, client.VaultUri.Host);
        return value;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fetched secret {Name} (version {Version}) from Key Vault {Vault}")]
    partial void LogFetched(string name, string? version, string vault);
}
