using Agents.Core.Contracts;

namespace Agents.Core.Orchestrations;

/// <summary>
/// The Action Graph of one plan revision: a DAG of steps with their status. Pure and deterministic
/// (no clock, no I/O), so the Turn orchestrator can drive it safely during replay.
/// </summary>
public sealed class ActionGraph
{
    readonly List<string> order = [];
    readonly Dictionary<string, ActionNode> nodes = new(StringComparer.Ordinal);

    ActionGraph()
    {
    }

    public IReadOnlyList<ActionNode> Nodes => this.order.Select(id => this.nodes[id]).ToList();

    public bool AllFinal => this.nodes.Values.All(n => n.IsFinal);

    public static ActionGraph FromPlan(Plan plan)
    {
        var graph = new ActionGraph();
        foreach (PlanStep step in plan.Steps)
        {
            graph.order.Add(step.Id);
            graph.nodes[step.Id] = new ActionNode(step.Id, step.Tool, step.Arguments, step.DependsOn, step.RequiresApproval, StepStatus.Pending);
        }

        return graph;
    }

    public ActionNode this[string id] => this.nodes[id];

    public void Update(string id, Func<ActionNode, ActionNode> change) => this.nodes[id] = change(this.nodes[id]);

    /// <summary>Marks as skipped every pending node that depends on a node that will never succeed.</summary>
    public IReadOnlyList<ActionNode> SkipBlocked()
    {
        var skipped = new List<ActionNode>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (string id in this.order)
            {
                ActionNode node = this.nodes[id];
                if (node.Status is not (StepStatus.Pending or StepStatus.Approved))
                {
                    continue;
                }

                string? blocker = node.DependsOn.FirstOrDefault(d => this.nodes[d].Status is StepStatus.Failed
                    or StepStatus.Denied or StepStatus.TimedOut or StepStatus.Skipped or StepStatus.Forbidden);
                if (blocker is not null)
                {
                    this.nodes[id] = node with
                    {
                        Status = StepStatus.Skipped,
                        Error = $"not run: dependency '{blocker}' is {this.nodes[blocker].Status.Snake()}",
                    };
                    skipped.Add(this.nodes[id]);
                    changed = true;
                }
            }
        }

        return skipped;
    }

    /// <summary>Marks every node that has not started as skipped (the turn is stopping).</summary>
    public IReadOnlyList<ActionNode> SkipRemaining(string reason)
    {
        var skipped = new List<ActionNode>();
        foreach (string id in this.order)
        {
            if (this.nodes[id].Status is StepStatus.Pending or StepStatus.Approved or StepStatus.AwaitingApproval)
            {
                this.nodes[id] = this.nodes[id] with { Status = StepStatus.Skipped, Error = reason };
                skipped.Add(this.nodes[id]);
            }
        }

        return skipped;
    }

    /// <summary>Nodes whose dependencies succeeded and that the policy has not decided on yet.</summary>
    public IReadOnlyList<ActionNode> NeedsEvaluation() =>
        this.order.Select(id => this.nodes[id])
            .Where(n => n.Status == StepStatus.Pending && n.Policy is null && this.DependenciesSucceeded(n))
            .ToList();

    /// <summary>Nodes that may start now: dependencies succeeded and the policy permits them, or a human approved them.</summary>
    public IReadOnlyList<ActionNode> ReadyToRun() =>
        this.order.Select(id => this.nodes[id])
            .Where(n => (n.Status == StepStatus.Approved || (n.Status == StepStatus.Pending && n.Policy?.Effective == Policy.PolicyEffect.Permit))
                && this.DependenciesSucceeded(n))
            .ToList();

    /// <summary>Nodes whose dependencies succeeded and that the policy says need a human decision.</summary>
    public IReadOnlyList<ActionNode> ReadyForApproval() =>
        this.order.Select(id => this.nodes[id])
            .Where(n => n.Status == StepStatus.Pending && n.Policy?.Effective == Policy.PolicyEffect.RequireApproval && this.DependenciesSucceeded(n))
            .ToList();

    /// <summary>Every succeeded ancestor of a node (transitively), in plan order: the data a step may use.</summary>
    public IReadOnlyList<ActionNode> SucceededAncestors(string id)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(this.nodes[id].DependsOn);
        while (stack.Count > 0)
        {
            string next = stack.Pop();
            if (seen.Add(next))
            {
                foreach (string dep in this.nodes[next].DependsOn)
                {
                    stack.Push(dep);
                }
            }
        }

        return this.order.Where(seen.Contains).Select(a => this.nodes[a])
            .Where(n => n.Status == StepStatus.Succeeded && n.Output is not null).ToList();
    }

    public TurnOutcome Outcome()
    {
        if (this.nodes.Values.Any(n => n.Status == StepStatus.Failed))
        {
            return TurnOutcome.Failed;
        }

        return this.nodes.Values.All(n => n.Status == StepStatus.Succeeded) ? TurnOutcome.Completed : TurnOutcome.Stopped;
    }

    bool DependenciesSucceeded(ActionNode node) => node.DependsOn.All(d => this.nodes[d].Status == StepStatus.Succeeded);
}
