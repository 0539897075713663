namespace Agents.Core.Tools;

/// <summary>The tools the planner may use, by name.</summary>
public sealed class ToolCatalog(IEnumerable<IAgentTool> tools)
{
    readonly Dictionary<string, IAgentTool> byName = tools.ToDictionary(t => t.Definition.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<ToolDefinition> Definitions => this.byName.Values.Select(t => t.Definition).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();

    public bool TryGet(string name, out IAgentTool tool) => this.byName.TryGetValue(name, out tool!);
}
