namespace Agents.Core.Credentials;

/// <summary>
/// Where secrets come from: Key Vault in Azure (<see cref="KeyVaultSecretStore"/>), local settings otherwise
/// (<see cref="SettingsSecretStore"/>). Only the credential broker reads it, at redemption, for a scope that allows the
/// secret; a value never goes into a prompt, an event, a span, a log or an exception message.
/// </summary>
public interface ISecretStore
{
    /// <summary>The secret's current value; <see cref="SecretNotFoundException"/> when it is not set, <see cref="SecretAccessDeniedException"/> when the app may not read it.</summary>
    Task<SecretValue> GetAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>A secret the store cannot hand out. The message names the secret and what to do, never a value.</summary>
public class SecretUnavailableException(string name, string message, Exception? inner = null) : Exception(message, inner)
{
    public string SecretName { get; } = name;
}

public sealed class SecretNotFoundException(string name, string message, Exception? inner = null) : SecretUnavailableException(name, message, inner);

public sealed class SecretAccessDeniedException(string name, string message, Exception? inner = null) : SecretUnavailableException(name, message, inner);
