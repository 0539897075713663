using System.ComponentModel.DataAnnotations;

namespace Agents.Core.Credentials;

/// <summary>Section <c>Credentials</c>: the per-invocation credentials the broker issues.</summary>
public sealed class CredentialOptions
{
    public const string Section = "Credentials";

    /// <summary>How long a credential is valid after it is issued. Five minutes at most.</summary>
    [Range(1, 300)]
    public int LifetimeSeconds { get; set; } = 300;

    /// <summary>
    /// Base64 HMAC-SHA256 key (at least 32 bytes) that seals credentials. Empty (the default): a random key made at
    /// startup, which suffices because a credential is issued and redeemed inside the same activity execution. Set it
    /// (from Key Vault) only when credentials must cross processes.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>Blob container holding repository snapshots (<c>{repository}/...</c>), which <c>repository:read</c> may read.</summary>
    [Required]
    public string SnapshotsContainer { get; set; } = "agent-snapshots";
}
