using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Redaction;
using Agents.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace Agents.Core.Browser;

/// <summary>
/// The computer-use broker: a narrow, audited browser for agents. Each agent session gets its own headless Chromium
/// (Debian's, driven by Playwright) with one fresh context and one page. Only six actions exist (open, read, click,
/// type, scroll, screenshot); every request the page makes is routed through an allowlist check (each redirect hop is
/// fetched by the broker without following it, so a redirect off the allowlist is stopped), downloads and new windows
/// are refused, and each action is bracketed by screenshots stored as content-addressed payloads. An action that
/// exceeds its time limit kills that session's browser; the next action starts a new one.
/// </summary>
public sealed class BrowserBroker(IOptions<BrowserOptions> options, IPayloadStore payloads, TimeProvider time, ILogger<BrowserBroker> logger)
    : IBrowserFacts, IAsyncDisposable
{
    static readonly JsonSerializerOptions PageJson = new(JsonSerializerDefaults.Web);
    static readonly string[] ChromiumFlags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ];

    readonly ConcurrentDictionary<string, BrowserSession> sessions = new(StringComparer.Ordinal);
    readonly SemaphoreSlim driverGate = new(1, 1);
    IPlaywright? playwright;

    BrowserOptions Options => options.Value;

    /// <summary>Sessions with a live browser.</summary>
    public int OpenSessions => this.sessions.Values.Count(s => s.Browser is not null);

    /// <summary>Runs one action for a session and records its evidence; never throws for what the page or the agent did.</summary>
    public async Task<BrowserActionResult> RunAsync(BrowserCall call, BrowserAction action, CancellationToken cancellationToken = default)
    {
        string actionId = ActionId(call);
        await this.CloseIdleSessionsAsync().ConfigureAwait(false);
        BrowserSession session = this.sessions.GetOrAdd(call.SessionId, id => new BrowserSession(id, this.Options));
        await session.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        long started = Stopwatch.GetTimestamp();
        try
        {
            session.LastUsed = time.GetUtcNow();
            session.Allowed = call.AllowedOrigins;
            string? limit = this.LimitReached(session, call);
            if (limit is not null)
            {
                return new BrowserActionResult(actionId, action, BrowserOutcome.Refused, limit, session.Page?.Url, session.Page?.Url, null, null, Elapsed(started))
                {
                    BrowserGeneration = session.Generation,
                };
            }

            session.CountAction(call.Turn);
            if (session.Browser is null && this.OpenSessions >= this.Options.MaxSessions)
            {
                return new BrowserActionResult(actionId, action, BrowserOutcome.Refused, $"{this.OpenSessions} sessions already have a browser (Browser:MaxSessions)", null, null, null, null, Elapsed(started));
            }

            try
            {
                await this.EnsureBrowserAsync(session).WaitAsync(TimeSpan.FromMilliseconds(this.Options.LaunchTimeoutMilliseconds), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                await this.KillAsync(session).ConfigureAwait(false);
                return new BrowserActionResult(actionId, action, BrowserOutcome.Failed, $"the browser did not start: {e.Message}", null, null, null, null, Elapsed(started));
            }

            session.BeginAction(call.Approved ? this.GrantsFor(session, action) : []);
            long actionStarted = Stopwatch.GetTimestamp();
            var evidence = new Evidence();
            Task<Acted> work = this.ActAsync(session, action, evidence);
            Acted acted;
            try
            {
                acted = await work.WaitAsync(TimeSpan.FromMilliseconds(this.Options.ActionTimeoutMilliseconds), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The page did not answer in time (a busy loop, a server that never responds): kill this session's
                // browser so nothing it runs outlives the action; the next action gets a new browser.
                _ = work.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                string? url = session.Page?.Url;
                int generation = session.Generation;
                int? killed = await this.KillAsync(session).ConfigureAwait(false);
                long killedAfter = Elapsed(actionStarted);
                PayloadRef? beforeHang = evidence.Before is null ? null : await this.StoreScreenshotAsync(session, evidence.Before, cancellationToken).ConfigureAwait(false);
                logger.LogWarning("Browser action {Action} of {Session} exceeded {Limit} ms; its browser was killed after {Killed} ms", action.Name, call.SessionId, this.Options.ActionTimeoutMilliseconds, killedAfter);
                return new BrowserActionResult(
                    actionId, action, BrowserOutcome.TimedOut,
                    $"the page did not answer within {this.Options.ActionTimeoutMilliseconds} ms (Browser:ActionTimeoutMilliseconds); the browser was killed and the next action starts a new one on a blank page",
                    url, null, beforeHang, null, Elapsed(started))
                {
                    KilledAfterMs = killedAfter,
                    KilledProcessId = killed,
                    Refused = session.Refused,
                    BrowserGeneration = generation,
                };
            }
            catch (PlaywrightException e)
            {
                // The page refused what was asked (a detached element, a script error), or the browser crashed under
                // the action: only in the second case is it replaced.
                int generation = session.Generation;
                if (session.Browser is not { IsConnected: true } || session.Page is not { IsClosed: false })
                {
                    await this.KillAsync(session).ConfigureAwait(false);
                }

                return new BrowserActionResult(actionId, action, BrowserOutcome.Failed, $"the action failed in the browser: {FirstLine(e.Message)}", null, null, null, null, Elapsed(started))
                {
                    BrowserGeneration = generation,
                };
            }

            PayloadRef? before = acted.Before is null ? null : await this.StoreScreenshotAsync(session, acted.Before, cancellationToken).ConfigureAwait(false);
            PayloadRef? after = acted.After is null ? null : await this.StoreScreenshotAsync(session, acted.After, cancellationToken).ConfigureAwait(false);
            session.AddBytes(acted.Text?.Length ?? 0);
            return acted.Result(actionId, action, before, after, Elapsed(started)) with
            {
                Refused = session.Refused,
                Granted = session.Granted,
                BrowserGeneration = session.Generation,
            };
        }
        finally
        {
            session.EndAction();
            session.Gate.Release();
        }
    }

    /// <summary>The event that records an action in the session's log, with the screenshots as refs (kind <c>screenshot</c>).</summary>
    public static EventDraft Event(BrowserCall call, BrowserActionResult result)
    {
        var outputs = new Dictionary<string, string> { ["outcome"] = result.Outcome.Snake() };
        if (result.UrlAfter is not null)
        {
            outputs["url"] = Redactor.Default.Redact(result.UrlAfter);
        }

        if (result.Before is not null)
        {
            outputs[BrowserTool.ScreenshotBefore] = result.Before.ToString();
        }

        if (result.After is not null)
        {
            outputs[BrowserTool.ScreenshotAfter] = result.After.ToString();
        }

        var inputs = new Dictionary<string, string> { ["action"] = result.Action.Name };
        if (result.UrlBefore is not null)
        {
            inputs["url"] = Redactor.Default.Redact(result.UrlBefore);
        }

        switch (result.Action)
        {
            case OpenAction open:
                inputs["target"] = Redactor.Default.Redact(open.Url);
                break;
            case ReadAction read when read.Selector is not null:
                inputs["selector"] = read.Selector;
                break;
            case ClickAction click:
                inputs["box"] = click.Box.ToString();
                break;
            case TypeAction type:
                inputs["characters"] = type.Characters.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            case ScrollAction scroll:
                inputs["delta"] = $"{scroll.Dx},{scroll.Dy}";
                break;
        }

        if (result.Target is not null)
        {
            inputs["element"] = Redactor.Default.Redact(result.Target.ToString());
        }

        if (result.Refused.Count > 0)
        {
            outputs["refused"] = Redactor.Default.Redact(string.Join("; ", result.Refused.Select(r => $"{r.Url}: {r.Reason}")));
        }

        string summary = $"browser_{result.Action.Name} {result.Outcome.Snake()}" + (result.Reason is null ? string.Empty : $": {result.Reason}");
        return new EventDraft($"{Ids.TurnInstanceId(call.SessionId, call.Turn)}/r{call.Revision}/{EventTypes.BrowserAction}/{call.Step}", EventTypes.BrowserAction, call.SessionId, Redactor.Default.Redact(summary))
        {
            Turn = call.Turn,
            Revision = call.Revision,
            Step = call.Step,
            LatencyMs = result.DurationMs,
            Decision = result.Outcome.Snake(),
            Inputs = inputs,
            Outputs = outputs,
            Refs = Screenshots(result),
        };
    }

    /// <summary>The before and after screenshots of an action, as refs of kind <c>screenshot</c>.</summary>
    public static IReadOnlyList<PayloadRef> Screenshots(BrowserActionResult result) =>
        new[] { result.Before, result.After }.OfType<PayloadRef>().Select(r => r with { Kind = BrowserTool.ScreenshotKind }).Distinct().ToList();

    public BrowserFacts Describe(SessionMetadata session, PlanStep step)
    {
        if (!step.Tool.StartsWith(BrowserTool.Prefix, StringComparison.Ordinal))
        {
            return BrowserFacts.None;
        }

        IReadOnlyList<string> allowed = this.Options.AllowedOriginsFor(session.Repository);
        PageSnapshot page = this.sessions.TryGetValue(session.SessionId, out BrowserSession? live) ? live.Snapshot : PageSnapshot.Blank;
        IReadOnlyList<string> origins = [];
        IReadOnlyList<string> submitsTo = [];
        using (JsonDocument args = JsonDocument.Parse(step.Arguments))
        {
            JsonElement root = args.RootElement;
            if (step.Tool == BrowserTool.Open)
            {
                string? url = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("url", out JsonElement u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
                origins = [Origins.Describe(url)];
            }
            else
            {
                origins = Origins.Of(page.Url) is { } current ? [current] : [];
                if (step.Tool == BrowserTool.Click && TryBox(root, out Box box))
                {
                    submitsTo = page.SubmitsTo(box.CenterX, box.CenterY);
                }
            }
        }

        return new BrowserFacts(origins, allowed, submitsTo, page.AllSubmitTargets());
    }

    /// <summary>Closes a session's browser (the session ended); its record in the log stays.</summary>
    public async Task CloseSessionAsync(string sessionId)
    {
        if (this.sessions.TryRemove(sessionId, out BrowserSession? session))
        {
            await session.Gate.WaitAsync().ConfigureAwait(false);
            session.Gate.Release();
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (string id in this.sessions.Keys.ToList())
        {
            await this.CloseSessionAsync(id).ConfigureAwait(false);
        }

        this.playwright?.Dispose();
        this.driverGate.Dispose();
    }

    static string ActionId(BrowserCall call) => $"{Ids.TurnInstanceId(call.SessionId, call.Turn)}/r{call.Revision}/browser/{call.Step}";

    static long Elapsed(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    internal static bool TryBox(JsonElement args, out Box box)
    {
        box = new Box(0, 0, 0, 0);
        if (args.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        double[] values = new double[4];
        string[] names = ["x", "y", "width", "height"];
        for (int i = 0; i < names.Length; i++)
        {
            if (!args.TryGetProperty(names[i], out JsonElement v) || v.ValueKind != JsonValueKind.Number)
            {
                return false;
            }

            values[i] = v.GetDouble();
        }

        box = new Box(values[0], values[1], values[2], values[3]);
        return true;
    }

    string? LimitReached(BrowserSession session, BrowserCall call) =>
        session.ActionsIn(call.Turn) >= this.Options.MaxActionsPerTurn
            ? $"turn {call.Turn} has taken {session.ActionsIn(call.Turn)} browser actions, the cap is {this.Options.MaxActionsPerTurn} (Browser:MaxActionsPerTurn)"
            : session.Bytes >= this.Options.MaxBytesPerSession
                ? $"the session has used {session.Bytes} bytes of browser traffic and evidence, the cap is {this.Options.MaxBytesPerSession} (Browser:MaxBytesPerSession)"
                : null;

    /// <summary>For an approved click: the form targets under the point, as the policy saw them, may be reached for this action.</summary>
    IReadOnlyList<string> GrantsFor(BrowserSession session, BrowserAction action) =>
        action is ClickAction click ? session.Snapshot.SubmitsTo(click.Box.CenterX, click.Box.CenterY) : [];

    async Task CloseIdleSessionsAsync()
    {
        DateTimeOffset cutoff = time.GetUtcNow().AddSeconds(-this.Options.IdleSeconds);
        foreach (BrowserSession idle in this.sessions.Values.Where(s => s.Browser is not null && s.LastUsed < cutoff).ToList())
        {
            if (await idle.Gate.WaitAsync(0).ConfigureAwait(false))
            {
                try
                {
                    await this.KillAsync(idle).ConfigureAwait(false);
                }
                finally
                {
                    idle.Gate.Release();
                }
            }
        }
    }

    async Task EnsureBrowserAsync(BrowserSession session)
    {
        if (session.Browser is { IsConnected: true } && session.Page is { IsClosed: false })
        {
            return;
        }

        await this.KillAsync(session).ConfigureAwait(false);
        IPlaywright driver = await this.DriverAsync().ConfigureAwait(false);
        string marker = Guid.NewGuid().ToString("N");
        IBrowser browser = await driver.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = this.Options.ExecutablePath,
            Headless = true,
            Args = [.. ChromiumFlags, BrowserProcess.MarkerSwitch + marker],
            Timeout = this.Options.LaunchTimeoutMilliseconds,
            HandleSIGINT = false,
            HandleSIGTERM = false,
            HandleSIGHUP = false,
        }).ConfigureAwait(false);
        IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            AcceptDownloads = false,
            ServiceWorkers = ServiceWorkerPolicy.Block, // so that every request of the page goes through the route
            ViewportSize = new ViewportSize { Width = this.Options.ViewportWidth, Height = this.Options.ViewportHeight },
            JavaScriptEnabled = true,
        }).ConfigureAwait(false);
        context.SetDefaultTimeout(this.Options.ActionTimeoutMilliseconds);
        context.SetDefaultNavigationTimeout(this.Options.ActionTimeoutMilliseconds);
        await context.AddInitScriptAsync(PageScripts.NoWindowOpen).ConfigureAwait(false);
        await context.RouteAsync("**/*", route => this.RouteAsync(session, route)).ConfigureAwait(false);
        IPage page = await context.NewPageAsync().ConfigureAwait(false);
        context.Page += (_, popup) =>
        {
            if (!ReferenceEquals(popup, session.Page))
            {
                session.Refuse(popup.Url, "new windows are not allowed", "window", mainFrameNavigation: false);
                _ = popup.CloseAsync().ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            }
        };
        page.FrameNavigated += (_, frame) =>
        {
            if (frame.ParentFrame is null && !session.MayShow(frame.Url))
            {
                session.Refuse(frame.Url, $"{Origins.Describe(frame.Url)} is not allowlisted for this session", "navigation", mainFrameNavigation: true);
            }
        };
        page.Download += (_, download) =>
        {
            session.Refuse(download.Url, "downloads are not allowed", "download", mainFrameNavigation: false);
            _ = download.CancelAsync().ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        };
        session.Attach(browser, marker, context, page);
    }

    async Task<IPlaywright> DriverAsync()
    {
        if (this.playwright is not null)
        {
            return this.playwright;
        }

        await this.driverGate.WaitAsync().ConfigureAwait(false);
        try
        {
            return this.playwright ??= await Playwright.CreateAsync().ConfigureAwait(false);
        }
        finally
        {
            this.driverGate.Release();
        }
    }

    /// <summary>Kills the session's Chromium (the whole process tree) and forgets it; returns the process id it killed.</summary>
    async Task<int?> KillAsync(BrowserSession session)
    {
        string? marker = session.Marker;
        IBrowser? browser = session.Detach();
        if (browser is null)
        {
            return null;
        }

        int? pid = marker is null ? null : BrowserProcess.Find(marker);
        if (pid is not null)
        {
            BrowserProcess.Kill(pid.Value);
        }

        try
        {
            await browser.CloseAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or ObjectDisposedException)
        {
            // Killed already; Playwright notices the disconnect on its own.
        }

        return pid;
    }

    /// <summary>Every request of the session's page: allowlisted origins only, every redirect hop checked, bytes counted.</summary>
    async Task RouteAsync(BrowserSession session, IRoute route)
    {
        try
        {
            IRequest request = route.Request;
            string url = request.Url;
            bool mainFrame = request.IsNavigationRequest && IsMainFrame(request);
            string? refusal = !session.IsAllowed(Origins.Of(url)) ? $"{Origins.Describe(url)} is not allowlisted for this session"
                : session.Bytes >= this.Options.MaxBytesPerSession ? $"the session's byte cap ({this.Options.MaxBytesPerSession}, Browser:MaxBytesPerSession) is reached"
                : mainFrame && !session.TryCountPage() ? $"the session has loaded {this.Options.MaxPagesPerSession} pages (Browser:MaxPagesPerSession)"
                : null;
            if (refusal is not null)
            {
                session.Refuse(url, refusal, "route", mainFrame);
                await RefuseAsync(route, mainFrame).ConfigureAwait(false);
                return;
            }

            // Fetched here without following redirects: the browser then follows each hop itself and every hop comes
            // back through this route, so a redirect can never reach an origin the session may not.
            IAPIResponse response = await route.FetchAsync(new RouteFetchOptions { MaxRedirects = 0, Timeout = this.Options.ActionTimeoutMilliseconds }).ConfigureAwait(false);
            if (response.Status is >= 300 and < 400 && response.Headers.TryGetValue("location", out string? location)
                && Uri.TryCreate(new Uri(url), location, out Uri? target) && !session.IsAllowed(Origins.Of(target)))
            {
                session.Refuse(target.ToString(), $"redirect from {Origins.Describe(url)} to {Origins.Describe(target.ToString())}, which is not allowlisted for this session", "redirect", mainFrame);
                await RefuseAsync(route, mainFrame).ConfigureAwait(false);
                return;
            }

            byte[] body = await response.BodyAsync().ConfigureAwait(false);
            session.AddBytes(body.Length);
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, BodyBytes = body }).ConfigureAwait(false);
        }
        catch (PlaywrightException)
        {
            // The page or the browser went away mid-request, or the server did not answer: the request fails.
            try
            {
                await route.AbortAsync("failed").ConfigureAwait(false);
            }
            catch (PlaywrightException)
            {
            }
        }
    }

    /// <summary>
    /// A refused navigation of the page is answered 204 No Content, which browsers treat as "stay where you are" (an
    /// aborted one would leave Chromium's error page in the window); any other refused request is aborted.
    /// </summary>
    static Task RefuseAsync(IRoute route, bool mainFrame) =>
        mainFrame ? route.FulfillAsync(new RouteFulfillOptions { Status = 204, Body = string.Empty }) : route.AbortAsync("blockedbyclient");

    static bool IsMainFrame(IRequest request)
    {
        try
        {
            return request.Frame.ParentFrame is null;
        }
        catch (PlaywrightException)
        {
            return true; // a navigation issued before its frame exists (a new window): treated as the strictest case
        }
    }

    async Task<PayloadRef> StoreScreenshotAsync(BrowserSession session, byte[] image, CancellationToken cancellationToken)
    {
        session.AddBytes(image.Length);
        string contentType = this.Options.ScreenshotFormat == "jpeg" ? "image/jpeg" : "image/png";
        return await payloads.PutAsync(session.Id, image, contentType, cancellationToken).ConfigureAwait(false);
    }

    Task<byte[]> ScreenshotAsync(IPage page) =>
        page.ScreenshotAsync(this.Options.ScreenshotFormat == "jpeg"
            ? new PageScreenshotOptions { Type = ScreenshotType.Jpeg, Quality = this.Options.ScreenshotQuality }
            : new PageScreenshotOptions { Type = ScreenshotType.Png });

    /// <summary>The action itself, between its two screenshots. Runs under the action's time limit.</summary>
    async Task<Acted> ActAsync(BrowserSession session, BrowserAction action, Evidence evidence)
    {
        IPage page = session.Page!;
        string urlBefore = page.Url;
        byte[] before = await this.ScreenshotAsync(page).ConfigureAwait(false);
        evidence.Before = before;
        Acted acted = action switch
        {
            OpenAction open => await this.OpenAsync(session, page, open).ConfigureAwait(false),
            ReadAction read => await this.ReadAsync(page, read).ConfigureAwait(false),
            ClickAction click => await this.ClickAsync(session, page, click).ConfigureAwait(false),
            TypeAction type => await this.TypeAsync(page, type).ConfigureAwait(false),
            ScrollAction scroll => await ScrollAsync(page, scroll).ConfigureAwait(false),
            ScreenshotAction => new Acted(BrowserOutcome.Succeeded, null),
            _ => new Acted(BrowserOutcome.Refused, $"unknown browser action '{action.Name}'"),
        };

        // A backstop under the route: if the main frame ended up somewhere it may not show (a scheme the route never
        // sees, such as data: or file:), it is taken back to the blank page before anyone looks at it.
        if (!session.MayShow(page.Url))
        {
            // A refused navigation leaves Chromium's error page under the refused URL: step back to where the page
            // was (or to the blank page when that is not possible either).
            session.Refuse(page.Url, $"{Origins.Describe(page.Url)} is not allowlisted for this session", "navigation", mainFrameNavigation: true);
            await page.GoBackAsync(new PageGoBackOptions { Timeout = 0 }).ConfigureAwait(false);
            if (!session.MayShow(page.Url))
            {
                await page.GotoAsync(Origins.Blank).ConfigureAwait(false);
            }
        }

        if (session.NavigationRefused is { } refused && acted.Outcome == BrowserOutcome.Succeeded)
        {
            acted = acted with { Outcome = BrowserOutcome.Refused, Reason = $"navigation refused: {refused}" };
        }

        session.Snapshot = await SnapshotAsync(page).ConfigureAwait(false);
        byte[] after = await this.ScreenshotAsync(page).ConfigureAwait(false);
        return acted with { Before = before, After = after, UrlBefore = urlBefore, UrlAfter = page.Url };
    }

    async Task<Acted> OpenAsync(BrowserSession session, IPage page, OpenAction open)
    {
        if (!Uri.TryCreate(open.Url, UriKind.Absolute, out Uri? uri) || !session.IsAllowed(Origins.Of(uri)))
        {
            string reason = $"{Origins.Describe(open.Url)} is not allowlisted for this session (allowed: {string.Join(", ", session.Allowed)})";
            session.Refuse(open.Url, reason, "broker", mainFrameNavigation: false);
            return new Acted(BrowserOutcome.Refused, reason);
        }

        try
        {
            IResponse? response = await page.GotoAsync(uri.ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.Load, Timeout = 0 }).ConfigureAwait(false);
            return new Acted(BrowserOutcome.Succeeded, null) { Status = response?.Status };
        }
        catch (PlaywrightException e) when (session.NavigationRefused is not null || e.Message.Contains("ERR_BLOCKED_BY_CLIENT", StringComparison.Ordinal))
        {
            return new Acted(BrowserOutcome.Refused, $"navigation refused: {session.NavigationRefused ?? FirstLine(e.Message)}");
        }
        catch (PlaywrightException e) when (e.Message.Contains("net::", StringComparison.Ordinal))
        {
            return new Acted(BrowserOutcome.Failed, FirstLine(e.Message));
        }
    }

    async Task<Acted> ReadAsync(IPage page, ReadAction read)
    {
        string? text;
        try
        {
            text = await EvaluateAsync<string?>(page, PageScripts.Read, read.Selector).ConfigureAwait(false);
        }
        catch (PlaywrightException e) when (read.Selector is not null && e.Message.Contains("SyntaxError", StringComparison.Ordinal))
        {
            return new Acted(BrowserOutcome.Failed, $"'{read.Selector}' is not a valid CSS selector");
        }

        if (text is null)
        {
            return new Acted(BrowserOutcome.Failed, $"no element matches '{read.Selector}'");
        }

        bool truncated = text.Length > this.Options.MaxReadCharacters;
        return new Acted(BrowserOutcome.Succeeded, null) { Text = truncated ? text[..this.Options.MaxReadCharacters] : text, Truncated = truncated };
    }

    async Task<Acted> ClickAsync(BrowserSession session, IPage page, ClickAction click)
    {
        Box box = click.Box;
        if (!box.InsideViewport(this.Options.ViewportWidth, this.Options.ViewportHeight))
        {
            return new Acted(BrowserOutcome.Refused, $"the box {box} is not wholly inside the {this.Options.ViewportWidth}x{this.Options.ViewportHeight} viewport") { Box = box };
        }

        ElementInfo? target = await HitTestAsync(page, box.CenterX, box.CenterY).ConfigureAwait(false);

        // The live page again (the policy saw the snapshot of the last action): a form that would submit off the
        // allowlist is only submitted when a human approved this click.
        if (target?.FormAction is { } formAction && !session.IsAllowed(Origins.Of(formAction)))
        {
            string reason = $"the element submits a form to {Origins.Describe(formAction)}, which is not allowlisted; this click needs approval";
            session.Refuse(formAction, reason, "broker", mainFrameNavigation: false);
            return new Acted(BrowserOutcome.Refused, reason) { Box = box, Target = target };
        }

        await this.ClickAndSettleAsync(page, (float)box.CenterX, (float)box.CenterY).ConfigureAwait(false);
        return new Acted(BrowserOutcome.Succeeded, null) { Box = box, Target = target };
    }

    async Task<Acted> TypeAsync(IPage page, TypeAction type)
    {
        if (type.Text.Length > this.Options.MaxTypeCharacters)
        {
            return new Acted(BrowserOutcome.Refused, $"{type.Text.Length} characters is over the cap of {this.Options.MaxTypeCharacters} (Browser:MaxTypeCharacters)");
        }

        if (Redactor.Default.SecretKinds(type.Text) is { Count: > 0 } kinds)
        {
            return new Acted(BrowserOutcome.Refused, $"the text looks like a secret ({string.Join(", ", kinds)}); secrets are never typed into pages");
        }

        ElementInfo? focused = await DescribeAsync(page, PageScripts.Focused, null).ConfigureAwait(false);
        if (focused is not { Editable: true })
        {
            return new Acted(BrowserOutcome.Failed, "no text field has focus; click one first") { Target = focused };
        }

        if (focused.Password)
        {
            return new Acted(BrowserOutcome.Refused, "the focused field is a password field; the agent never types into one") { Target = focused };
        }

        await page.Keyboard.InsertTextAsync(type.Text).ConfigureAwait(false);
        return new Acted(BrowserOutcome.Succeeded, null) { Target = focused };
    }

    static async Task<Acted> ScrollAsync(IPage page, ScrollAction scroll)
    {
        double[] position = await EvaluateAsync<double[]>(page, PageScripts.ScrollBy, new[] { scroll.Dx, scroll.Dy }).ConfigureAwait(false);
        return new Acted(BrowserOutcome.Succeeded, null) { Scroll = position };
    }

    /// <summary>
    /// Clicks, then, if the click started a navigation of the page within the settle time, waits until that navigation
    /// has loaded or failed (a refused one fails), so what comes next sees the page the click led to.
    /// </summary>
    async Task ClickAndSettleAsync(IPage page, float x, float y)
    {
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool IsMainNavigation(IRequest r) => r.IsNavigationRequest && r.Frame == page.MainFrame;
        void OnRequest(object? sender, IRequest r)
        {
            if (IsMainNavigation(r))
            {
                started.TrySetResult();
            }
        }

        void OnFailed(object? sender, IRequest r)
        {
            if (IsMainNavigation(r))
            {
                settled.TrySetResult();
            }
        }

        // A refused navigation is answered 204 (the page stays, no load follows); a download never loads either.
        void OnResponse(object? sender, IResponse r)
        {
            if (r.Status == 204 && IsMainNavigation(r.Request))
            {
                settled.TrySetResult();
            }
        }

        void OnDownload(object? sender, IDownload d) => settled.TrySetResult();
        void OnLoad(object? sender, IPage p) => settled.TrySetResult();
        page.Request += OnRequest;
        page.RequestFailed += OnFailed;
        page.Response += OnResponse;
        page.Download += OnDownload;
        page.Load += OnLoad;
        try
        {
            await page.Mouse.ClickAsync(x, y).ConfigureAwait(false);
            if (await Task.WhenAny(started.Task, Task.Delay(this.Options.SettleMilliseconds)).ConfigureAwait(false) == started.Task)
            {
                await settled.Task.ConfigureAwait(false); // bounded by the action's time limit
            }
        }
        finally
        {
            page.Request -= OnRequest;
            page.RequestFailed -= OnFailed;
            page.Response -= OnResponse;
            page.Download -= OnDownload;
            page.Load -= OnLoad;
        }
    }

    /// <summary>Evaluates a read-only script; when a navigation replaced the document under it, waits for the new one and tries again.</summary>
    static async Task<T> EvaluateAsync<T>(IPage page, string script, object? arg = null)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await page.EvaluateAsync<T>(script, arg).ConfigureAwait(false);
            }
            catch (PlaywrightException e) when (attempt < 3 && (e.Message.Contains("context was destroyed", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("navigat", StringComparison.OrdinalIgnoreCase)))
            {
                await page.WaitForLoadStateAsync(LoadState.Load, new PageWaitForLoadStateOptions { Timeout = 0 }).ConfigureAwait(false);
            }
        }
    }

    static Task<ElementInfo?> HitTestAsync(IPage page, double x, double y) => DescribeAsync(page, PageScripts.HitTest, new[] { x, y });

    static async Task<ElementInfo?> DescribeAsync(IPage page, string script, object? arg)
    {
        JsonElement? element = await EvaluateAsync<JsonElement?>(page, script, arg).ConfigureAwait(false);
        return element is { ValueKind: JsonValueKind.Object } e ? e.Deserialize<ElementInfo>(PageJson) : null;
    }

    static async Task<PageSnapshot> SnapshotAsync(IPage page)
    {
        string url = page.Url;
        JsonElement? forms = await EvaluateAsync<JsonElement?>(page, PageScripts.Forms).ConfigureAwait(false);
        var targets = new List<FormTarget>();
        if (forms is { ValueKind: JsonValueKind.Array } list)
        {
            foreach (JsonElement form in list.EnumerateArray())
            {
                string action = form.GetProperty("action").GetString() ?? url;
                string origin = Origins.Of(action) ?? Origins.Describe(action);
                var boxes = form.GetProperty("boxes").Deserialize<List<Box>>(PageJson) ?? [];
                targets.Add(new FormTarget(origin, action, form.GetProperty("method").GetString() ?? "get", boxes));
            }
        }

        return new PageSnapshot(url, targets);
    }

    /// <summary>What an action captured so far, readable even when the action never finishes.</summary>
    sealed class Evidence
    {
        public volatile byte[]? Before;
    }

    /// <summary>What an action did inside the browser, before its screenshots are stored.</summary>
    sealed record Acted(BrowserOutcome Outcome, string? Reason)
    {
        public byte[]? Before { get; init; }

        public byte[]? After { get; init; }

        public string? UrlBefore { get; init; }

        public string? UrlAfter { get; init; }

        public ElementInfo? Target { get; init; }

        public Box? Box { get; init; }

        public string? Text { get; init; }

        public bool Truncated { get; init; }

        public int? Status { get; init; }

        public IReadOnlyList<double>? Scroll { get; init; }

        public BrowserActionResult Result(string actionId, BrowserAction action, PayloadRef? before, PayloadRef? after, long durationMs) =>
            new(actionId, action, this.Outcome, this.Reason, this.UrlBefore, this.UrlAfter, before, after, durationMs)
            {
                Target = this.Target,
                Box = this.Box,
                Text = this.Text,
                Truncated = this.Truncated,
                Status = this.Status,
                Scroll = this.Scroll,
            };
    }
}
