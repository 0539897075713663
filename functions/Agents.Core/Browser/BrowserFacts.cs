using Agents.Core.Contracts;

namespace Agents.Core.Browser;

/// <summary>
/// What the policy sees of a planned browser call, beyond its arguments (<c>resource.*</c> in the policy):
/// <list type="bullet">
/// <item><c>origins</c>: where the call acts (for <c>browser_open</c> the URL's origin, or its scheme such as <c>file:</c>; for the others the page's origin).</item>
/// <item><c>allowed_origins</c>: the session's allowlist.</item>
/// <item><c>submits_to</c>: for <c>browser_click</c>, the origins of the form targets under the point (the form that holds the element, or a button's formaction).</item>
/// <item><c>page_submits_to</c>: the origins every form on the current page submits to (for a stricter policy: any click on such a page).</item>
/// </list>
/// Computed from the page as the broker saw it after the session's last action, so the policy check stays synchronous;
/// the click itself checks the live page again before it acts.
/// </summary>
public sealed record BrowserFacts(
    IReadOnlyList<string> Origins,
    IReadOnlyList<string> AllowedOrigins,
    IReadOnlyList<string> SubmitsTo,
    IReadOnlyList<string> PageSubmitsTo)
{
    public static readonly BrowserFacts None = new([], [], [], []);
}

/// <summary>Describes a planned browser call for the policy; <see cref="BrowserFacts.None"/> for other tools.</summary>
public interface IBrowserFacts
{
    BrowserFacts Describe(SessionMetadata session, PlanStep step);
}

/// <summary>For evaluators without a browser (benchmarks, tools that never browse): no facts.</summary>
public sealed class NoBrowserFacts : IBrowserFacts
{
    public static readonly NoBrowserFacts Instance = new();

    public BrowserFacts Describe(SessionMetadata session, PlanStep step) => BrowserFacts.None;
}

/// <summary>A form target on the page and where its controls are (viewport coordinates, as of the last action).</summary>
public sealed record FormTarget(string Origin, string Action, string Method, IReadOnlyList<Box> Boxes);

/// <summary>The page as the broker last saw it, for the policy: its URL and its form targets.</summary>
public sealed record PageSnapshot(string Url, IReadOnlyList<FormTarget> Forms)
{
    public static readonly PageSnapshot Blank = new(Browser.Origins.Blank, []);

    public IReadOnlyList<string> SubmitsTo(double x, double y) =>
        this.Forms.Where(f => f.Boxes.Any(b => b.Contains(x, y))).Select(f => f.Origin).Distinct(StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> AllSubmitTargets() => this.Forms.Select(f => f.Origin).Distinct(StringComparer.Ordinal).ToList();
}
