using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.Credentials;

public static class CredentialServices
{
    /// <summary>
    /// The credential broker, snapshot access and the secret store: Key Vault when <c>KeyVault:Uri</c> is set (Azure),
    /// local settings (<c>Secrets:{name}</c>) otherwise. Needs <c>BlobContainers</c> and a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddCredentials(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CredentialOptions>().Bind(configuration.GetSection(CredentialOptions.Section)).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrWhiteSpace(o.SigningKey) || IsKey(o.SigningKey), "Credentials:SigningKey must be base64 of at least 32 bytes (or empty: a random key per process)")
            .ValidateOnStart();
        services.AddOptions<KeyVaultOptions>().Bind(configuration.GetSection(KeyVaultOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISecretStore>(sp =>
        {
            KeyVaultOptions vault = sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value;
            return vault.IsConfigured
                ? new KeyVaultSecretStore(
                    KeyVaultSecretStore.CreateClient(vault),
                    TimeSpan.FromSeconds(vault.CacheSeconds),
                    sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<ILogger<KeyVaultSecretStore>>())
                : new SettingsSecretStore(configuration);
        });
        services.TryAddSingleton<SnapshotAccess>();
        services.TryAddSingleton<CredentialBroker>();
        return services;
    }

    static bool IsKey(string value)
    {
        Span<byte> buffer = stackalloc byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out int length) && length >= 32;
    }
}
