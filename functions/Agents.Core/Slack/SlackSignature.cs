using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Agents.Core.Slack;

/// <summary>
/// Slack's request signing (v0): <c>v0=</c> + hex(HMAC-SHA256(signing secret, <c>v0:{timestamp}:{raw body}</c>)),
/// compared in constant time; timestamps older than the limit are refused so a captured request cannot be replayed.
/// </summary>
public static class SlackSignature
{
    public static string Sign(string signingSecret, long timestamp, string body) =>
        "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingSecret), Encoding.UTF8.GetBytes($"v0:{timestamp.ToString(CultureInfo.InvariantCulture)}:{body}")));

    /// <summary>Null when the request is authentic and fresh; otherwise why it is refused.</summary>
    public static string? Verify(string signingSecret, string? timestampHeader, string? signatureHeader, string body, DateTimeOffset now, TimeSpan maxAge)
    {
        if (string.IsNullOrEmpty(timestampHeader) || !long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out long timestamp))
        {
            return "missing or malformed X-Slack-Request-Timestamp";
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > maxAge.TotalSeconds)
        {
            return $"X-Slack-Request-Timestamp is more than {maxAge.TotalSeconds:0} s away from now (a replayed or delayed request)";
        }

        if (string.IsNullOrEmpty(signatureHeader) || !signatureHeader.StartsWith("v0=", StringComparison.Ordinal))
        {
            return "missing or malformed X-Slack-Signature";
        }

        byte[] expected = Encoding.ASCII.GetBytes(Sign(signingSecret, timestamp, body));
        byte[] actual = Encoding.ASCII.GetBytes(signatureHeader);
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? null : "X-Slack-Signature does not match the request";
    }
}
