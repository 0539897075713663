using System.Text;
using Agents.Core.Tools;

namespace Agents.Core.Tests.Sandbox;

/// <summary>
/// The in-process C# tools the WASM modules replace, kept verbatim (commit c44cda4, RepositoryTools.cs) as the
/// reference the modules' outputs are compared with.
/// </summary>
static class ReferenceRepositoryTools
{
    public static ToolOutput ListFiles(RepositoryWorkspace workspace, ToolInvocation invocation)
    {
        string root = workspace.RootOf(invocation.Session.Repository);
        IReadOnlyList<string> files = workspace.Files(root, invocation.Arguments.OptionalString("path"));
        return ToolOutput.Success(string.Join('\n', files), $"{files.Count} files");
    }

    public static async Task<ToolOutput> ReadFileAsync(RepositoryWorkspace workspace, ToolInvocation invocation)
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

        string content = await File.ReadAllTextAsync(full);
        int lines = content.Count(c => c == '\n');
        return ToolOutput.Success($"{ReadFileTool.HeaderPrefix}{path} <==\n{content}", $"{path}: {lines} lines, {info.Length} bytes");
    }

    public static async Task<ToolOutput> SearchCodeAsync(RepositoryWorkspace workspace, ToolInvocation invocation)
    {
        const int MaxMatches = 200;
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

            string[] lines = await File.ReadAllLinesAsync(full);
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
