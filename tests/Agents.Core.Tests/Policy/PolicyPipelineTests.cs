using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Policy;
using Agents.Core.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Tests.Policy;

/// <summary>Every planned tool call goes through the policy before it runs; decisions are on the graph and in the log.</summary>
[Collection(PlatformCollection.Name)]
public sealed class PolicyPipelineTests(PlatformFixture platform)
{
    readonly SessionDriver driver = new(platform);

    [Fact]
    public async Task Turn_StepReadingASecretFile_IsForbiddenNeverRunsAndBlocksItsDependents()
    {
        string sessionId = await this.driver.CreateAsync();
        await this.driver.SubmitAsync(sessionId, "TEST-SECRETS: read the configuration");

        TurnView done = await this.driver.WaitForCompletionAsync(sessionId, 1);

        ActionNode env = done.Graph.Single(n => n.Id == "read-env");
        Assert.Equal(StepStatus.Forbidden, env.Status);
        Assert.Equal(PolicyEffect.Forbid, env.Policy!.Effective);
        Assert.Contains(env.Policy.Matched, m => m.Id == "forbid-secret-paths");
        Assert.Null(env.Output); // the tool never ran
        Assert.Equal(StepStatus.Succeeded, done.Graph.Single(n => n.Id == "read-src").Status);
        Assert.Equal(StepStatus.Skipped, done.Graph.Single(n => n.Id == "after-env").Status);
        Assert.Equal(TurnOutcome.Stopped.Snake(), done.Outcome);
        var events = await platform.Events.ReadAsync(sessionId);
        AgentEvent decision = Assert.Single(events, e => e.Type == PolicyEvents.Type && e.Step == "read-env");
        Assert.Equal("forbid", decision.Decision);
        Assert.Equal(platform.Services.GetRequiredService<IPolicyStore>().Current.Version, decision.Inputs!["policyVersion"]);
        Assert.Contains(".env.example", decision.Inputs["input"]);
        Assert.DoesNotContain(events, e => e.Step == "read-env" && e.Type is EventTypes.StepCompleted or EventTypes.StepFailed);
    }

    [Fact]
    public async Task Turn_ReadingPiiTaggedData_WaitsForApproval()
    {
        string sessionId = await this.driver.CreateAsync();
        await this.driver.SubmitAsync(sessionId, "TEST-PII: count customers per city");

        TurnView waiting = await this.driver.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);

        ActionNode read = Assert.Single(waiting.Graph);
        Assert.Equal(StepStatus.AwaitingApproval, read.Status);
        Assert.Contains(read.Policy!.Matched, m => m.Id == "approve-pii");
        Assert.Contains("\"pii\"", read.Policy.Inputs);
        Assert.Equal(read.Policy.Binding, waiting.PendingApproval!.Bindings["read-customers"]);
        await this.driver.DecideAsync(sessionId, 1, "deny", "not needed");
        TurnView done = await this.driver.WaitForCompletionAsync(sessionId, 1);
        Assert.Null(done.Graph.Single().Output);
    }

    [Fact]
    public async Task Turn_SecretSmuggledIntoArguments_IsForbidden()
    {
        string sessionId = await this.driver.CreateAsync();
        await this.driver.SubmitAsync(sessionId, "TEST-SMUGGLE: find the deploy key");

        TurnView done = await this.driver.WaitForCompletionAsync(sessionId, 1);

        ActionNode search = Assert.Single(done.Graph);
        Assert.Equal(StepStatus.Forbidden, search.Status);
        Assert.Contains(search.Policy!.Matched, m => m.Id == "forbid-secrets-in-arguments");
    }

    [Fact]
    public async Task Approval_PolicyChangedBeforeTheStepRuns_IsNeededAgain()
    {
        IPolicyStore store = platform.Services.GetRequiredService<IPolicyStore>();
        string original = store.Current.Text;
        string sessionId = await this.driver.CreateAsync();
        await this.driver.SubmitAsync(sessionId, SessionDriver.Ticket101);
        TurnView first = await this.driver.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);
        try
        {
            // A new policy version lands while the request waits: the approval no longer covers what would run.
            Assert.Null(store.TryLoad(original.Replace("version: pr-prep-2026.11.26-2", "version: pr-prep-2026.11.26-3"), "test"));
            await this.driver.DecideAsync(sessionId, 1, "approve");

            TurnView again = await this.driver.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is { } p && p.ApprovalId != first.PendingApproval!.ApprovalId);

            Assert.Equal(StepStatus.AwaitingApproval, again.Graph.Single(n => n.Id == "pr").Status);
            Assert.Equal("pr-prep-2026.11.26-3", again.PendingApproval!.PolicyVersion);
            Assert.NotEqual(first.PendingApproval!.Bindings["pr"], again.PendingApproval.Bindings["pr"]);
            var events = await platform.Events.ReadAsync(sessionId);
            Assert.Contains(events, e => e.Type == PolicyEvents.Type && e.Step == "pr" && e.Inputs!["stage"] == "run" && e.Summary.Contains("require_approval"));
            Assert.DoesNotContain(events, e => e.Step == "pr" && e.Type == EventTypes.StepCompleted);

            await this.driver.DecideAsync(sessionId, 1, "approve");
            TurnView done = await this.driver.WaitForCompletionAsync(sessionId, 1);
            Assert.Equal(TurnOutcome.Completed.Snake(), done.Outcome);
            ActionNode pr = done.Graph.Single(n => n.Id == "pr");
            Assert.Equal(again.PendingApproval.Bindings["pr"], pr.Approval!.Binding);
            Assert.Equal("lee", pr.Approval.Approver);
        }
        finally
        {
            Assert.Null(store.TryLoad(original.Replace("version: pr-prep-2026.11.26-2", "version: pr-prep-2026.11.26-4"), "test"));
        }
    }
}
