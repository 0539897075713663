using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Agents.Core.Contracts;
using Agents.Core.Tools;

namespace Agents.Core.Planning;

/// <summary>
/// Turns a model's JSON answer into a validated <see cref="Plan"/>: known tools, unique step ids, known dependencies,
/// no cycles, bounded size. Approval is required where the catalog says so, whatever the model claims.
/// </summary>
public static partial class PlanParser
{
    public const int MaxSteps = 20;
    public const int MaxArgumentsBytes = 4096;

    public static (Plan? Plan, string? Error) Parse(string text, ToolCatalog catalog)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(StripFences(text)) as JsonObject ?? throw new JsonException("the answer is not a JSON object");
        }
        catch (JsonException e)
        {
            return (null, $"the plan is not valid JSON: {e.Message}");
        }

        string? goal = (root["goal"] as JsonValue)?.TryGetValue(out string? g) == true ? g : null;
        if (string.IsNullOrWhiteSpace(goal))
        {
            return (null, "the plan has no 'goal' (a string)");
        }

        if (root["steps"] is not JsonArray stepsNode || stepsNode.Count == 0)
        {
            return (null, "the plan has no 'steps' (a non-empty array)");
        }

        if (stepsNode.Count > MaxSteps)
        {
            return (null, $"the plan has {stepsNode.Count} steps; at most {MaxSteps} are allowed");
        }

        var steps = new List<PlanStep>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < stepsNode.Count; i++)
        {
            if (stepsNode[i] is not JsonObject s)
            {
                return (null, $"step {i + 1} is not an object");
            }

            string? id = String(s, "id");
            if (id is null || !StepId().IsMatch(id))
            {
                return (null, $"step {i + 1}: 'id' must match [a-z0-9][a-z0-9_-]{{0,39}}");
            }

            if (!ids.Add(id))
            {
                return (null, $"step '{id}' appears twice");
            }

            string? tool = String(s, "tool");
            if (tool is null || !catalog.TryGet(tool, out IAgentTool? entry))
            {
                return (null, $"step '{id}': unknown tool '{tool}'; known tools: {string.Join(", ", catalog.Definitions.Select(d => d.Name))}");
            }

            JsonNode args = s["args"] ?? new JsonObject();
            if (args is not JsonObject)
            {
                return (null, $"step '{id}': 'args' must be an object");
            }

            string canonical = args.ToJsonString();
            if (canonical.Length > MaxArgumentsBytes)
            {
                return (null, $"step '{id}': arguments are {canonical.Length} bytes; at most {MaxArgumentsBytes} (refer to files by path instead)");
            }

            var dependsOn = new List<string>();
            if (s["depends_on"] is JsonArray deps)
            {
                foreach (JsonNode? dep in deps)
                {
                    if (dep is not JsonValue v || !v.TryGetValue(out string? depId))
                    {
                        return (null, $"step '{id}': 'depends_on' must list step ids");
                    }

                    dependsOn.Add(depId);
                }
            }

            bool modelAsked = s["requires_approval"] is JsonValue r && r.TryGetValue(out bool asked) && asked;
            steps.Add(new PlanStep(id, tool, canonical, dependsOn.Distinct(StringComparer.Ordinal).ToList(), String(s, "why"), entry.Definition.RequiresApproval || modelAsked));
        }

        foreach (PlanStep step in steps)
        {
            string? unknown = step.DependsOn.FirstOrDefault(d => !ids.Contains(d) || d == step.Id);
            if (unknown is not null)
            {
                return (null, $"step '{step.Id}' depends on '{unknown}', which is {(unknown == step.Id ? "itself" : "not a step of the plan")}");
            }
        }

        if (FindCycle(steps) is { } cycle)
        {
            return (null, $"the plan's dependencies form a cycle through '{cycle}'");
        }

        return (new Plan(goal.Trim(), String(root, "rationale"), steps), null);
    }

    /// <summary>Kahn's algorithm: returns a step on a cycle, or null when the graph is a DAG.</summary>
    static string? FindCycle(IReadOnlyList<PlanStep> steps)
    {
        var remaining = steps.ToDictionary(s => s.Id, s => s.DependsOn.Count, StringComparer.Ordinal);
        var ready = new Queue<string>(remaining.Where(kv => kv.Value == 0).Select(kv => kv.Key));
        int done = 0;
        while (ready.Count > 0)
        {
            string id = ready.Dequeue();
            done++;
            foreach (PlanStep dependent in steps.Where(s => s.DependsOn.Contains(id)))
            {
                if (--remaining[dependent.Id] == 0)
                {
                    ready.Enqueue(dependent.Id);
                }
            }
        }

        return done == steps.Count ? null : remaining.First(kv => kv.Value > 0).Key;
    }

    static string? String(JsonObject node, string name) =>
        node[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    internal static string StripFences(string text)
    {
        string trimmed = text.Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            int firstNewline = trimmed.IndexOf('\n');
            int lastFence = trimmed.LastIndexOf("```", StringComparison.Ordinal);
            if (firstNewline > 0 && lastFence > firstNewline)
            {
                return trimmed[(firstNewline + 1)..lastFence];
            }
        }

        return trimmed;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,39}$")]
    private static partial Regex StepId();
}
