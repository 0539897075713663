using System.Text.Json.Serialization;

namespace Agents.Core.Contracts;

/// <summary>One node of a plan as the planner proposed it. <see cref="Arguments"/> is canonical JSON.</summary>
public sealed record PlanStep(
    string Id,
    string Tool,
    string Arguments,
    IReadOnlyList<string> DependsOn,
    string? Why,
    bool RequiresApproval)
{
    /// <summary>Output tokens the step's tool asks of a model (0: the tool calls no model and needs no allotment).</summary>
    public int ModelOutputTokens { get; init; }

    public bool UsesModel => this.ModelOutputTokens > 0;
}

/// <summary>A validated plan: step ids unique, every dependency known, no cycles, every tool in the catalog.</summary>
public sealed record Plan(string Goal, string? Rationale, IReadOnlyList<PlanStep> Steps);

/// <summary>What is published before any tool runs (custom status and a <c>plan.previewed</c> event).</summary>
public sealed record PlanPreview(int Revision, Plan Plan, PayloadRef PlanRef, DateTime PublishedAt);

[JsonConverter(typeof(SnakeCaseEnum<StepStatus>))]
public enum StepStatus
{
    Pending,
    AwaitingApproval,
    Approved,
    Running,
    Succeeded,
    Failed,
    Denied,
    TimedOut,
    Skipped,

    /// <summary>The policy forbids the call; it never ran and no one could approve it.</summary>
    Forbidden,
}

/// <summary>A node of the Action Graph: the step, its status, inputs, outputs and timings.</summary>
public sealed record ActionNode(
    string Id,
    string Tool,
    string Arguments,
    IReadOnlyList<string> DependsOn,
    bool RequiresApproval,
    StepStatus Status)
{
    public DateTime? StartedAt { get; init; }

    public DateTime? CompletedAt { get; init; }

    /// <summary>Time the step's activity spent working, measured inside the activity.</summary>
    public long? DurationMs { get; init; }

    public PayloadRef? Output { get; init; }

    /// <summary>More outputs the tool stored itself, by name: the browser's <c>screenshot_before</c> and <c>screenshot_after</c> (kind <c>screenshot</c>).</summary>
    public IReadOnlyDictionary<string, PayloadRef>? Attachments { get; init; }

    public string? OutputPreview { get; init; }

    public string? Error { get; init; }

    public string? ApprovalId { get; init; }

    public TokenUsage? Tokens { get; init; }

    /// <summary>The policy's decision for this call: what it decided, why, under which version, on which inputs.</summary>
    public Policy.PolicyDecision? Policy { get; init; }

    /// <summary>The approval the call runs under, bound to exactly what was approved.</summary>
    public Policy.ApprovalBinding? Approval { get; init; }

    public bool IsFinal => this.Status is StepStatus.Succeeded or StepStatus.Failed or StepStatus.Denied
        or StepStatus.TimedOut or StepStatus.Skipped or StepStatus.Forbidden;
}
