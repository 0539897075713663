using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Agents.Core.Browser;

/// <summary>
/// One agent session's slice of the broker: its own Chromium process (so a hung page is killed without touching
/// anyone else), one fresh context in it (no cookies, storage or cache from anyone else), one page, and the counters
/// its limits are checked against. The counters and the last page snapshot outlive the browser: a restart gives the
/// session a new, blank page, not new limits.
/// </summary>
sealed class BrowserSession(string id, BrowserOptions options) : IAsyncDisposable
{
    readonly ConcurrentQueue<RefusedRequest> refused = new();
    readonly Dictionary<int, int> actionsPerTurn = [];
    volatile IReadOnlyList<string> allowed = [];
    volatile IReadOnlyList<string> granted = [];
    long bytes;
    int pages;

    public string Id { get; } = id;

    public BrowserOptions Options { get; } = options;

    /// <summary>One action at a time per session (parallel steps of a turn take turns).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public IBrowser? Browser { get; private set; }

    /// <summary>The unique switch the current Chromium was launched with (how it is found to be killed).</summary>
    public string? Marker { get; private set; }

    public IBrowserContext? Context { get; private set; }

    public IPage? Page { get; private set; }

    /// <summary>How many browsers this session has had; it grows by one at every restart after a hang.</summary>
    public int Generation { get; private set; }

    public PageSnapshot Snapshot { get; set; } = PageSnapshot.Blank;

    public DateTimeOffset LastUsed { get; set; }

    /// <summary>A main-frame navigation this action was refused (by the route or seen landing somewhere not allowed).</summary>
    public string? NavigationRefused { get; private set; }

    public IReadOnlyList<string> Allowed
    {
        get => this.allowed;
        set => this.allowed = value;
    }

    public long Bytes => Interlocked.Read(ref this.bytes);

    public int Pages => Volatile.Read(ref this.pages);

    public IReadOnlyList<string> Granted => this.granted;

    public IReadOnlyList<RefusedRequest> Refused => this.refused.ToArray();

    public void Attach(IBrowser browser, string marker, IBrowserContext context, IPage page)
    {
        this.Browser = browser;
        this.Marker = marker;
        this.Context = context;
        this.Page = page;
        this.Generation++;
        this.Snapshot = PageSnapshot.Blank;
    }

    /// <summary>Forgets the browser (after it was killed or closed); returns it so the caller can dispose it.</summary>
    public IBrowser? Detach()
    {
        IBrowser? browser = this.Browser;
        this.Browser = null;
        this.Marker = null;
        this.Context = null;
        this.Page = null;
        this.Snapshot = PageSnapshot.Blank;
        return browser;
    }

    public bool IsAllowed(string? origin) =>
        origin is not null && (this.allowed.Contains(origin, StringComparer.Ordinal) || this.granted.Contains(origin, StringComparer.Ordinal));

    /// <summary>A URL the page may show: an allowed origin, or the blank page.</summary>
    public bool MayShow(string url) => url == Origins.Blank || this.IsAllowed(Origins.Of(url));

    public void AddBytes(long count) => Interlocked.Add(ref this.bytes, count);

    public int ActionsIn(int turn)
    {
        lock (this.actionsPerTurn)
        {
            return this.actionsPerTurn.GetValueOrDefault(turn);
        }
    }

    public void CountAction(int turn)
    {
        lock (this.actionsPerTurn)
        {
            this.actionsPerTurn[turn] = this.actionsPerTurn.GetValueOrDefault(turn) + 1;
        }
    }

    /// <summary>Starts an action's record: what it refuses from here on, and what a human granted it.</summary>
    public void BeginAction(IReadOnlyList<string> grants)
    {
        this.refused.Clear();
        this.granted = grants;
        this.NavigationRefused = null;
    }

    public void EndAction() => this.granted = [];

    public void Refuse(string url, string reason, string layer, bool mainFrameNavigation)
    {
        this.refused.Enqueue(new RefusedRequest(url, reason, layer));
        if (mainFrameNavigation)
        {
            this.NavigationRefused ??= reason;
        }
    }

    /// <summary>Counts a document load in the session's window; false when the session has loaded all the pages it may.</summary>
    public bool TryCountPage()
    {
        while (true)
        {
            int current = Volatile.Read(ref this.pages);
            if (current >= this.Options.MaxPagesPerSession)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref this.pages, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        IBrowser? browser = this.Detach();
        if (browser is not null)
        {
            try
            {
                await browser.CloseAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException or ObjectDisposedException)
            {
                // Already gone.
            }
        }

        this.Gate.Dispose();
    }
}
