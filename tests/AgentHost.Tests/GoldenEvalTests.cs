using System.Text;
using AgentCli;
using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>
/// The whole golden task set (samples/golden/tasks.json) through a real host process on the in-memory engine, with the
/// offline model, by the same code as <c>agent eval</c> and <c>scripts/eval.sh</c>: every task must meet its expected
/// outcome (refusals, approvals held and decided, files changed, tests, pull request). It runs alone, after the
/// collections that run in parallel: 22 turns on a host of its own would otherwise compete with their hosts for 2 cores.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class GoldenEvalTests : IAsyncLifetime
{
    TestEnvironment? environment;
    HostProcess? host;

    public async Task InitializeAsync()
    {
        this.environment = await TestEnvironment.StartAsync();
        this.host = await HostProcess.StartAsync(this.environment.Settings(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "InMemory",
        }));
    }

    [Fact]
    public async Task Eval_EveryGoldenTask_MeetsItsExpectedOutcome()
    {
        // Arrange
        GoldenManifest manifest = GoldenManifest.Load(Path.Combine(RepositoryPaths.Root, GoldenManifest.DefaultPath));
        using AgentClient client = AgentClient.For(this.host!.Address.ToString(), new Caller("golden-eval", "golden-ci", ["approver"]), this.environment!.DevIssuerKeyFile);
        using AgentClient reviewer = client.As("golden-reviewer");
        var eval = new GoldenEval(client, reviewer) { TaskTimeout = TimeSpan.FromSeconds(120) };

        // Act
        GoldenEvalReport report = await eval.RunAsync(manifest, RepositoryPaths.Root, "ci-in-memory", CancellationToken.None);

        // Assert
        var failures = new StringBuilder();
        foreach (GoldenTaskResult task in report.Tasks.Where(t => !t.Passed))
        {
            failures.AppendLine($"{task.Id} ({task.SessionId}): {string.Join("; ", task.Problems)}");
        }

        Assert.True(failures.Length == 0, $"golden tasks that missed their expected outcome:\n{failures}");
        Assert.True(manifest.Tasks.Count >= 20, $"the golden set has {manifest.Tasks.Count} tasks");
        Assert.Equal(manifest.Tasks.Count, report.Summary.Passed);
        Assert.Equal("offline model (recorded answers)", report.Summary.Serving);
        Assert.All(report.Tasks, t => Assert.NotNull(t.ToPlanPreviewMs));
        Assert.All(report.Tasks.Where(t => t.Observed!.Files.Count > 0), t => Assert.NotNull(t.ToFirstPatchMs));
        Assert.True(report.Summary.TokensPerSuccess > 0);
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

/// <summary>
/// Tests that drive a whole host process for minutes (the golden set, the crash run, the load run): they run one at a time, after
/// the tests that run in parallel, so they neither starve those of the 2 cores nor get starved themselves.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAloneCollection
{
    public const string Name = "runs-alone";
}
