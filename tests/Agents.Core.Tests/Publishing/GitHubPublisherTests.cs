using System.Text.Json.Nodes;
using Agents.Core.Credentials;
using Agents.Core.Hosting;
using Agents.Core.Publishing;
using Agents.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.Publishing;

/// <summary>
/// GitHub at the seam: Octokit pointed at a loopback server that answers the REST calls it makes, git pushing to a
/// bare repository over file://. What is asserted is what GitHub would see: the requests, their token, the body.
/// </summary>
public sealed class GitHubPublisherTests : IAsyncLifetime
{
    const string Token = "ghs_publishertesttoken0123456789abcdefABCDEF";
    const string Branch = "agent/s-gh-t1";
    readonly string remotes = Directory.CreateTempSubdirectory("agentfn-github-").FullName;
    FakeGitHubServer? github;
    string remote = string.Empty;

    FakeGitHubServer GitHub => this.github!;

    public async Task InitializeAsync()
    {
        this.remote = await GitFixtures.BareRemoteAsync(Path.Combine(this.remotes, "inventory-service.git"), Path.Combine(RepositoryPaths.Root, "samples", "repos", "inventory-service"));
        this.github = await FakeGitHubServer.StartAsync(this.remote);
    }

    public async Task DisposeAsync()
    {
        await this.GitHub.DisposeAsync();
        Directory.Delete(this.remotes, recursive: true);
    }

    GitHubPublisher Publisher() => new(
        Options.Create(new PublishingOptions
        {
            Provider = PublishingProvider.GitHub,
            GitHub = new GitHubPublishingOptions
            {
                ApiBaseUrl = this.GitHub.BaseAddress,
                GitRemoteUrl = new Uri(this.remotes + "/").AbsoluteUri + "{repo}.git",
                TimeoutSeconds = 30,
                Repositories = { ["inventory-service"] = new GitHubRepositoryOptions { Owner = "contoso", Name = "inventory-service", Base = "main" } },
            },
        }),
        NullLogger<GitHubPublisher>.Instance);

    static PullRequestDraft Draft() => new(
        "inventory-service", Branch, "main", "Tighten the README",
        PullRequestDraft.ComposeBody("Shorter wording.", new Uri("http://localhost:7071/ui/session.html?id=s-gh"), "s-gh", 1, "s-gh:t-1:a-1"),
        GitFixtures.ReadmePatch, "s-gh", 1, "s-gh:t-1:a-1");

    static SecretValue Secret() => new(SecretNames.GitHubToken, Token);

    [Fact]
    public void TargetOf_KeySpelledWithUnderscores_FindsTheHyphenatedRepository()
    {
        // Arrange: as an Azure app setting names it (Publishing__GitHub__Repositories__inventory_service__Owner)
        var settings = new GitHubPublishingOptions
        {
            Repositories = { ["inventory_service"] = new GitHubRepositoryOptions { Owner = "contoso", Name = "inventory" } },
        };

        // Act, Assert
        Assert.Equal("inventory", settings.TargetOf("inventory-service")?.Name);
        Assert.Null(settings.TargetOf("billing-service"));
    }

    [Fact]
    public async Task PublishAsync_NewBranch_PushesOnceThenOpensThePullRequestWithTheToken()
    {
        PublishedPullRequest published = await this.Publisher().PublishAsync(Draft(), Secret(), CancellationToken.None);

        Assert.False(published.AlreadyOpen);
        Assert.Equal(1, published.Record.Number);
        Assert.Equal("https://github.example/contoso/inventory-service/pull/1", published.Record.Url);
        Assert.Equal((await GitFixtures.GitAsync(this.remote, "rev-parse", Branch)).Trim(), published.Record.Commit);
        Assert.Equal([$"refs/heads/{Branch}"], GitFixtures.Pushes(this.remote));

        IReadOnlyList<GitHubRequest> requests = this.GitHub.Requests;
        Assert.All(requests, r => Assert.Equal($"Bearer {Token}", r.Authorization));
        Assert.Equal(["GET /repos/contoso/inventory-service/pulls", "GET /repos/contoso/inventory-service/git/refs/heads/agent/s-gh-t1", "POST /repos/contoso/inventory-service/pulls"],
            requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.Contains("head=contoso%3Aagent%2Fs-gh-t1", requests[0].Query);
        Assert.Contains("state=all", requests[0].Query);
        JsonNode created = JsonNode.Parse(requests[2].Body)!;
        Assert.Equal("Tighten the README", created["title"]!.GetValue<string>());
        Assert.Equal(Branch, created["head"]!.GetValue<string>());
        Assert.Equal("main", created["base"]!.GetValue<string>());
        Assert.Contains("Replay the session: http://localhost:7071/ui/session.html?id=s-gh", created["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task PublishAsync_Retried_FindsThePullRequestAndNeitherPushesNorOpensAgain()
    {
        PublishedPullRequest first = await this.Publisher().PublishAsync(Draft(), Secret(), CancellationToken.None);

        PublishedPullRequest retried = await this.Publisher().PublishAsync(Draft(), Secret(), CancellationToken.None);

        Assert.True(retried.AlreadyOpen);
        Assert.Equal(first.Record.Number, retried.Record.Number);
        Assert.Equal(first.Record.Commit, retried.Record.Commit);
        Assert.Single(GitFixtures.Pushes(this.remote));
        Assert.Single(this.GitHub.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task PublishAsync_TokenRefused_FailsSayingSoWithoutTheToken()
    {
        this.GitHub.FailWith(401, $"Bad credentials: {Token}");

        var failed = await Assert.ThrowsAsync<PublishException>(() => this.Publisher().PublishAsync(Draft(), Secret(), CancellationToken.None));

        Assert.Contains("answered 401: the token was not accepted", failed.Message);
        Assert.DoesNotContain(Token, failed.ToString());
        Assert.Empty(GitFixtures.Pushes(this.remote));
    }

    [Fact]
    public async Task PublishAsync_WithoutAToken_IsRefusedBeforeAnyRequest()
    {
        var failed = await Assert.ThrowsAsync<PublishException>(() => this.Publisher().PublishAsync(Draft(), token: null, CancellationToken.None));

        Assert.Contains("needs the github-token secret", failed.Message);
        Assert.Empty(this.GitHub.Requests);
    }
}
