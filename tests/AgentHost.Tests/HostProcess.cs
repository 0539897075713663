using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.Http.Headers;
using Agents.Core.Sessions;
using Agents.Edge.Auth;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>
/// The portable host as its own process (the AgentHost.dll built beside the tests), so that stopping it is a real
/// process death, as in production, not an in-process shutdown. Its clients send tokens of the host's own dev issuer
/// (minted with the key file the host publishes), so every test goes through the production validation path.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    /// <summary>Who <see cref="Http"/> calls as: a user of contoso who may approve.</summary>
    public static readonly Caller DefaultCaller = new("dana", "contoso", ["approver"]);

    readonly Process process;
    readonly List<HttpClient> clients = [];

    HostProcess(Process process, Uri address)
    {
        this.process = process;
        this.Address = address;
        this.Anonymous = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    /// <summary>A client that sends no token.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>A client calling as <see cref="DefaultCaller"/>.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Mints tokens as the host's dev issuer does (its key file, its issuer id).</summary>
    public DevTokenIssuer Tokens { get; private set; } = null!;

    /// <summary>A client whose every request carries a fresh token for <paramref name="who"/>.</summary>
    public HttpClient ClientAs(Caller who)
    {
        var client = new HttpClient(new BearerHandler(this.Tokens, who)) { BaseAddress = this.Address, Timeout = TimeSpan.FromSeconds(30) };
        lock (this.clients)
        {
            this.clients.Add(client);
        }

        return client;
    }

    public static async Task<HostProcess> StartAsync(IDictionary<string, string?> settings)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "AgentHost.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach ((string key, string? value) in settings)
        {
            start.Environment[key.Replace(":", "__")] = value;
        }

        // The host binds a free port itself and says which: no race between choosing a port and using it.
        start.Environment["Urls"] = "http://127.0.0.1:0";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = Process.Start(start)!;
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            if (line.Contains("Now listening on: http://", StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri(line[(line.IndexOf("http://", StringComparison.Ordinal))..].Trim() + "/"));
            }
        }

        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException(
            $"the host exited with code {process.ExitCode}:\n{string.Join("\n", output.TakeLast(30))}"));

        Uri address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var host = new HostProcess(process, address);
        await Eventually.MatchAsync(
            async () =>
            {
                try
                {
                    return (await host.Anonymous.GetAsync("api/health")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            ok => ok,
            TimeSpan.FromSeconds(60),
            "host health");
        string issuer = await DevTokenIssuer.DiscoverIssuerAsync(host.Anonymous, address)
            ?? throw new InvalidOperationException("the host serves no dev issuer (Auth:DevIssuer:Enabled)");
        string keyFile = settings.TryGetValue("Auth:DevIssuer:KeyFile", out string? path) && path is not null
            ? path
            : throw new InvalidOperationException("the test settings name no Auth:DevIssuer:KeyFile");
        host.Tokens = new DevTokenIssuer(DevSigningKeys.LoadOrCreate(keyFile), issuer);
        host.Http = host.ClientAs(DefaultCaller);
        return host;
    }

    /// <summary>Kills the host at once (no graceful shutdown): the hardest kind of restart.</summary>
    public async Task KillAsync()
    {
        if (!this.process.HasExited)
        {
            this.process.Kill(entireProcessTree: true);
            await this.process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await this.KillAsync();
        this.Anonymous.Dispose();
        lock (this.clients)
        {
            this.clients.ForEach(c => c.Dispose());
        }

        this.process.Dispose();
    }
}

/// <summary>Adds <c>Authorization: Bearer</c> for one caller to every request that has none.</summary>
sealed class BearerHandler(DevTokenIssuer tokens, Caller who) : DelegatingHandler(new HttpClientHandler())
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization ??= new AuthenticationHeaderValue("Bearer", tokens.Mint(who));
        return base.SendAsync(request, cancellationToken);
    }
}
