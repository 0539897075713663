using System.ComponentModel.DataAnnotations;

namespace Agents.Core.Browser;

/// <summary>
/// Section <c>Browser</c>: the computer-use broker. Off by default: with <see cref="Enabled"/> false the browser tools
/// are not in the catalog and no browser is ever started.
/// </summary>
public sealed class BrowserOptions
{
    public const string Section = "Browser";

    /// <summary>Offers the browser tools to the planner (and so starts Chromium on the first browser action).</summary>
    public bool Enabled { get; set; }

    /// <summary>Debian's Chromium (<c>apt-get install -y chromium</c>); Playwright's own browser download is never used.</summary>
    [Required]
    public string ExecutablePath { get; set; } = "/usr/bin/chromium";

    /// <summary>Origins every session may reach (<c>https://docs.example.com</c>, <c>http://127.0.0.1:8080</c>); everything else is refused.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>More origins for sessions on one repository (by repository name), added to <see cref="AllowedOrigins"/>.</summary>
    public Dictionary<string, List<string>> RepositoryOrigins { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Wall-clock cap of one action, screenshots included. Past it the page counts as hung: the browser is killed and relaunched.</summary>
    [Range(500, 300_000)]
    public int ActionTimeoutMilliseconds { get; set; } = 15_000;

    /// <summary>Cap on launching Chromium.</summary>
    [Range(1_000, 300_000)]
    public int LaunchTimeoutMilliseconds { get; set; } = 30_000;

    /// <summary>Browser actions one turn may take; further ones are refused.</summary>
    [Range(1, 10_000)]
    public int MaxActionsPerTurn { get; set; } = 50;

    /// <summary>Documents the session's window may load (top-level navigations, wherever they come from); further ones are refused.</summary>
    [Range(1, 100_000)]
    public int MaxPagesPerSession { get; set; } = 100;

    /// <summary>Bytes a session may move: response bodies its page loads (counted in the route) plus the screenshots and text it records.</summary>
    [Range(1_024, 10L << 30)]
    public long MaxBytesPerSession { get; set; } = 256L << 20;

    /// <summary>Sessions with a live browser context at once; one more is refused until one closes or idles out.</summary>
    [Range(1, 1_000)]
    public int MaxSessions { get; set; } = 16;

    /// <summary>A session's context (its page, cookies, storage) is closed after this long without an action; its counters and log stay.</summary>
    [Range(10, 86_400)]
    public int IdleSeconds { get; set; } = 1_800;

    [Range(320, 3840)]
    public int ViewportWidth { get; set; } = 1280;

    [Range(240, 2160)]
    public int ViewportHeight { get; set; } = 800;

    /// <summary><c>jpeg</c> (smaller for photos and gradients) or <c>png</c> (lossless, smaller for flat pages).</summary>
    [RegularExpression("^(jpeg|png)$")]
    public string ScreenshotFormat { get; set; } = "png";

    /// <summary>JPEG quality (ignored for PNG).</summary>
    [Range(10, 100)]
    public int ScreenshotQuality { get; set; } = 70;

    /// <summary>Characters <c>browser_read</c> returns at most.</summary>
    [Range(256, 1_000_000)]
    public int MaxReadCharacters { get; set; } = 20_000;

    /// <summary>Characters <c>browser_type</c> accepts at most.</summary>
    [Range(1, 100_000)]
    public int MaxTypeCharacters { get; set; } = 1_000;

    /// <summary>How long an action waits, after a click, for a navigation it started to show up.</summary>
    [Range(0, 10_000)]
    public int SettleMilliseconds { get; set; } = 150;

    public static bool HasValidOrigins(BrowserOptions options)
    {
        try
        {
            _ = Origins.NormalizeAll(options.AllowedOrigins.Concat(options.RepositoryOrigins.Values.SelectMany(v => v)));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The allowlist of a session on <paramref name="repository"/>: the global origins plus the repository's, normalised.</summary>
    public IReadOnlyList<string> AllowedOriginsFor(string? repository)
    {
        IEnumerable<string> all = this.AllowedOrigins;
        if (repository is not null && this.RepositoryOrigins.TryGetValue(repository, out List<string>? extra))
        {
            all = all.Concat(extra);
        }

        return Origins.NormalizeAll(all);
    }
}
