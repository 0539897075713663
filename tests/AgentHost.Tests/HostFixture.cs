using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>One portable host on the in-memory engine, shared by the API tests.</summary>
public sealed class HostFixture : IAsyncLifetime
{
    public const int MaxTurnInputBytes = 2048;

    AzuriteServer? azurite;
    RunningHost? host;

    public string RemotesRoot { get; } = Directory.CreateTempSubdirectory("agentfn-remotes-").FullName;

    public HttpClient Http => this.host!.Http;

    public AzuriteServer Azurite => this.azurite!;

    public async Task InitializeAsync()
    {
        this.azurite = await AzuriteServer.StartAsync();
        this.host = await RunningHost.StartAsync(this.azurite, this.RemotesRoot, new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "InMemory",
            ["Agent:MaxTurnInputBytes"] = MaxTurnInputBytes.ToString(),
        });
    }

    public async Task DisposeAsync()
    {
        if (this.host is not null)
        {
            await this.host.DisposeAsync();
        }

        if (this.azurite is not null)
        {
            await this.azurite.DisposeAsync();
        }

        Directory.Delete(this.RemotesRoot, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class HostCollection : ICollectionFixture<HostFixture>
{
    public const string Name = "host";
}
