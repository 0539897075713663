using System.Text;
using Agents.Core.Contracts;

namespace Agents.Core.Tools;

public sealed class ListFilesTool(RepositoryWorkspace workspace) : IAgentTool
{
    public ToolDefinition Definition { get; } = new(
        "list_files",
        "List the repository's files (relative paths), optionally under one folder.",
        """{"type":"object","properties":{"path":{"type":"string","description":"folder relative to the repository root"}},"additionalProperties":false}""",
        RiskTier.Low,
        RequiresApproval: false,
        ToolRuntime.BuiltIn)
    {
        MaxDegradeLevel = 1,
    };

    public Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        string root = workspace.RootOf(invocation.Session.Repository);
        IReadOnlyList<string> files = workspace.Files(root, invocation.Arguments.OptionalString("path"));
        return Task.FromResult(ToolOutput.Success(string.Join('\n', files), $"{files.Count} files"));
    }
}

public sealed class ReadFileTool(RepositoryWorkspace workspace) : IAgentTool
{
    /// <summary>Read outputs start with this header so later steps know which file they hold.</summary>
    public const string HeaderPrefix = "==> ";

    public ToolDefinition Definition { get; } = new(
        "read_file",
        "Read one text file of the repository.",
        """{"type":"object","properties":{"path":{"type":"string","minLength":1}},"required":["path"],"additionalProperties":false}""",
        RiskTier.Low,
        RequiresApproval: false,
        ToolRuntime.BuiltIn);

    public async Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        string root = workspace.RootOf(invocation.Session.Repository);
        string path = invocation.Arguments.RequiredString("path");
        string full = workspace.ResolveInside(root, path);
        if (!File.Exists(full))
        {
            return ToolOutput.Failure($"file '{path}' does not exist in {invocation.Session.Repository}");
        }

        var info = new FileInfo(full);
        if (info.Length > workspace.Options.MaxReadBytes)
        {
            return ToolOutput.Failure($"file '{path}' is {info.Length} bytes; the limit is {workspace.Options.MaxReadBytes} (Workspace:MaxReadBytes)");
        }

        string content = await File.ReadAllTextAsync(full, cancellationToken).ConfigureAwait(false);
        int lines = content.Count(c => c == '\n');
        return ToolOutput.Success($"{HeaderPrefix}{path} <==\n{content}", $"{path}: {lines} lines, {info.Length} bytes");
    }
}

public sealed class SearchCodeTool(RepositoryWorkspace workspace) : IAgentTool
{
    const int MaxMatches = 200;

    public ToolDefinition Definition { get; } = new(
        "search_code",
        "Find lines containing a literal text (case-insensitive) in the repository's files; returns path:line: text.",
        """{"type":"object","properties":{"query":{"type":"string","minLength":1},"path":{"type":"string"}},"required":["query"],"additionalProperties":false}""",
        RiskTier.Low,
        RequiresApproval: false,
        ToolRuntime.BuiltIn)
    {
        MaxDegradeLevel = 1,
    };

    public async Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        string root = workspace.RootOf(invocation.Session.Repository);
        string query = invocation.Arguments.RequiredString("query");
        var result = new StringBuilder();
        int matches = 0;
        foreach (string file in workspace.Files(root, invocation.Arguments.OptionalString("path")))
        {
            string full = Path.Combine(root, file);
            if (new FileInfo(full).Length > workspace.Options.MaxReadBytes)
            {
                continue;
            }

            string[] lines = await File.ReadAllLinesAsync(full, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < lines.Length && matches < MaxMatches; i++)
            {
                if (lines[i].Contains(query, StringComparison.OrdinalIgnoreCase))
                {
                    result.Append(file).Append(':').Append(i + 1).Append(": ").Append(lines[i].Trim()).Append('\n');
                    matches++;
                }
            }
        }

        return ToolOutput.Success(result.ToString(), $"{matches} match(es) for \"{query}\"");
    }
}
