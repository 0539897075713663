using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>A portable host process of a test class's own, on a private Azurite, with settings over the test defaults; both go together.</summary>
public sealed class PrivateHost : IAsyncDisposable
{
    PrivateHost(TestEnvironment environment, HostProcess process)
    {
        this.Environment = environment;
        this.Process = process;
    }

    public TestEnvironment Environment { get; }

    public HostProcess Process { get; }

    public static async Task<PrivateHost> StartAsync(IDictionary<string, string?> settings)
    {
        TestEnvironment environment = await TestEnvironment.StartAsync();
        try
        {
            return new PrivateHost(environment, await HostProcess.StartAsync(environment.Settings(settings)));
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await this.Process.DisposeAsync();
        await this.Environment.DisposeAsync();
    }
}
