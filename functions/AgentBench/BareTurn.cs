using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Tools;
using Microsoft.DurableTask;
using Microsoft.Extensions.AI;

namespace AgentBench;

/// <summary>
/// The baseline of the overhead bench: a plain Durable Task orchestration that makes the governed turn's model and tool
/// calls, in the same order, through the same clients and tool implementations, and nothing else: no policy, budgets,
/// token allotments, event log, payload store, tracing, credentials, load admission or memory retrieval. It asks the
/// model for the plan (the platform's own planning prompt, as last sent), runs the plan's steps one after the other
/// (the plan is a chain), then asks for the summary (the platform's summary prompt). Defined here only: it is a yardstick,
/// not a way to run agents.
/// </summary>
static class BareTurn
{
    public const string CallModel = "BareCallModel";
    public const string RunTool = "BareRunTool";

    public static DurableTaskRegistry AddBareTurn(this DurableTaskRegistry registry) => registry
        .AddOrchestratorFunc<BareTurnInput, int>(nameof(BareTurn), RunAsync)
        .AddActivity<BareCallModelActivity>(CallModel)
        .AddActivity<BareRunToolActivity>(RunTool);

    /// <summary>Returns the number of steps run.</summary>
    public static async Task<int> RunAsync(TaskOrchestrationContext context, BareTurnInput input)
    {
        string plan = await context.CallActivityAsync<string>(CallModel, new BareModelCall(input.PlanPurpose));
        IReadOnlyList<BareToolCall> steps = Steps(plan);
        foreach (BareToolCall step in steps)
        {
            await context.CallActivityAsync<string>(RunTool, step);
        }

        await context.CallActivityAsync<string>(CallModel, new BareModelCall(input.SummaryPurpose));
        return steps.Count;
    }

    /// <summary>The steps of the model's plan answer, in order (the bench's plan is a chain, each step after the one before).</summary>
    static List<BareToolCall> Steps(string plan)
    {
        using JsonDocument document = JsonDocument.Parse(plan);
        return document.RootElement.GetProperty("steps").EnumerateArray()
            .Select(s => new BareToolCall(s.GetProperty("id").GetString()!, s.GetProperty("tool").GetString()!, s.TryGetProperty("args", out JsonElement args) ? args.GetRawText() : "{}"))
            .ToList();
    }
}

sealed record BareTurnInput(string PlanPurpose, string SummaryPurpose);

sealed record BareModelCall(string Purpose);

sealed record BareToolCall(string Id, string Tool, string Arguments);

/// <summary>Sends the platform's last prompt for a purpose again, to the same client with the same options; returns the answer's text.</summary>
sealed class BareCallModelActivity(CallClock clock) : TaskActivity<BareModelCall, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, BareModelCall input)
    {
        CapturedCall call = clock.Prompts.GetValueOrDefault(input.Purpose)
            ?? throw new InvalidOperationException($"no '{input.Purpose}' prompt captured yet: run a governed turn first");
        ChatResponse response = await call.Client.GetResponseAsync(call.Messages, call.Options?.Clone()).ConfigureAwait(false);
        return response.Text;
    }
}

/// <summary>Runs one tool of the platform's catalog directly: no policy check, no credential, no payload store, no event.</summary>
sealed class BareRunToolActivity(ToolCatalog catalog) : TaskActivity<BareToolCall, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, BareToolCall input)
    {
        if (!catalog.TryGet(input.Tool, out IAgentTool tool))
        {
            throw new InvalidOperationException($"unknown tool '{input.Tool}'");
        }

        using JsonDocument args = JsonDocument.Parse(input.Arguments);
        var step = new PlanStep(input.Id, input.Tool, input.Arguments, [], null, RequiresApproval: false);
        var invocation = new ToolInvocation(Sample.Session, 1, step, args.RootElement, string.Empty, [], (_, _) => Task.FromResult(string.Empty), null);
        ToolOutput output = await tool.RunAsync(invocation, CancellationToken.None).ConfigureAwait(false);
        return output.Succeeded ? output.Preview : throw new InvalidOperationException($"{input.Tool} failed: {output.Error}");
    }
}
