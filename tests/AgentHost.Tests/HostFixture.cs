using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>One portable host process on the in-memory engine, shared by the API tests.</summary>
public sealed class HostFixture : IAsyncLifetime
{
    public const int MaxTurnInputBytes = 2048;

    TestEnvironment? environment;
    HostProcess? host;

    public HttpClient Http => this.host!.Http;

    public HostProcess Process => this.host!;

    public string KeyFile => this.environment!.DevIssuerKeyFile;

    public async Task InitializeAsync()
    {
        this.environment = await TestEnvironment.StartAsync();
        this.host = await HostProcess.StartAsync(this.environment.Settings(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "InMemory",
            ["Agent:MaxTurnInputBytes"] = MaxTurnInputBytes.ToString(),
        }));
    }

    public async Task DisposeAsync()
    {
        if (this.host is not null)
        {
            await this.host.DisposeAsync();
        }

        if (this.environment is not null)
        {
            await this.environment.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class HostCollection : ICollectionFixture<HostFixture>
{
    public const string Name = "host";
}
