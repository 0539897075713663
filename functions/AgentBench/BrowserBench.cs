using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Agents.Core.Browser;
using Agents.Core.Contracts;
using Agents.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentBench;

/// <summary>
/// The computer-use broker on Debian's Chromium: time per action (open, read, click) measured around
/// <see cref="BrowserBroker.RunAsync"/>, which includes the before and after screenshots, and the screenshot bytes
/// each action stores. Pages come from a loopback server in this process; screenshots go to an in-memory
/// content-addressed store (so blob upload time is not in the figures, only the browser's work and the hashing).
/// </summary>
static class BrowserBench
{
    const string Page = """
        <!doctype html><html><head><title>Bench</title><style>body{margin:0;font:16px sans-serif}
        .box{position:absolute;left:20px;width:220px;height:40px;display:block} p{max-width:900px}</style></head><body>
        <h1>Release notes</h1>
        <p>Lorem ipsum dolor sit amet, consectetur adipiscing elit. Integer nec odio. Praesent libero. Sed cursus ante dapibus diam.</p>
        <p>Sed nisi. Nulla quis sem at nibh elementum imperdiet. Duis sagittis ipsum. Praesent mauris. Fusce nec tellus sed augue semper porta.</p>
        <button class="box" style="top:300px" onclick="document.getElementById('out').textContent = 'clicked ' + Date.now()">toggle</button>
        <p id="out" style="position:absolute;top:360px;left:20px">not clicked</p>
        </body></html>
        """;

    public static async Task<object> RunAsync(int iterations, string format)
    {
        int port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(() => ServeAsync(listener));
        string origin = $"http://127.0.0.1:{port}";

        var options = new BrowserOptions { AllowedOrigins = [origin], ScreenshotFormat = format, ActionTimeoutMilliseconds = 30_000, MaxPagesPerSession = 100_000, MaxBytesPerSession = 10L << 30 };
        var store = new MemoryPayloadStore();
        await using var broker = new BrowserBroker(Options.Create(options), store, TimeProvider.System, NullLogger<BrowserBroker>.Instance);
        var times = new Dictionary<string, List<double>> { ["open"] = [], ["read"] = [], ["click"] = [] };
        var bytesPerAction = new List<long>();
        var call = new BrowserCall("bench-browser", 1, 0, "warmup", [origin]);
        await broker.RunAsync(call, new OpenAction(origin + "/page")); // launches Chromium: not measured

        for (int i = 0; i < iterations; i++)
        {
            BrowserCall step = call with { Turn = i + 2 };
            foreach ((string name, BrowserAction action) in new (string, BrowserAction)[]
            {
                ("open", new OpenAction($"{origin}/page?i={i}")),
                ("read", new ReadAction("p")),
                ("click", new ClickAction(20, 300, 220, 40)),
            })
            {
                long started = Stopwatch.GetTimestamp();
                BrowserActionResult result = await broker.RunAsync(step with { Step = $"{name}-{i}" }, action);
                times[name].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!result.Succeeded)
                {
                    throw new InvalidOperationException($"{name} #{i} did not succeed: {result.Outcome} {result.Reason}");
                }

                bytesPerAction.Add((result.Before?.Bytes ?? 0) + (result.After?.Bytes ?? 0));
            }
        }

        listener.Stop();
        var report = new Dictionary<string, object>
        {
            ["iterations"] = iterations,
            ["format"] = format,
            ["viewport"] = $"{options.ViewportWidth}x{options.ViewportHeight}",
        };
        Console.WriteLine($"browser broker, {iterations} rounds of open + read + click on a loopback page, {format} screenshots {options.ViewportWidth}x{options.ViewportHeight}, before and after each action");
        foreach ((string name, List<double> samples) in times)
        {
            samples.Sort();
            double p50 = Sample.Percentile(samples, 0.50), p95 = Sample.Percentile(samples, 0.95);
            report[name] = new { p50Ms = Math.Round(p50, 1), p95Ms = Math.Round(p95, 1) };
            Console.WriteLine($"  {name,-6} p50 {p50,7:0.0} ms   p95 {p95,7:0.0} ms");
        }

        double mean = bytesPerAction.Average();
        long stored = store.StoredBytes;
        int actions = bytesPerAction.Count;
        report["screenshotBytesPerAction"] = Math.Round(mean);
        report["storedBytesPerActionAfterDedup"] = Math.Round((double)stored / actions);
        Console.WriteLine($"  screenshots: {mean / 1024:0.0} KiB per action (before + after), {stored / 1024.0 / actions:0.0} KiB per action stored after content-addressed dedup ({store.Count} blobs for {actions} actions)");
        return report;
    }

    static async Task ServeAsync(HttpListener listener)
    {
        byte[] body = Encoding.UTF8.GetBytes(Page);
        while (listener.IsListening)
        {
            try
            {
                HttpListenerContext context = await listener.GetContextAsync();
                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
        }
    }

    static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Content-addressed like the blob store (same hash, stored once), in memory.</summary>
    sealed class MemoryPayloadStore : IPayloadStore
    {
        readonly ConcurrentDictionary<string, byte[]> blobs = new();

        public long StoredBytes => this.blobs.Values.Sum(b => (long)b.Length);

        public int Count => this.blobs.Count;

        public Task<PayloadRef> PutAsync(string sessionId, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken = default)
        {
            string sha = BlobPayloadStore.Hash(content.Span);
            this.blobs.TryAdd($"{sessionId}/{sha}", content.ToArray());
            return Task.FromResult(new PayloadRef(sha, content.Length, contentType));
        }

        public Task<PayloadRef> PutPrivateAsync(string sessionId, ReadOnlyMemory<byte> content, string contentType, string kind, CancellationToken cancellationToken = default) =>
            this.PutAsync(sessionId, content, contentType, cancellationToken);

        public Task<byte[]?> GetAsync(string sessionId, string sha256, CancellationToken cancellationToken = default) =>
            Task.FromResult(this.blobs.TryGetValue($"{sessionId}/{sha256}", out byte[]? b) ? b : null);

        public async Task<StoredPayload?> ReadAsync(string sessionId, string sha256, CancellationToken cancellationToken = default) =>
            await this.GetAsync(sessionId, sha256, cancellationToken) is { } content ? new StoredPayload(content, "application/octet-stream", null) : null;
    }
}
