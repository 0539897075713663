using Agents.Core.Hosting;

namespace Agents.Testing;

/// <summary>Settings for a platform under test: storage on the test's Azurite, the sample repositories, a private remotes folder.</summary>
public static class TestSettings
{
    public static string RecordingsOfTests => Path.Combine(RepositoryPaths.Root, "tests", "recordings");

    /// <summary>
    /// Hosts run their dev issuer (tests send its tokens, as the CLI does); rate limits are set far above what the tests'
    /// polling asks, except where a test sets its own.
    /// </summary>
    public static Dictionary<string, string?> For(AzuriteServer azurite, string remotesRoot, IDictionary<string, string?>? extra = null, string? devIssuerKeyFile = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Models:Providers:offline:Kind"] = "Offline",
            ["Models:Providers:offline:Recordings:0"] = "samples/recordings",
            ["Models:Providers:offline:Recordings:1"] = RecordingsOfTests,
            ["Backpressure:SampleSeconds"] = "0.2",
            ["Budgets:Orgs:tinyorg:OrgDailyTokens"] = "15000",
            ["Workspace:RepositoriesRoot"] = "samples/repos",
            ["Workspace:RemotesRoot"] = remotesRoot,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Auth:DevIssuer:Enabled"] = "true",
            ["Auth:DevIssuer:KeyFile"] = devIssuerKeyFile ?? Path.Combine(remotesRoot, ".dev-issuer", "signing-keys.json"),
            ["RateLimits:User:PermitLimit"] = "100000",
            ["RateLimits:Org:PermitLimit"] = "100000",
        };
        foreach ((string key, string? value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }
}
