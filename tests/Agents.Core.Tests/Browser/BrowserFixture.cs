using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Agents.Core.Browser;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Storage;
using Agents.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Agents.Core.Tests.Browser;

/// <summary>
/// The broker for real: Debian's Chromium through Playwright, screenshots in a private Azurite, and two websites served
/// by the test on loopback (two ports, so two origins): <see cref="Allowed"/> is on the session's allowlist,
/// <see cref="Other"/> is not, and records every request it receives so a test can prove nothing reached it.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Generous, so that a loaded machine never passes for a hung page; the hang test waits this long once.</summary>
    public const int ActionTimeoutMilliseconds = 15_000;

    TestEnvironment? environment;
    ServiceProvider? services;

    public TestSite Allowed { get; private set; } = null!;

    public TestSite Other { get; private set; } = null!;

    public IServiceProvider Services => this.services!;

    public BrowserBroker Broker => this.Services.GetRequiredService<BrowserBroker>();

    public IPayloadStore Payloads => this.Services.GetRequiredService<IPayloadStore>();

    public IEventLog Events => this.Services.GetRequiredService<IEventLog>();

    public async Task InitializeAsync()
    {
        this.Other = TestSite.Start(_ => (200, "<!doctype html><title>B</title><h1>Landing on B</h1>", null));
        int otherPort = this.Other.Port;
        this.Allowed = TestSite.Start(path => Pages.For(path, otherPort));
        this.environment = await TestEnvironment.StartAsync();
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(this.environment.Settings(new Dictionary<string, string?>
        {
            ["Browser:Enabled"] = "true",
            ["Browser:AllowedOrigins:0"] = this.Allowed.Origin,
            ["Browser:ActionTimeoutMilliseconds"] = ActionTimeoutMilliseconds.ToString(),
            ["Browser:MaxActionsPerTurn"] = "40",
        })).Build();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton(configuration);
        collection.AddAgentPlatform(configuration);
        this.services = collection.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        if (this.services is not null)
        {
            await this.services.DisposeAsync();
        }

        this.Allowed?.Dispose();
        this.Other?.Dispose();
        if (this.environment is not null)
        {
            await this.environment.DisposeAsync();
        }
    }

    readonly ConcurrentQueue<string> sessionsUsed = new();

    /// <summary>A call for a fresh session (its own browser, its own counters), on the allowlist of the test site.</summary>
    public BrowserCall NewCall(string step = "b1", int turn = 1) =>
        new(this.NewSessionId(), turn, 0, step, [this.Allowed.Origin]);

    public string NewSessionId()
    {
        string id = $"s-browser-{Guid.NewGuid():N}";
        this.sessionsUsed.Enqueue(id);
        return id;
    }

    /// <summary>Closes the browsers of the sessions a test used (each session has its own Chromium).</summary>
    public async Task CloseSessionsAsync()
    {
        while (this.sessionsUsed.TryDequeue(out string? id))
        {
            await this.Broker.CloseSessionAsync(id);
        }
    }

    /// <summary>The pages of the allowlisted site. Boxes in the tests match the absolute positions here.</summary>
    static class Pages
    {
        const string Style = "<style>body{margin:0;font:16px sans-serif} .box{position:absolute;left:20px;width:200px;height:40px;display:block}</style>";

        public static (int Status, string Body, string? Location) For(string path, int otherPort) => path switch
        {
            "/page" => (200, $$"""
                <!doctype html><html><head><title>A</title>{{Style}}</head><body>
                <h1>Hello from A</h1>
                <a id="off" class="box" style="top:100px" href="http://127.0.0.1:{{otherPort}}/landing">leave for B</a>
                <input id="field" class="box" style="top:200px" type="text" oninput="document.getElementById('echo').textContent = 'echo:' + this.value">
                <p id="echo" style="position:absolute;top:300px;left:20px">echo:</p>
                <a id="same" class="box" style="top:400px" href="/second">second page</a>
                <button id="popup" class="box" style="top:500px" onclick="document.getElementById('echo').textContent = 'popup:' + (window.open('/second') === null ? 'blocked' : 'opened')">popup</button>
                </body></html>
                """, null),
            "/second" => (200, "<!doctype html><title>A2</title><h1>Second page on A</h1>", null),
            "/form" => (200, $$"""
                <!doctype html><html><head><title>Form</title>{{Style}}</head><body>
                <h1>Feedback</h1>
                <form action="http://127.0.0.1:{{otherPort}}/collect" method="post">
                  <input name="comment" class="box" style="top:100px">
                  <button id="send" class="box" style="top:200px" type="submit">send</button>
                </form>
                </body></html>
                """, null),
            "/redirect" => (302, string.Empty, $"http://127.0.0.1:{otherPort}/landing"),
            "/redirect-home" => (302, string.Empty, "/second"),
            "/hang" => (200, "<!doctype html><title>hang</title><h1>Busy</h1><script>while (true) {}</script>", null),
            _ => (404, "<!doctype html><title>404</title><h1>Not here</h1>", null),
        };
    }
}

/// <summary>A website on its own loopback port (its own origin), serving pages from a function and recording every request.</summary>
public sealed class TestSite : IDisposable
{
    readonly HttpListener listener;
    readonly Func<string, (int Status, string Body, string? Location)> pages;

    TestSite(HttpListener listener, int port, Func<string, (int, string, string?)> pages)
    {
        this.listener = listener;
        this.Port = port;
        this.pages = pages;
        _ = Task.Run(this.ServeAsync);
    }

    public int Port { get; }

    public string Origin => $"http://127.0.0.1:{this.Port}";

    /// <summary>Every request received, as "METHOD /path".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public string Url(string path) => this.Origin + path;

    public static TestSite Start(Func<string, (int, string, string?)> pages)
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new TestSite(listener, port, pages);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    public void Dispose() => this.listener.Close();

    async Task ServeAsync()
    {
        while (this.listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await this.listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            string path = context.Request.Url!.AbsolutePath;
            this.Requests.Enqueue($"{context.Request.HttpMethod} {path}");
            (int status, string body, string? location) = this.pages(path);
            try
            {
                context.Response.StatusCode = status;
                if (location is not null)
                {
                    context.Response.RedirectLocation = location;
                }

                byte[] bytes = Encoding.UTF8.GetBytes(body);
                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
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
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
