namespace Agents.Testing;

/// <summary>What every platform test needs outside the process: a private Azurite and a private folder of remotes.</summary>
public sealed class TestEnvironment : IAsyncDisposable
{
    TestEnvironment(AzuriteServer azurite) => this.Azurite = azurite;

    public AzuriteServer Azurite { get; }

    public string RemotesRoot { get; } = Directory.CreateTempSubdirectory("agentfn-remotes-").FullName;

    /// <summary>The hosts' dev issuer key file (private to this environment, shared by its hosts and their test clients).</summary>
    public string DevIssuerKeyFile { get; } = Path.Combine(Directory.CreateTempSubdirectory("agentfn-devissuer-").FullName, "signing-keys.json");

    public static async Task<TestEnvironment> StartAsync() => new(await AzuriteServer.StartAsync());

    public Dictionary<string, string?> Settings(IDictionary<string, string?>? extra = null) =>
        TestSettings.For(this.Azurite, this.RemotesRoot, extra, this.DevIssuerKeyFile);

    public async ValueTask DisposeAsync()
    {
        await this.Azurite.DisposeAsync();
        foreach (string folder in new[] { this.RemotesRoot, Path.GetDirectoryName(this.DevIssuerKeyFile)! })
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
