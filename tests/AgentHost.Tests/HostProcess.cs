using System.Net.Http.Headers;
using AgentCli.Chaos;
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

    readonly HostLauncher process;
    readonly List<HttpClient> clients = [];

    HostProcess(HostLauncher process)
    {
        this.process = process;
        this.Address = process.Address;
        this.Anonymous = new HttpClient { BaseAddress = this.Address, Timeout = TimeSpan.FromSeconds(30) };
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
        HostLauncher launched = await HostLauncher.StartAsync(
            Path.Combine(AppContext.BaseDirectory, "AgentHost.dll"), settings, "http://127.0.0.1:0", TimeSpan.FromSeconds(60), CancellationToken.None);
        var host = new HostProcess(launched);
        string issuer = await DevTokenIssuer.DiscoverIssuerAsync(host.Anonymous, host.Address)
            ?? throw new InvalidOperationException("the host serves no dev issuer (Auth:DevIssuer:Enabled)");
        string keyFile = settings.TryGetValue("Auth:DevIssuer:KeyFile", out string? path) && path is not null
            ? path
            : throw new InvalidOperationException("the test settings name no Auth:DevIssuer:KeyFile");
        host.Tokens = new DevTokenIssuer(DevSigningKeys.LoadOrCreate(keyFile), issuer);
        host.Http = host.ClientAs(DefaultCaller);
        return host;
    }

    /// <summary>Kills the host at once (no graceful shutdown): the hardest kind of restart.</summary>
    public Task KillAsync() => this.process.KillAsync(entireTree: true);

    public async ValueTask DisposeAsync()
    {
        await this.KillAsync();
        this.Anonymous.Dispose();
        lock (this.clients)
        {
            this.clients.ForEach(c => c.Dispose());
        }

        await this.process.DisposeAsync();
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
