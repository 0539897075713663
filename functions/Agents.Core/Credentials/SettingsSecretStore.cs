using Microsoft.Extensions.Configuration;

namespace Agents.Core.Credentials;

/// <summary>
/// Local secrets: section <c>Secrets</c> of the app's configuration (<c>Secrets:github-token</c>, set in the environment
/// as <c>Secrets__github-token</c> or in an uncommitted local.settings.json). Read at every call, so a changed value is
/// used at the next invocation.
/// </summary>
public sealed class SettingsSecretStore(IConfiguration configuration) : ISecretStore
{
    public const string Section = "Secrets";

    public Task<SecretValue> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        string? value = configuration[$"{Section}:{name}"];
        if (string.IsNullOrEmpty(value))
        {
            throw new SecretNotFoundException(
                name,
                $"secret '{name}' is not set: locally set {Section}:{name} (environment variable {Section}__{name}, or an uncommitted local.settings.json); in Azure set KeyVault:Uri to read it from Key Vault");
        }

        return Task.FromResult(new SecretValue(name, value));
    }
}
