namespace Agents.Testing;

/// <summary>What every platform test needs outside the process: a private Azurite and a private folder of remotes.</summary>
public sealed class TestEnvironment : IAsyncDisposable
{
    TestEnvironment(AzuriteServer azurite) => this.Azurite = azurite;

    public AzuriteServer Azurite { get; }

    public string RemotesRoot { get; } = Directory.CreateTempSubdirectory("agentfn-remotes-").FullName;

    public static async Task<TestEnvironment> StartAsync() => new(await AzuriteServer.StartAsync());

    public Dictionary<string, string?> Settings(IDictionary<string, string?>? extra = null) =>
        TestSettings.For(this.Azurite, this.RemotesRoot, extra);

    public async ValueTask DisposeAsync()
    {
        await this.Azurite.DisposeAsync();
        try
        {
            Directory.Delete(this.RemotesRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
