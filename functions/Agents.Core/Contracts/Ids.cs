using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Agents.Core.Contracts;

/// <summary>Deterministic, meaningful instance ids: session <c>s-{id}</c>, turn <c>s-{id}:t-{n}</c>.</summary>
public static partial class Ids
{
    const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    public static string SessionInstanceId(string sessionId) => $"s-{sessionId}";

    public static string TurnInstanceId(string sessionId, int turn) => $"s-{sessionId}:t-{turn}";

    /// <summary>A new session id: 12 characters from an unambiguous alphabet (about 60 bits).</summary>
    public static string NewSessionId()
    {
        Span<char> chars = stackalloc char[12];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return new string(chars);
    }

    /// <summary>Session ids accepted at the edge: 3 to 40 of [a-z0-9-], starting with a letter or digit.</summary>
    public static bool IsValidSessionId(string? sessionId) =>
        sessionId is not null && SessionIdPattern().IsMatch(sessionId);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,39}$")]
    private static partial Regex SessionIdPattern();
}
