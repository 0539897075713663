using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Agents.Core.Browser;

/// <summary>
/// One agent session's slice of the browser: its own context (fresh profile: no cookies, storage or cache from anyone
/// else), its one page, its egress proxy, and the counters its limits are checked against. The counters and the last
/// page snapshot outlive the context: a browser restart gives the session a new, blank context, not new limits.
/// </summary>
sealed class BrowserSession : IAsyncDisposable
{
    readonly ConcurrentQueue<RefusedRequest> refused = new();
    readonly Dictionary<int, int> actionsPerTurn = [];
    volatile IReadOnlyList<string> allowed = [];
    volatile IReadOnlyList<string> granted = [];
    long bytes;
    int pages;
    int navigationsThisAction;

    public BrowserSession(string id, BrowserOptions options)
    {
        this.Id = id;
        this.Options = options;
        this.Proxy = new EgressProxy(this.ProxyRefusal, (url, reason) => this.Refuse(url, reason, "proxy"), n => Interlocked.Add(ref this.bytes, n));
    }

    public string Id { get; }

    public BrowserOptions Options { get; }

    /// <summary>One action at a time per session (parallel steps of a turn take turns).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public EgressProxy Proxy { get; }

    public IBrowserContext? Context { get; set; }

    public IPage? Page { get; set; }

    /// <summary>The browser generation the context belongs to; another generation means the browser was restarted under it.</summary>
    public int ContextGeneration { get; set; } = -1;

    /// <summary>True while the broker itself opens the session's page (every other page in the context is a popup and is closed).</summary>
    public bool OpeningPage { get; set; }

    public PageSnapshot Snapshot { get; set; } = PageSnapshot.Blank;

    public DateTimeOffset LastUsed { get; set; }

    public IReadOnlyList<string> Allowed
    {
        get => this.allowed;
        set => this.allowed = value;
    }

    public long Bytes => Interlocked.Read(ref this.bytes);

    public int Pages => Volatile.Read(ref this.pages);

    public bool IsAllowed(string? origin) =>
        origin is not null && (this.allowed.Contains(origin, StringComparer.Ordinal) || this.granted.Contains(origin, StringComparer.Ordinal));

    /// <summary>A URL the page may show: an allowed origin, or the blank page.</summary>
    public bool MayShow(string url) => url == Origins.Blank || this.IsAllowed(Origins.Of(url));

    public void AddBytes(long count) => Interlocked.Add(ref this.bytes, count);

    public int ActionsIn(int turn) => this.actionsPerTurn.GetValueOrDefault(turn);

    public void CountAction(int turn) => this.actionsPerTurn[turn] = this.ActionsIn(turn) + 1;

    /// <summary>Starts an action's record: what it refuses from here on, and what a human granted it.</summary>
    public void BeginAction(IReadOnlyList<string> grants)
    {
        this.refused.Clear();
        this.granted = grants;
        Volatile.Write(ref this.navigationsThisAction, 0);
    }

    public void EndAction() => this.granted = [];

    public void Grant(string origin) => this.granted = [.. this.granted, origin];

    public IReadOnlyList<string> Granted => this.granted;

    public IReadOnlyList<RefusedRequest> Refused => this.refused.ToArray();

    public bool NavigatedThisAction => Volatile.Read(ref this.navigationsThisAction) > 0;

    public void Refuse(string url, string reason, string layer) => this.refused.Enqueue(new RefusedRequest(url, reason, layer));

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
                Interlocked.Increment(ref this.navigationsThisAction);
                return true;
            }
        }
    }

    /// <summary>Why a request to this origin may not go out now, or null when it may (the proxy asks this).</summary>
    public string? ProxyRefusal(string origin) =>
        !this.IsAllowed(origin) ? $"{origin} is not allowlisted for this session"
        : this.Bytes >= this.Options.MaxBytesPerSession ? $"the session has moved {this.Bytes} bytes, its cap is {this.Options.MaxBytesPerSession}"
        : null;

    public async Task CloseContextAsync()
    {
        IBrowserContext? context = this.Context;
        this.Context = null;
        this.Page = null;
        if (context is null)
        {
            return;
        }

        try
        {
            await context.CloseAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or ObjectDisposedException)
        {
            // The browser under it is gone or going: nothing left to close.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await this.CloseContextAsync().ConfigureAwait(false);
        await this.Proxy.DisposeAsync().ConfigureAwait(false);
        this.Gate.Dispose();
    }
}
