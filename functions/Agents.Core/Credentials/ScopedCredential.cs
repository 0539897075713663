using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Agents.Core.Credentials;

/// <summary>Who a credential is for: one step of one turn of one session, on one repository.</summary>
public sealed record CredentialSubject(string SessionId, string Repository, int Turn, string Step)
{
    public override string ToString() => $"{this.SessionId} turn {this.Turn} step '{this.Step}' on {this.Repository}";
}

/// <summary>
/// A capability for one tool invocation: a scope, the step it was issued for, a validity window (five minutes) and,
/// for <see cref="CredentialScope.PullRequestCreate"/>, the approval that allowed it; sealed with an HMAC by the broker
/// so none of it can be changed. It carries no secret: the secret is fetched when the tool redeems it, for its scope
/// only. Its <see cref="ToString"/> leaves the seal out, so logging one does not hand it out.
/// </summary>
public sealed record ScopedCredential(
    string Id,
    CredentialScope Scope,
    CredentialSubject Subject,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string? ApprovalId,
    string Seal)
{
    /// <summary>What an audit trail may show: id, scope, expiry and approval (no seal).</summary>
    public string Describe() =>
        $"{this.Id} {this.Scope.Name()} until {this.ExpiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}{(this.ApprovalId is null ? string.Empty : $" approval {this.ApprovalId}")}";

    public override string ToString() => $"credential {this.Describe()} for {this.Subject}";

    /// <summary>The bytes the seal covers: every field, in a fixed order, unambiguously delimited.</summary>
    internal static byte[] Canonical(string id, CredentialScope scope, CredentialSubject subject, DateTimeOffset issuedAt, DateTimeOffset expiresAt, string? approvalId) =>
        Encoding.UTF8.GetBytes(string.Join(
            '\n',
            "agentfunctions-credential-v1",
            Field(id),
            scope.Name(),
            Field(subject.SessionId),
            Field(subject.Repository),
            subject.Turn.ToString(CultureInfo.InvariantCulture),
            Field(subject.Step),
            issuedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            expiresAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            approvalId is null ? "-" : Field(approvalId)));

    // Length-prefixed so that no choice of field values can produce another credential's canonical form.
    static string Field(string value) => $"{value.Length.ToString(CultureInfo.InvariantCulture)}:{value}";

    internal static string ComputeSeal(byte[] key, byte[] canonical) => Convert.ToBase64String(HMACSHA256.HashData(key, canonical));
}
