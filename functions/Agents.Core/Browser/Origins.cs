using System.Globalization;

namespace Agents.Core.Browser;

/// <summary>
/// Web origins as browsers serialise them (<c>scheme://host[:port]</c>, lower case, default ports omitted), so that an
/// allowlist entry, a URL the agent asks for, and a form's target compare as plain strings.
/// WebSocket schemes count as their HTTP counterparts (<c>wss://a</c> is the origin <c>https://a</c>).
/// </summary>
public static class Origins
{
    /// <summary>The page the broker opens before any navigation: always allowed.</summary>
    public const string Blank = "about:blank";

    /// <summary>The origin of an http(s) or ws(s) URL; null for anything else (file:, data:, blob:, javascript:, chrome:...).</summary>
    public static string? Of(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out Uri? uri))
        {
            return null;
        }

        return Of(uri);
    }

    public static string? Of(Uri uri)
    {
        string? scheme = uri.Scheme.ToLowerInvariant() switch
        {
            "http" or "ws" => "http",
            "https" or "wss" => "https",
            _ => null,
        };
        if (scheme is null || string.IsNullOrEmpty(uri.IdnHost))
        {
            return null;
        }

        return Serialize(scheme, uri.IdnHost.ToLowerInvariant(), uri.Port);
    }

    /// <summary>What a URL is, for a refusal message: its origin, or its scheme when it has none (<c>file:</c>, <c>data:</c>).</summary>
    public static string Describe(string? url) =>
        Of(url) ?? (Uri.TryCreate(url?.Trim(), UriKind.Absolute, out Uri? uri) ? $"{uri.Scheme}:" : "an invalid URL");

    /// <summary>Normalises allowlist entries; an entry that is not an http(s) origin is an error (a typo must not widen or silently narrow scope).</summary>
    public static IReadOnlyList<string> NormalizeAll(IEnumerable<string> entries)
    {
        var result = new List<string>();
        foreach (string entry in entries)
        {
            string? origin = Of(entry);
            if (origin is null || !Uri.TryCreate(entry.Trim(), UriKind.Absolute, out Uri? uri) || uri.AbsolutePath.Length > 1 || uri.Query.Length > 0)
            {
                throw new ArgumentException($"'{entry}' is not an origin (scheme://host[:port], http or https, no path)");
            }

            if (!result.Contains(origin, StringComparer.Ordinal))
            {
                result.Add(origin);
            }
        }

        return result;
    }

    static string Serialize(string scheme, string host, int port)
    {
        if (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
        {
            host = $"[{host}]"; // IPv6 literal
        }

        bool defaultPort = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
        return defaultPort ? $"{scheme}://{host}" : $"{scheme}://{host}:{port.ToString(CultureInfo.InvariantCulture)}";
    }
}
