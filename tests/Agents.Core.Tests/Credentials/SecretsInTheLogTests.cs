using System.Text;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Core.Tests.Publishing;
using Agents.Testing;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Tests.Credentials;

/// <summary>
/// A whole approved turn publishing to GitHub (at the seam: Octokit against a loopback GitHub, git over file://)
/// with the push token from local settings. The token is really used, and a careless GitHub even hands it back in the
/// pull request's URL; still it never reaches the session's event log blob or its payloads.
/// </summary>
public sealed class SecretsInTheLogTests : IAsyncLifetime
{
    const string Token = "ghs_eventlogtesttoken0123456789abcdefXYZ";
    readonly string remotes = Directory.CreateTempSubdirectory("agentfn-gh-remotes-").FullName;
    FakeGitHubServer? github;
    PlatformFixture? platform;

    public async Task InitializeAsync()
    {
        string remote = await GitFixtures.BareRemoteAsync(
            Path.Combine(this.remotes, "inventory-service.git"), Path.Combine(RepositoryPaths.Root, "samples", "repos", "inventory-service"));
        this.github = await FakeGitHubServer.StartAsync(remote);
        this.github.EchoTokenInUrl = true;
        this.platform = new PlatformFixture(new Dictionary<string, string?>
        {
            ["Publishing:Provider"] = "GitHub",
            ["Publishing:GitHub:ApiBaseUrl"] = this.github.BaseAddress.ToString(),
            ["Publishing:GitHub:GitRemoteUrl"] = new Uri(this.remotes + "/").AbsoluteUri + "{repo}.git",
            ["Publishing:GitHub:Repositories:inventory-service:Owner"] = "contoso",
            ["Publishing:GitHub:Repositories:inventory-service:Name"] = "inventory-service",
            ["Secrets:github-token"] = Token,
            ["Agent:PublicBaseUrl"] = "https://agents.contoso.example",
        });
        await this.platform.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await this.platform!.DisposeAsync();
        await this.github!.DisposeAsync();
        Directory.Delete(this.remotes, recursive: true);
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task ApprovedTurn_PushTokenUsedAndEchoed_NeverReachesTheEventLogBlobOrPayloads()
    {
        var driver = new SessionDriver(this.platform!);
        string sessionId = await driver.CreateAsync();
        await driver.SubmitAsync(sessionId, SessionDriver.Ticket101);
        await driver.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);

        await driver.DecideAsync(sessionId, 1, "approve");
        TurnView done = await driver.WaitForCompletionAsync(sessionId, 1);

        ActionNode pr = done.Graph.Single(n => n.Id == "pr");
        Assert.True(pr.Status == StepStatus.Succeeded, pr.Error);
        Assert.Contains("PR #1 opened", pr.OutputPreview);
        Assert.True(pr.OutputPreview!.Contains("[secret]", StringComparison.Ordinal), pr.OutputPreview); // GitHub handed the token back; it was scrubbed
        Assert.Contains(this.github!.Requests, r => r.Authorization == $"Bearer {Token}");
        GitHubRequest created = Assert.Single(this.github.Requests, r => r.Method == "POST");
        Assert.Contains($"https://agents.contoso.example/ui/session.html?id={sessionId}", created.Body);

        BlobServiceClient blobs = this.platform!.Services.GetRequiredService<BlobContainers>().Service;
        string log = (await blobs.GetBlobContainerClient("agent-events").GetBlobClient($"{sessionId}.jsonl").DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains("open_pull_request", log);
        Assert.Contains("pull-request:create", log); // the step's credential is described (id, scope, expiry), not its secret
        Assert.DoesNotContain(Token, log);
        BlobContainerClient payloads = blobs.GetBlobContainerClient("agent-payloads");
        int checkedPayloads = 0;
        await foreach (BlobItem item in payloads.GetBlobsAsync(BlobTraits.None, BlobStates.None, sessionId + "/", CancellationToken.None))
        {
            string content = Encoding.UTF8.GetString((await payloads.GetBlobClient(item.Name).DownloadContentAsync()).Value.Content.ToArray());
            Assert.DoesNotContain(Token, content);
            checkedPayloads++;
        }

        Assert.True(checkedPayloads > 5, $"only {checkedPayloads} payloads were stored for {sessionId}");
    }
}
