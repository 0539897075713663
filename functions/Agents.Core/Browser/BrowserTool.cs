using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Storage;
using Agents.Core.Tools;
using Microsoft.Extensions.Options;

namespace Agents.Core.Browser;

/// <summary>
/// One browser action as a catalog tool (runtime <see cref="ToolRuntime.Browser"/>). The six tools share the broker;
/// each turns its validated arguments into a <see cref="BrowserAction"/>, runs it for the step's session, and returns
/// the result as JSON with the browser.action event and the two screenshots (refs of kind <c>screenshot</c>).
/// </summary>
public sealed class BrowserTool(ToolDefinition definition, Func<JsonElement, BrowserAction> parse, BrowserBroker broker, IOptions<BrowserOptions> options)
    : IAgentTool
{
    public const string Prefix = "browser_";
    public const string Open = "browser_open";
    public const string Read = "browser_read";
    public const string Click = "browser_click";
    public const string Type = "browser_type";
    public const string Scroll = "browser_scroll";
    public const string Screenshot = "browser_screenshot";

    public static readonly IReadOnlyList<string> Names = [Open, Read, Click, Type, Scroll, Screenshot];

    /// <summary>The kind the replay UI renders as a filmstrip frame.</summary>
    public const string ScreenshotKind = "screenshot";

    /// <summary>Output names of the screenshots on the step.completed / step.failed and browser.action events.</summary>
    public const string ScreenshotBefore = "screenshot_before";
    public const string ScreenshotAfter = "screenshot_after";

    public ToolDefinition Definition { get; } = definition;

    /// <summary>The six browser tools; only these are ever exposed.</summary>
    public static IEnumerable<BrowserTool> All(BrowserBroker broker, IOptions<BrowserOptions> options)
    {
        BrowserOptions o = options.Value;
        yield return new BrowserTool(
            Define(Open, "Open a URL in the session's browser. Only allowlisted origins (http/https) can be opened; anything else is refused.", RiskTier.Medium,
                """{"type":"object","properties":{"url":{"type":"string","minLength":1,"maxLength":2048}},"required":["url"],"additionalProperties":false}"""),
            args => new OpenAction(args.RequiredString("url")), broker, options);
        yield return new BrowserTool(
            Define(Read, "Read the text of the current page, or of the first element matching a CSS selector.", RiskTier.Low,
                """{"type":"object","properties":{"selector":{"type":"string","minLength":1,"maxLength":500}},"additionalProperties":false}"""),
            args => new ReadAction(args.OptionalString("selector")), broker, options);
        yield return new BrowserTool(
            Define(Click, $"Click the centre of a box (CSS pixels of the {o.ViewportWidth}x{o.ViewportHeight} viewport); the whole box must be inside the viewport.", RiskTier.Medium,
                """{"type":"object","properties":{"x":{"type":"number","minimum":0},"y":{"type":"number","minimum":0},"width":{"type":"number","exclusiveMinimum":0},"height":{"type":"number","exclusiveMinimum":0}},"required":["x","y","width","height"],"additionalProperties":false}"""),
            args => BrowserBroker.TryBox(args, out Box box) ? new ClickAction(box.X, box.Y, box.Width, box.Height) : throw new ToolArgumentException("arguments x, y, width and height (numbers) are required"),
            broker, options);
        yield return new BrowserTool(
            Define(Type, "Type text into the focused field. Text that looks like a secret is refused.", RiskTier.Medium,
                """{"type":"object","properties":{"text":{"type":"string","minLength":1,"maxLength":""" + o.MaxTypeCharacters.ToString(System.Globalization.CultureInfo.InvariantCulture) + """}},"required":["text"],"additionalProperties":false}"""),
            args => new TypeAction(args.RequiredString("text")), broker, options);
        yield return new BrowserTool(
            Define(Scroll, "Scroll the page by dx, dy CSS pixels.", RiskTier.Low,
                """{"type":"object","properties":{"dx":{"type":"integer","minimum":-20000,"maximum":20000},"dy":{"type":"integer","minimum":-20000,"maximum":20000}},"required":["dy"],"additionalProperties":false}"""),
            args => new ScrollAction(args.OptionalInt("dx") ?? 0, args.OptionalInt("dy") ?? 0), broker, options);
        yield return new BrowserTool(
            Define(Screenshot, "Take a screenshot of the viewport (stored as evidence; the step's output names it).", RiskTier.Low,
                """{"type":"object","properties":{},"additionalProperties":false}"""),
            _ => new ScreenshotAction(), broker, options);
    }

    public async Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        BrowserAction action = parse(invocation.Arguments);
        var call = new BrowserCall(
            invocation.Session.SessionId,
            invocation.Turn,
            invocation.Revision,
            invocation.Step.Id,
            options.Value.AllowedOriginsFor(invocation.Session.Repository))
        {
            Approved = invocation.ApprovalId is not null,
        };
        BrowserActionResult result = await broker.RunAsync(call, action, cancellationToken).ConfigureAwait(false);
        string content = JsonSerializer.Serialize(result, JsonDefaults.Web);
        EventDraft evidence = BrowserBroker.Event(call, result);
        var named = new Dictionary<string, PayloadRef>();
        if (result.Before is not null)
        {
            named[ScreenshotBefore] = result.Before with { Kind = ScreenshotKind };
        }

        if (result.After is not null)
        {
            named[ScreenshotAfter] = result.After with { Kind = ScreenshotKind };
        }

        ToolOutput output = result.Succeeded
            ? ToolOutput.Success(content, Preview(result), "application/json")
            : ToolOutput.Failure($"{this.Definition.Name} {result.Outcome.Snake()}: {result.Reason}", content) with { ContentType = "application/json" };
        return output with { Events = [evidence], Attachments = named };
    }

    static string Preview(BrowserActionResult result) => result.Action switch
    {
        ReadAction => result.Text ?? string.Empty,
        _ => $"{result.Action.Name} on {result.UrlAfter}" + (result.Target is null ? string.Empty : $": {result.Target}"),
    };

    static ToolDefinition Define(string name, string description, RiskTier risk, string schema) =>
        new(name, description, schema, risk, RequiresApproval: false, ToolRuntime.Browser) { MaxDegradeLevel = 1 };
}
