using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Agents.Core.Redaction;

/// <summary>
/// Scrubs personal data and secrets from text before it leaves the process (events, spans, logs, Slack, API answers):
/// private keys, JWTs, connection strings, API keys and tokens in common formats, key=value secrets, emails, payment
/// cards (Luhn-checked), national ids, phone numbers and IP addresses, plus configured patterns. Each match becomes a
/// typed placeholder such as <c>[email]</c>, so what was there stays readable while its value does not.
/// Secret values the platform fetched (<see cref="RegisterSecret"/>) are scrubbed as literals whatever their format.
/// </summary>
public sealed partial class Redactor
{
    /// <summary>Shorter values would scrub ordinary words; no real secret is this short.</summary>
    public const int MinSecretLength = 8;

    readonly IReadOnlyList<Regex> extra;
    // Process-wide: a secret fetched through any instance is scrubbed by every instance (Default included).
    static readonly ConcurrentDictionary<string, byte> SecretValues = new(StringComparer.Ordinal);

    public Redactor(IEnumerable<string>? extraPatterns = null) =>
        this.extra = (extraPatterns ?? [])
            .Where(p => !string.IsNullOrWhiteSpace(p))
            .Select(p => new Regex(p, RegexOptions.Compiled | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200)))
            .ToList();

    public Redactor(IOptions<RedactionOptions> options)
        : this(options.Value.Patterns)
    {
    }

    /// <summary>The built-in detectors only (no configured patterns).</summary>
    public static Redactor Default { get; } = new();

    /// <summary>
    /// Scrub <paramref name="value"/> as a literal from now on (every <see cref="Redact"/> and
    /// <see cref="RedactSecrets"/>). The secret store's values are registered when they are fetched, so a secret can
    /// never reach an event, a Slack message or an API answer, whatever its format.
    /// </summary>
    public void RegisterSecret(string value)
    {
        if (!string.IsNullOrEmpty(value) && value.Length >= MinSecretLength)
        {
            SecretValues.TryAdd(value, 0);
        }
    }

    /// <summary>Only the registered secret values, each replaced by <c>[secret]</c>; cheap enough for every event.</summary>
    public string RedactSecrets(string? text)
    {
        if (string.IsNullOrEmpty(text) || SecretValues.IsEmpty)
        {
            return text ?? string.Empty;
        }

        string result = text;
        // Longest first, so a secret that contains another is replaced whole.
        foreach (string secret in SecretValues.Keys.OrderByDescending(k => k.Length))
        {
            result = result.Replace(secret, "[secret]", StringComparison.Ordinal);
        }

        return result;
    }

    /// <summary>
    /// Credentials only (registered secret values, private keys, JWTs, connection-string secrets, API keys and tokens,
    /// key=value secrets, storage account keys), not personal data: what is scrubbed from a prompt before it goes to a
    /// model, where personal data is governed by the data-sensitivity routing and the policy instead.
    /// </summary>
    public string RedactCredentials(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        // Each detector runs only when the text holds the characters its matches need: most text has no '@', no
        // "-----BEGIN", no "eyJ", so most passes are skipped (a cheap scan instead of a regex over the whole text).
        string result = this.RedactSecrets(text);
        if (result.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            result = PrivateKey().Replace(result, "[private-key]");
        }

        if (result.Contains("eyJ", StringComparison.Ordinal))
        {
            result = Jwt().Replace(result, "[jwt]");
        }

        bool equals = result.Contains('=');
        if (equals)
        {
            result = ConnectionString().Replace(result, m => $"{m.Groups["name"].Value}=[secret]");
        }

        if (MayHoldKnownToken(result))
        {
            result = KnownToken().Replace(result, "[api-key]");
        }

        if (equals || result.Contains(':'))
        {
            result = KeyValueSecret().Replace(result, m => $"{m.Groups["key"].Value}{m.Groups["sep"].Value}[secret]");
        }

        if (result.Contains("==", StringComparison.Ordinal))
        {
            result = StorageAccountKey().Replace(result, "[secret]");
        }

        return result;
    }

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        string result = this.RedactCredentials(text);
        if (result.Contains('@'))
        {
            result = Email().Replace(result, "[email]");
        }

        if (result.AsSpan().IndexOfAnyInRange('0', '9') >= 0)
        {
            result = CardCandidate().Replace(result, m => Luhn(m.Value) ? "[card]" : m.Value);
            result = NationalId().Replace(result, "[national-id]");
            result = Phone().Replace(result, "[phone]");
            if (result.Contains('.'))
            {
                result = IPv4().Replace(result, m => m.Value.StartsWith("127.", StringComparison.Ordinal) ? m.Value : "[ip]");
            }
        }

        if (result.Contains(':'))
        {
            result = IPv6().Replace(result, m => m.Value == "::1" || !m.Value.Contains("::", StringComparison.Ordinal) && m.Value.Count(c => c == ':') < 7 ? m.Value : "[ip]");
        }

        foreach (Regex pattern in this.extra)
        {
            result = pattern.Replace(result, "[redacted]");
        }

        return result;
    }

    /// <summary>
    /// The kinds of secret the text holds (private key, JWT, connection-string secret, API key or token, key=value secret,
    /// payment card), by the same detectors <see cref="Redact"/> uses; empty when it holds none.
    /// </summary>
    public IReadOnlyList<string> SecretKinds(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var kinds = new List<string>();
        (string Kind, bool Found)[] checks =
        [
            ("private-key", PrivateKey().IsMatch(text)),
            ("jwt", Jwt().IsMatch(text)),
            ("connection-string secret", ConnectionString().IsMatch(text)),
            ("api-key", KnownToken().IsMatch(text)),
            ("key=value secret", KeyValueSecret().IsMatch(text)),
            ("card", CardCandidate().Matches(text).Any(m => Luhn(m.Value))),
        ];
        kinds.AddRange(checks.Where(c => c.Found).Select(c => c.Kind));
        if (this.extra.Any(e => e.IsMatch(text)))
        {
            kinds.Add("redacted");
        }

        return kinds;
    }


    static bool MayHoldKnownToken(string text) =>
        text.Contains("sk-", StringComparison.Ordinal) || text.Contains("gh", StringComparison.Ordinal) || text.Contains("github_pat_", StringComparison.Ordinal) || text.Contains("xox", StringComparison.Ordinal)
        || text.Contains("AKIA", StringComparison.Ordinal) || text.Contains("ASIA", StringComparison.Ordinal) || text.Contains("AIza", StringComparison.Ordinal);

    /// <summary>The Luhn checksum payment card numbers carry (order ids and other long numbers mostly fail it).</summary>
    public static bool Luhn(string candidate)
    {
        var digits = candidate.Where(char.IsAsciiDigit).Select(c => c - '0').ToArray();
        if (digits.Length is < 13 or > 19)
        {
            return false;
        }

        int sum = 0;
        for (int i = 0; i < digits.Length; i++)
        {
            int d = digits[digits.Length - 1 - i];
            if (i % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)")]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")]
    private static partial Regex Jwt();

    [GeneratedRegex(@"(?<name>AccountKey|SharedAccessKey|SharedAccessSignature|sig|Password|Pwd)=(?<value>[^;""'\s&]+)", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionString();

    [GeneratedRegex(@"\b(sk-(proj-|ant-)?[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|(AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35})")]
    private static partial Regex KnownToken();

    [GeneratedRegex(@"(?<key>\b(password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret)\b)(?<sep>\s*[=:]\s*[""']?)[^\s""',;}]{4,}", RegexOptions.IgnoreCase)]
    private static partial Regex KeyValueSecret();

    // An Azure storage account key on its own: 64 random bytes in base64 (86 characters and "==").
    [GeneratedRegex(@"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==")]
    private static partial Regex StorageAccountKey();

    [GeneratedRegex(@"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")]
    private static partial Regex Email();

    [GeneratedRegex(@"\b(?:\d[ -]?){12,18}\d\b")]
    private static partial Regex CardCandidate();

    // US SSN, UK National Insurance number, Canadian SIN (3-3-3 with separators), Indian Aadhaar (4-4-4 with separators).
    // Never part of a longer run of digit groups (an order or tracking number that failed the card check).
    [GeneratedRegex(@"(?<!\d[ -]?)\b(\d{3}-\d{2}-\d{4}|[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]|\d{3}[- ]\d{3}[- ]\d{3}|\d{4} \d{4} \d{4})\b(?![- ]?\d)")]
    private static partial Regex NationalId();

    // The + may arrive JSON-escaped (\u002B) when the text is serialized arguments.
    [GeneratedRegex(@"(?<![\w.]|\d[ .-])((\+|\\u002[Bb])\d{1,3}[ .-]?)?(\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}\b(?![ .-]?\d)")]
    private static partial Regex Phone();

    [GeneratedRegex(@"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")]
    private static partial Regex IPv4();

    // Full and compressed (::) forms; the replacement keeps what is not an address (fewer than 7 colons and no "::").
    [GeneratedRegex(@"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){1,7}(?::|(?::[0-9a-fA-F]{1,4}){1,6}|[0-9a-fA-F]{1,4})(?![\w:])")]
    private static partial Regex IPv6();
}
