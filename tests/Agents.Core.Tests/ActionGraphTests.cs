using Agents.Core.Contracts;
using Agents.Core.Orchestrations;
using Agents.Core.Policy;

namespace Agents.Core.Tests;

public sealed class ActionGraphTests
{
    static Plan Diamond() => new("g", null,
    [
        new PlanStep("a", "list_files", "{}", [], null, false),
        new PlanStep("b", "read_file", "{}", ["a"], null, false),
        new PlanStep("c", "read_file", "{}", ["a"], null, false),
        new PlanStep("d", "draft_patch", "{}", ["b", "c"], null, false),
        new PlanStep("e", "open_pull_request", "{}", ["d"], null, true),
    ]);

    static PolicyDecision Decided(PolicyEffect effect) => new(effect, effect, "test-1", [], "test");

    [Fact]
    public void ReadyToRun_NothingRunsBeforeThePolicyDecides()
    {
        var graph = ActionGraph.FromPlan(Diamond());

        Assert.Equal(["a"], graph.NeedsEvaluation().Select(n => n.Id));
        Assert.Empty(graph.ReadyToRun());
        graph.Update("a", n => n with { Policy = Decided(PolicyEffect.Permit) });
        Assert.Equal(["a"], graph.ReadyToRun().Select(n => n.Id));
    }

    [Fact]
    public void ReadyToRun_AfterTheRootSucceeds_OffersBothBranchesTogether()
    {
        var graph = ActionGraph.FromPlan(Diamond());
        graph.Update("a", n => n with { Status = StepStatus.Succeeded });

        Assert.Equal(["b", "c"], graph.NeedsEvaluation().Select(n => n.Id));
        foreach (string id in new[] { "b", "c" })
        {
            graph.Update(id, n => n with { Policy = Decided(PolicyEffect.Permit) });
        }

        Assert.Equal(["b", "c"], graph.ReadyToRun().Select(n => n.Id));
    }

    [Fact]
    public void ReadyForApproval_OnlyWhenThePolicyAsksAndDependenciesSucceeded()
    {
        var graph = ActionGraph.FromPlan(Diamond());
        foreach (string id in new[] { "a", "b", "c" })
        {
            graph.Update(id, n => n with { Status = StepStatus.Succeeded });
        }

        graph.Update("e", n => n with { Policy = Decided(PolicyEffect.RequireApproval) });
        Assert.Empty(graph.ReadyForApproval());
        graph.Update("d", n => n with { Status = StepStatus.Succeeded });

        Assert.Equal(["e"], graph.ReadyForApproval().Select(n => n.Id));
        Assert.DoesNotContain(graph.ReadyToRun(), n => n.Id == "e");
        graph.Update("e", n => n with { Status = StepStatus.Approved });
        Assert.Equal(["e"], graph.ReadyToRun().Select(n => n.Id));
    }

    [Fact]
    public void SkipBlocked_AForbiddenStep_SkipsWhatDependsOnIt()
    {
        var graph = ActionGraph.FromPlan(Diamond());
        graph.Update("a", n => n with { Status = StepStatus.Forbidden });

        Assert.Equal(["b", "c", "d", "e"], graph.SkipBlocked().Select(n => n.Id));
        Assert.Equal(TurnOutcome.Stopped, graph.Outcome());
    }

    [Fact]
    public void SkipBlocked_AFailure_SkipsEverythingDownstreamTransitively()
    {
        var graph = ActionGraph.FromPlan(Diamond());
        graph.Update("a", n => n with { Status = StepStatus.Succeeded });
        graph.Update("b", n => n with { Status = StepStatus.Failed });
        graph.Update("c", n => n with { Status = StepStatus.Succeeded });

        var skipped = graph.SkipBlocked();

        Assert.Equal(["d", "e"], skipped.Select(n => n.Id));
        Assert.Contains("dependency 'b' is failed", graph["d"].Error);
        Assert.True(graph.AllFinal);
        Assert.Equal(TurnOutcome.Failed, graph.Outcome());
    }

    [Fact]
    public void Outcome_DeniedStep_IsStopped()
    {
        var graph = ActionGraph.FromPlan(Diamond());
        foreach (string id in new[] { "a", "b", "c", "d" })
        {
            graph.Update(id, n => n with { Status = StepStatus.Succeeded });
        }

        graph.Update("e", n => n with { Status = StepStatus.Denied });

        Assert.Equal(TurnOutcome.Stopped, graph.Outcome());
    }

    [Fact]
    public void SucceededAncestors_IncludesTransitiveOutputsInPlanOrder()
    {
        var graph = ActionGraph.FromPlan(Diamond());
        var output = new PayloadRef(new string('a', 64), 1, "text/plain");
        foreach (string id in new[] { "a", "b", "c", "d" })
        {
            graph.Update(id, n => n with { Status = StepStatus.Succeeded, Output = output });
        }

        Assert.Equal(["a", "b", "c", "d"], graph.SucceededAncestors("e").Select(n => n.Id));
        Assert.Equal(["a"], graph.SucceededAncestors("b").Select(n => n.Id));
    }
}
