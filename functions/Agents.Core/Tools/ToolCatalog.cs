using System.Text.Json;
using Agents.Core.Models;
using Json.Schema;

namespace Agents.Core.Tools;

/// <summary>The tools the planner may use, by name, with their argument schemas compiled once.</summary>
public sealed class ToolCatalog
{
    readonly Dictionary<string, IAgentTool> byName;
    readonly Dictionary<string, JsonSchema> schemas;

    public ToolCatalog(IEnumerable<IAgentTool> tools)
    {
        this.byName = tools.ToDictionary(t => t.Definition.Name, StringComparer.Ordinal);
        this.schemas = this.byName.ToDictionary(kv => kv.Key, kv => JsonSchema.FromText(kv.Value.Definition.ArgumentsSchema), StringComparer.Ordinal);
    }

    public IReadOnlyCollection<ToolDefinition> Definitions => this.byName.Values.Select(t => t.Definition).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();

    public bool TryGet(string name, out IAgentTool tool) => this.byName.TryGetValue(name, out tool!);

    /// <summary>
    /// The catalog the planner sees at a degrade level: fewer tools as load rises. Level 3 only sheds new turns; the
    /// turns already accepted finish with the level-2 catalog.
    /// </summary>
    public ToolCatalog AvailableAt(int degradeLevel) =>
        degradeLevel <= 0 ? this : new ToolCatalog(this.byName.Values.Where(t => t.Definition.MaxDegradeLevel >= Math.Min(degradeLevel, 2)));

    /// <summary>The catalog without the tools <paramref name="withhold"/> names (those the policy forbids outright for this session).</summary>
    public ToolCatalog Without(Func<ToolDefinition, bool> withhold) =>
        new(this.byName.Values.Where(t => !withhold(t.Definition)));

    /// <summary>Null when the arguments satisfy the tool's schema; otherwise what is wrong.</summary>
    public string? ValidateArguments(string tool, JsonElement arguments) =>
        this.schemas.TryGetValue(tool, out JsonSchema? schema) ? OutputContract.SchemaErrors(schema, arguments) : $"unknown tool '{tool}'";
}
