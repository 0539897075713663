using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Models;
using Agents.Core.Tools;

namespace Agents.Core.Planning;

/// <summary>
/// Turns a model's JSON plan into a validated <see cref="Plan"/>. The shape is the plan schema
/// (<see cref="OutputSchemas.Plan"/>); this adds what a schema cannot say: tools in the catalog, arguments valid for
/// their tool's schema, unique ids, known dependencies, no cycles. Approval is required where the catalog says so,
/// whatever the model claims.
/// </summary>
public static class PlanParser
{
    public const int MaxSteps = 20;
    public const int MaxArgumentsBytes = 4096;

    /// <summary>The plan contract for a catalog: the schema plus these checks, for the router to enforce and repair.</summary>
    public static OutputContract ContractFor(ToolCatalog catalog) => OutputSchemas.Plan.With(root => Check(root, catalog));

    public static (Plan? Plan, string? Error) Parse(string text, ToolCatalog catalog)
    {
        string? error = ContractFor(catalog).Validate(text, out JsonElement root);
        return error is null ? (Build(root, catalog), null) : (null, error);
    }

    /// <summary>Null when the (schema-valid) plan is usable; otherwise the first problem, phrased for the model to fix.</summary>
    public static string? Check(JsonElement root, ToolCatalog catalog)
    {
        JsonElement steps = root.GetProperty("steps");
        if (steps.GetArrayLength() > MaxSteps)
        {
            return $"the plan has {steps.GetArrayLength()} steps; at most {MaxSteps} are allowed";
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonElement step in steps.EnumerateArray())
        {
            string id = step.GetProperty("id").GetString()!;
            if (!ids.Add(id))
            {
                return $"step '{id}' appears twice";
            }

            string tool = step.GetProperty("tool").GetString()!;
            if (!catalog.TryGet(tool, out _))
            {
                return $"step '{id}': unknown tool '{tool}'; known tools: {string.Join(", ", catalog.Definitions.Select(d => d.Name))}";
            }

            JsonElement args = step.TryGetProperty("args", out JsonElement a) ? a : EmptyObject;
            if (args.GetRawText().Length > MaxArgumentsBytes)
            {
                return $"step '{id}': arguments are {args.GetRawText().Length} bytes; at most {MaxArgumentsBytes} (refer to files by path instead)";
            }

            if (catalog.ValidateArguments(tool, args) is { } invalid)
            {
                return $"step '{id}': arguments for {tool} are invalid: {invalid}";
            }
        }

        var dependencies = steps.EnumerateArray().ToDictionary(
            s => s.GetProperty("id").GetString()!,
            s => s.TryGetProperty("depends_on", out JsonElement d) ? d.EnumerateArray().Select(x => x.GetString()!).ToList() : [],
            StringComparer.Ordinal);
        foreach ((string id, List<string> deps) in dependencies)
        {
            string? unknown = deps.FirstOrDefault(d => !ids.Contains(d) || d == id);
            if (unknown is not null)
            {
                return $"step '{id}' depends on '{unknown}', which is {(unknown == id ? "itself" : "not a step of the plan")}";
            }
        }

        return FindCycle(dependencies) is { } cycle ? $"the plan's dependencies form a cycle through '{cycle}'" : null;
    }

    /// <summary>Builds the plan from an answer that passed <see cref="Check"/>.</summary>
    public static Plan Build(JsonElement root, ToolCatalog catalog)
    {
        var steps = new List<PlanStep>();
        foreach (JsonElement s in root.GetProperty("steps").EnumerateArray())
        {
            string tool = s.GetProperty("tool").GetString()!;
            catalog.TryGet(tool, out IAgentTool? entry);
            bool modelAsked = s.TryGetProperty("requires_approval", out JsonElement r) && r.ValueKind == JsonValueKind.True;
            var dependsOn = s.TryGetProperty("depends_on", out JsonElement d) ? d.EnumerateArray().Select(x => x.GetString()!).Distinct(StringComparer.Ordinal).ToList() : [];
            steps.Add(new PlanStep(
                s.GetProperty("id").GetString()!,
                tool,
                JsonSerializer.Serialize(s.TryGetProperty("args", out JsonElement a) ? a : EmptyObject),
                dependsOn,
                s.TryGetProperty("why", out JsonElement w) ? w.GetString() : null,
                entry!.Definition.RequiresApproval || modelAsked)
            {
                ModelOutputTokens = entry.Definition.Runtime == ToolRuntime.Model ? Math.Max(1, entry.Definition.OutputTokens) : 0,
            });
        }

        return new Plan(
            root.GetProperty("goal").GetString()!.Trim(),
            root.TryGetProperty("rationale", out JsonElement rationale) ? rationale.GetString() : null,
            steps);
    }

    static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>Kahn's algorithm: a step on a cycle, or null when the graph is a DAG.</summary>
    static string? FindCycle(Dictionary<string, List<string>> dependencies)
    {
        var remaining = dependencies.ToDictionary(kv => kv.Key, kv => kv.Value.Count, StringComparer.Ordinal);
        var ready = new Queue<string>(remaining.Where(kv => kv.Value == 0).Select(kv => kv.Key));
        int done = 0;
        while (ready.Count > 0)
        {
            string id = ready.Dequeue();
            done++;
            foreach ((string dependent, List<string> deps) in dependencies)
            {
                if (deps.Contains(id) && --remaining[dependent] == 0)
                {
                    ready.Enqueue(dependent);
                }
            }
        }

        return done == dependencies.Count ? null : remaining.First(kv => kv.Value > 0).Key;
    }
}
