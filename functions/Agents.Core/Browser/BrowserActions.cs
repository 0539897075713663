using System.Text.Json.Serialization;
using Agents.Core.Contracts;

namespace Agents.Core.Browser;

/// <summary>Who acts and under which scope: the session (its own browser and context), the turn and step (for limits and the log) and the allowlist.</summary>
public sealed record BrowserCall(string SessionId, int Turn, int Revision, string Step, IReadOnlyList<string> AllowedOrigins)
{
    /// <summary>
    /// The step was approved by a human under the policy (the click's form target was what the approval was about):
    /// a click may then submit to the non-allowlisted form target the policy saw, for this one action.
    /// </summary>
    public bool Approved { get; init; }
}

/// <summary>One thing the agent may do with the browser; nothing else is exposed.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "action")]
[JsonDerivedType(typeof(OpenAction), "open")]
[JsonDerivedType(typeof(ReadAction), "read")]
[JsonDerivedType(typeof(ClickAction), "click")]
[JsonDerivedType(typeof(TypeAction), "type")]
[JsonDerivedType(typeof(ScrollAction), "scroll")]
[JsonDerivedType(typeof(ScreenshotAction), "screenshot")]
public abstract record BrowserAction
{
    [JsonIgnore]
    public abstract string Name { get; }
}

public sealed record OpenAction(string Url) : BrowserAction
{
    public override string Name => "open";
}

public sealed record ReadAction(string? Selector) : BrowserAction
{
    public override string Name => "read";
}

/// <summary>A click at the centre of a box in viewport coordinates; the whole box must lie inside the viewport.</summary>
public sealed record ClickAction(double X, double Y, double Width, double Height) : BrowserAction
{
    public override string Name => "click";

    public Box Box => new(this.X, this.Y, this.Width, this.Height);
}

/// <summary>The text itself is never recorded: only its length.</summary>
public sealed record TypeAction([property: JsonIgnore] string Text) : BrowserAction
{
    public override string Name => "type";

    public int Characters => this.Text.Length;
}

public sealed record ScrollAction(int Dx, int Dy) : BrowserAction
{
    public override string Name => "scroll";
}

public sealed record ScreenshotAction : BrowserAction
{
    public override string Name => "screenshot";
}

[JsonConverter(typeof(SnakeCaseEnum<BrowserOutcome>))]
public enum BrowserOutcome
{
    /// <summary>The action ran.</summary>
    Succeeded,

    /// <summary>The broker refused it (scope, allowlist, secret, viewport, limit); nothing left the session that should not have.</summary>
    Refused,

    /// <summary>It ran and failed (no such element, a server error, an invalid selector).</summary>
    Failed,

    /// <summary>The page did not answer within the action's time limit: the browser was killed and relaunched.</summary>
    TimedOut,
}

/// <summary>A box in CSS pixels of the viewport.</summary>
public sealed record Box(double X, double Y, double Width, double Height)
{
    public bool Contains(double x, double y) => x >= this.X && y >= this.Y && x < this.X + this.Width && y < this.Y + this.Height;

    public double CenterX => this.X + (this.Width / 2);

    public double CenterY => this.Y + (this.Height / 2);

    /// <summary>True when the box has an area and lies wholly inside a viewport of this size.</summary>
    public bool InsideViewport(int width, int height) =>
        this.Width > 0 && this.Height > 0 && this.X >= 0 && this.Y >= 0 && this.X + this.Width <= width && this.Y + this.Height <= height;

    public override string ToString() => $"{this.X:0.#},{this.Y:0.#} {this.Width:0.#}x{this.Height:0.#}";
}

/// <summary>The element an action acted on, as the page described it at that moment.</summary>
public sealed record ElementInfo(string Tag, string? Id, string? Name, string? Type, string? Text, Box Box)
{
    public string? Href { get; init; }

    /// <summary>Where the form this element belongs to would be submitted (resolved URL), if it belongs to one.</summary>
    public string? FormAction { get; init; }

    public string? FormMethod { get; init; }

    public bool Editable { get; init; }

    public bool Password { get; init; }

    public override string ToString() =>
        $"<{this.Tag}{(string.IsNullOrEmpty(this.Id) ? string.Empty : "#" + this.Id)}{(string.IsNullOrEmpty(this.Name) ? string.Empty : $" name={this.Name}")}> at {this.Box}";
}

/// <summary>A request the broker stopped during an action (by the route, a redirect check, the broker itself, or as a window or download it did not allow).</summary>
public sealed record RefusedRequest(string Url, string Reason, string Layer);

/// <summary>What one action did, with its evidence: the URL before and after, the target, and the two screenshots.</summary>
public sealed record BrowserActionResult(
    string ActionId,
    BrowserAction Action,
    BrowserOutcome Outcome,
    string? Reason,
    string? UrlBefore,
    string? UrlAfter,
    PayloadRef? Before,
    PayloadRef? After,
    long DurationMs)
{
    public bool Succeeded => this.Outcome == BrowserOutcome.Succeeded;

    /// <summary>The element or box acted on (click, type).</summary>
    public ElementInfo? Target { get; init; }

    /// <summary>The box the click was asked inside (it clicks the box's centre).</summary>
    public Box? Box { get; init; }

    /// <summary>Text read from the page (browser_read), at most <see cref="BrowserOptions.MaxReadCharacters"/>.</summary>
    public string? Text { get; init; }

    public bool Truncated { get; init; }

    public int? Status { get; init; }

    /// <summary>Scroll position (x, y) after a scroll.</summary>
    public IReadOnlyList<double>? Scroll { get; init; }

    public IReadOnlyList<RefusedRequest> Refused { get; init; } = [];

    /// <summary>Origins the action was allowed to reach beyond the allowlist because a human approved it.</summary>
    public IReadOnlyList<string> Granted { get; init; } = [];

    /// <summary>For a timed-out action: when the browser process was killed, from the action's start.</summary>
    public long? KilledAfterMs { get; init; }

    /// <summary>For a timed-out action: the Chromium process that was killed (with everything it started).</summary>
    public int? KilledProcessId { get; init; }

    public int BrowserGeneration { get; init; }
}
