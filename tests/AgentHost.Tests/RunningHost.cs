using Agents.Testing;
using Microsoft.AspNetCore.Builder;

namespace AgentHost.Tests;

/// <summary>The portable host, started in process on a loopback port, talked to over real HTTP.</summary>
public sealed class RunningHost : IAsyncDisposable
{
    readonly WebApplication app;

    RunningHost(WebApplication app, Uri address)
    {
        this.app = app;
        this.Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    public static async Task<RunningHost> StartAsync(AzuriteServer azurite, string remotesRoot, IDictionary<string, string?> extra)
    {
        var settings = TestSettings.For(azurite, remotesRoot, extra);
        settings["Urls"] = "http://127.0.0.1:0";
        WebApplication app = AgentHostApp.Build([], settings);
        await app.StartAsync();
        return new RunningHost(app, new Uri(app.Urls.First()));
    }

    public async ValueTask DisposeAsync()
    {
        this.Http.Dispose();
        await this.app.StopAsync();
        await this.app.DisposeAsync();
    }
}
