using Agents.Core.Hosting;
using Agents.Core.Publishing;
using Agents.Core.Tools;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.Publishing;

/// <summary>The local stand-in for GitHub: a bare repository on disk and a JSON record per pull request; pushes exactly once.</summary>
public sealed class LocalRemotePublisherTests : IDisposable
{
    readonly string remotes = Directory.CreateTempSubdirectory("agentfn-local-remote-").FullName;
    readonly RepositoryWorkspace workspace;
    readonly LocalRemotePublisher publisher;

    public LocalRemotePublisherTests()
    {
        this.workspace = new RepositoryWorkspace(Options.Create(new WorkspaceOptions { RemotesRoot = this.remotes }));
        this.publisher = new LocalRemotePublisher(this.workspace, Options.Create(new PublishingOptions()));
    }

    static PullRequestDraft Draft(string patch = GitFixtures.ReadmePatch) => new(
        "inventory-service", "agent/s-local-t1", "main", "Tighten the README", "Body", patch, "s-local", 1, "s-local:t-1:a-1");

    async Task<string> RemoteAsync() =>
        await GitFixtures.BareRemoteAsync(this.workspace.RemoteOf("inventory-service"), this.workspace.RootOf("inventory-service"));

    [Fact]
    public async Task PublishAsync_Twice_PushesOnceAndReturnsTheSamePullRequest()
    {
        string remote = await this.RemoteAsync();

        PublishedPullRequest first = await this.publisher.PublishAsync(Draft(), token: null, CancellationToken.None);
        PublishedPullRequest second = await this.publisher.PublishAsync(Draft(), token: null, CancellationToken.None);

        Assert.False(first.AlreadyOpen);
        Assert.True(second.AlreadyOpen);
        Assert.Equal(first.Record, second.Record);
        Assert.Equal(["refs/heads/agent/s-local-t1"], GitFixtures.Pushes(remote));
        string pushed = await GitFixtures.GitAsync(remote, "show", "agent/s-local-t1:README.md");
        Assert.Contains("the PR-prep agent's sample repository", pushed);
        Assert.Equal(first.Record.Commit, (await GitFixtures.GitAsync(remote, "rev-parse", "agent/s-local-t1")).Trim());
        string record = Assert.Single(Directory.EnumerateFiles(this.workspace.PullRequestsOf("inventory-service"), "*.json"));
        Assert.Contains("s-local:t-1:a-1", await File.ReadAllTextAsync(record));
    }

    [Fact]
    public async Task PublishAsync_AfterAPushWhoseRecordWasLost_RecordsItWithoutPushingAgain()
    {
        string remote = await this.RemoteAsync();
        PublishedPullRequest first = await this.publisher.PublishAsync(Draft(), token: null, CancellationToken.None);
        File.Delete(Assert.Single(Directory.EnumerateFiles(this.workspace.PullRequestsOf("inventory-service"), "*.json")));

        PublishedPullRequest retried = await this.publisher.PublishAsync(Draft(), token: null, CancellationToken.None);

        Assert.Equal(first.Record.Commit, retried.Record.Commit);
        Assert.Single(GitFixtures.Pushes(remote));
    }

    [Theory]
    [InlineData("--- a/.git/config\n+++ b/.git/config\n@@ -1 +1 @@\n-x\n+y\n", "inside .git/")]
    [InlineData("--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-x\n+y\n", "leaves the repository")]
    [InlineData("--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-x\n+y\n", "leaves the repository")]
    public async Task PublishAsync_PatchOutsideTheRepository_IsRefusedAndPushesNothing(string patch, string reason)
    {
        string remote = await this.RemoteAsync();

        var refused = await Assert.ThrowsAsync<PublishException>(() => this.publisher.PublishAsync(Draft(patch), token: null, CancellationToken.None));

        Assert.Contains(reason, refused.Message);
        Assert.Empty(GitFixtures.Pushes(remote));
        Assert.False(Directory.Exists(this.workspace.PullRequestsOf("inventory-service")));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(this.remotes, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
