using System.Security.Cryptography;
using Agents.Core.Policy;
using Agents.Core.Redaction;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.Credentials;

/// <summary>
/// Issues a credential per tool invocation, of exactly the scope the catalog entry declares, for that step only, valid
/// for five minutes; and redeems it for what the scope allows (a secret from the store, a read-only snapshot SAS).
/// <see cref="CredentialScope.PullRequestCreate"/> is issued only for a step that carries an approval. Redemption
/// refuses a credential that was tampered with, has expired, was issued for another step, session or turn, or for
/// another scope, with a <see cref="CredentialRefusedException"/> that says which.
/// </summary>
public sealed partial class CredentialBroker
{
    static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    readonly byte[] key;
    readonly TimeSpan lifetime;
    readonly ISecretStore secrets;
    readonly TimeProvider time;
    readonly SnapshotAccess? snapshots;
    readonly ILogger<CredentialBroker> logger;
    readonly Redactor redactor;

    public CredentialBroker(
        IOptions<CredentialOptions> options, ISecretStore secrets, TimeProvider time, ILogger<CredentialBroker> logger, SnapshotAccess? snapshots = null, Redactor? redactor = null)
    {
        CredentialOptions settings = options.Value;
        this.key = string.IsNullOrWhiteSpace(settings.SigningKey) ? RandomNumberGenerator.GetBytes(32) : Convert.FromBase64String(settings.SigningKey);
        if (this.key.Length < 32)
        {
            throw new InvalidOperationException("Credentials:SigningKey must be at least 32 bytes, base64-encoded");
        }

        this.lifetime = TimeSpan.FromSeconds(settings.LifetimeSeconds);
        this.secrets = secrets;
        this.time = time;
        this.logger = logger;
        this.snapshots = snapshots;
        this.redactor = redactor ?? Redactor.Default;
    }

    public TimeSpan Lifetime => this.lifetime;

    /// <summary>
    /// The credential for one invocation, or null when the scope is <see cref="CredentialScope.None"/>. Refuses
    /// <see cref="CredentialScope.PullRequestCreate"/> without an approval.
    /// </summary>
    public ScopedCredential? Issue(CredentialScope scope, CredentialSubject subject, ApprovalBinding? approval)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (scope == CredentialScope.None)
        {
            return null;
        }

        if (scope.NeedsApproval() && approval is null)
        {
            this.LogRefused("(not issued)", scope.Name(), subject.ToString(), "no approval");
            throw new CredentialRefusedException(
                CredentialRefusal.NotApproved,
                $"no {scope.Name()} credential for {subject}: it is issued only for an approved step, and this step carries no approval");
        }

        string id = $"cred-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        DateTimeOffset issuedAt = this.time.GetUtcNow();
        DateTimeOffset expiresAt = issuedAt + this.lifetime;
        string? approvalId = scope.NeedsApproval() ? approval!.ApprovalId : null;
        string seal = ScopedCredential.ComputeSeal(this.key, ScopedCredential.Canonical(id, scope, subject, issuedAt, expiresAt, approvalId));
        var credential = new ScopedCredential(id, scope, subject, issuedAt, expiresAt, approvalId, seal);
        this.LogIssued(credential.Describe(), subject.ToString());
        return credential;
    }

    /// <summary>
    /// Checks <paramref name="credential"/> for a tool that needs <paramref name="requiredScope"/> acting for
    /// <paramref name="subject"/>, and returns what the scope gives access to. Throws <see cref="CredentialRefusedException"/> otherwise.
    /// </summary>
    public CredentialGrant Redeem(ScopedCredential? credential, CredentialScope requiredScope, CredentialSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (credential is null)
        {
            throw this.Refuse(null, requiredScope, subject, CredentialRefusal.Missing, $"{requiredScope.Name()} needs a credential and the invocation carries none");
        }

        byte[] expected = Convert.FromBase64String(ScopedCredential.ComputeSeal(
            this.key, ScopedCredential.Canonical(credential.Id, credential.Scope, credential.Subject, credential.IssuedAt, credential.ExpiresAt, credential.ApprovalId)));
        byte[] actual;
        try
        {
            actual = Convert.FromBase64String(credential.Seal);
        }
        catch (FormatException)
        {
            actual = [];
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            throw this.Refuse(credential, requiredScope, subject, CredentialRefusal.Tampered, "its seal does not match: it was altered or not issued by this platform");
        }

        if (credential.Scope != requiredScope)
        {
            throw this.Refuse(credential, requiredScope, subject, CredentialRefusal.OutOfScope, $"it is scoped to {credential.Scope.Name()}, not {requiredScope.Name()}");
        }

        if (credential.Subject != subject)
        {
            throw this.Refuse(credential, requiredScope, subject, CredentialRefusal.OtherStep, $"it was issued for {credential.Subject}, not for {subject}");
        }

        DateTimeOffset now = this.time.GetUtcNow();
        if (now >= credential.ExpiresAt)
        {
            throw this.Refuse(credential, requiredScope, subject, CredentialRefusal.Expired, $"it expired at {credential.ExpiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} ({now - credential.ExpiresAt:g} ago)");
        }

        if (now < credential.IssuedAt - ClockSkew)
        {
            throw this.Refuse(credential, requiredScope, subject, CredentialRefusal.NotYetValid, $"it is not valid before {credential.IssuedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
        }

        if (requiredScope.NeedsApproval() && string.IsNullOrEmpty(credential.ApprovalId))
        {
            throw this.Refuse(credential, requiredScope, subject, CredentialRefusal.NotApproved, "it carries no approval");
        }

        return new CredentialGrant(this, credential);
    }

    internal async Task<SecretValue> SecretAsync(ScopedCredential credential, string name, CancellationToken cancellationToken)
    {
        this.EnsureLive(credential);
        if (!credential.Scope.AllowedSecrets().Contains(name, StringComparer.Ordinal))
        {
            throw this.Refuse(credential, credential.Scope, credential.Subject, CredentialRefusal.OutOfScope, $"{credential.Scope.Name()} does not give access to secret '{name}'");
        }

        SecretValue secret = await this.secrets.GetAsync(name, cancellationToken).ConfigureAwait(false);
        // Before the tool holds it: whatever the tool does with it, events, payloads and Slack scrub it.
        this.redactor.RegisterSecret(secret.Reveal());
        return secret;
    }

    internal async Task<SnapshotGrant> SnapshotAsync(ScopedCredential credential, CancellationToken cancellationToken)
    {
        this.EnsureLive(credential);
        if (credential.Scope != CredentialScope.RepositoryRead)
        {
            throw this.Refuse(credential, credential.Scope, credential.Subject, CredentialRefusal.OutOfScope, $"{credential.Scope.Name()} does not give access to repository snapshots");
        }

        if (this.snapshots is null)
        {
            throw new InvalidOperationException("no snapshot store is configured");
        }

        // The SAS lives no longer than the credential it was redeemed with.
        return await this.snapshots.GrantReadAsync(credential.Subject.Repository, credential.ExpiresAt, cancellationToken).ConfigureAwait(false);
    }

    void EnsureLive(ScopedCredential credential)
    {
        if (this.time.GetUtcNow() >= credential.ExpiresAt)
        {
            throw this.Refuse(credential, credential.Scope, credential.Subject, CredentialRefusal.Expired, $"it expired at {credential.ExpiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
        }
    }

    CredentialRefusedException Refuse(ScopedCredential? credential, CredentialScope required, CredentialSubject subject, CredentialRefusal reason, string why)
    {
        string id = credential?.Id ?? "(none)";
        this.LogRefused(id, required.Name(), subject.ToString(), why);
        return new CredentialRefusedException(reason, $"credential {id} refused for {required.Name()} ({subject}): {why}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Issued {Credential} for {Subject}")]
    partial void LogIssued(string credential, string subject);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused credential {Credential} for {Scope} ({Subject}): {Reason}")]
    partial void LogRefused(string credential, string scope, string subject, string reason);
}

/// <summary>What a redeemed credential gives access to: only its scope's secrets and resources, only until it expires.</summary>
public sealed class CredentialGrant
{
    readonly CredentialBroker broker;

    internal CredentialGrant(CredentialBroker broker, ScopedCredential credential)
    {
        this.broker = broker;
        this.Credential = credential;
    }

    public ScopedCredential Credential { get; }

    /// <summary>A secret the scope allows (for example <see cref="SecretNames.GitHubToken"/> for pull-request:create), fetched now.</summary>
    public Task<SecretValue> SecretAsync(string name, CancellationToken cancellationToken = default) =>
        this.broker.SecretAsync(this.Credential, name, cancellationToken);

    /// <summary>For repository:read: a read-only SAS on the repository's snapshot, expiring with the credential.</summary>
    public Task<SnapshotGrant> SnapshotReadAsync(CancellationToken cancellationToken = default) =>
        this.broker.SnapshotAsync(this.Credential, cancellationToken);
}

public enum CredentialRefusal
{
    Missing,
    Tampered,
    OutOfScope,
    OtherStep,
    Expired,
    NotYetValid,
    NotApproved,
}

/// <summary>A credential the broker will not issue or honour. The message says why; it never holds a secret or a seal.</summary>
public sealed class CredentialRefusedException(CredentialRefusal reason, string message) : Exception(message)
{
    public CredentialRefusal Reason { get; } = reason;
}
