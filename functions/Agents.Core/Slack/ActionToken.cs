using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Agents.Core.Storage;

namespace Agents.Core.Slack;

/// <summary>
/// What a Slack button or modal stands for: exactly one approval request of one turn of one session of one org, one
/// step (or all), one decision. Signed by the platform (not by Slack), so a click can never be redirected to a
/// different turn, session, org or request.
/// </summary>
public sealed record ActionToken(string SessionId, int Turn, string ApprovalId, string Org, string? Step, string Decision, string? Binding, long ExpiresAt)
{
    public string Seal(byte[] key)
    {
        string body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(this, JsonDefaults.Web));
        return $"{body}.{Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(body)))}";
    }

    /// <summary>The token when the seal is intact and it has not expired; otherwise null and why.</summary>
    public static (ActionToken? Token, string? Error) Open(string? sealedValue, byte[] key, DateTimeOffset now)
    {
        string[] parts = sealedValue?.Split('.') ?? [];
        if (parts.Length != 2)
        {
            return (null, "the action value is not a platform token");
        }

        byte[] expected = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(parts[0]));
        byte[] actual;
        try
        {
            actual = FromBase64Url(parts[1]);
        }
        catch (FormatException)
        {
            return (null, "the action value's seal is malformed");
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            return (null, "the action value's seal does not match: it was not issued by this platform or was altered");
        }

        ActionToken? token = JsonSerializer.Deserialize<ActionToken>(FromBase64Url(parts[0]), JsonDefaults.Web);
        if (token is null)
        {
            return (null, "the action value is empty");
        }

        return token.ExpiresAt < now.ToUnixTimeSeconds() ? (null, "the action has expired") : (token, null);
    }

    /// <summary>The key the platform signs action values with, derived from the Slack signing secret.</summary>
    public static byte[] KeyFrom(string signingSecret) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(signingSecret), 32, info: Encoding.ASCII.GetBytes("agentfunctions/slack-actions/v1"));

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static byte[] FromBase64Url(string text)
    {
        string padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }
}
