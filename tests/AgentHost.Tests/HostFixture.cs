using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>One portable host process on the in-memory engine, shared by the API tests.</summary>
public sealed class HostFixture : IAsyncLifetime
{
    public const int MaxTurnInputBytes = 2048;

    TestEnvironment? environment;
    HostProcess? host;

    public HttpClient Http => this.host!.Http;

    /// <summary>While this file exists, the run_tests job of any turn prints a line and waits (see <see cref="TestCommand"/>).</summary>
    public string TestJobHold { get; } = Path.Combine(Directory.CreateTempSubdirectory("agentfn-hold-").FullName, "hold");

    /// <summary>The sample's tests, behind a hold a test can put on the job to watch it while it runs.</summary>
    string TestCommand =>
        $"echo collecting tests; if [ -e '{this.TestJobHold}' ]; then echo held by the test; while [ -e '{this.TestJobHold}' ]; do sleep 0.05; done; fi; " +
        "python3 -m unittest discover -s tests -t .";
    public HostProcess Process => this.host!;

    public string KeyFile => this.environment!.DevIssuerKeyFile;

    public async Task InitializeAsync()
    {
        this.environment = await TestEnvironment.StartAsync();
        this.host = await HostProcess.StartAsync(this.environment.Settings(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "InMemory",
            ["Agent:MaxTurnInputBytes"] = MaxTurnInputBytes.ToString(),
            ["Workspace:TestCommand"] = this.TestCommand,
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
