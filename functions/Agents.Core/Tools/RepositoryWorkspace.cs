using System.Text.RegularExpressions;
using Agents.Core.Hosting;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tools;

/// <summary>Read-only access to the repositories the agent works on, confined to each repository's folder.</summary>
public sealed partial class RepositoryWorkspace(IOptions<WorkspaceOptions> options)
{
    static readonly HashSet<string> IgnoredFolders = new(StringComparer.Ordinal) { ".git", "bin", "obj", "node_modules", "__pycache__", ".venv" };

    public WorkspaceOptions Options => options.Value;

    public string RepositoriesRoot => RepositoryPaths.Resolve(options.Value.RepositoriesRoot);

    public IReadOnlyList<string> Repositories() =>
        Directory.Exists(this.RepositoriesRoot)
            ? Directory.EnumerateDirectories(this.RepositoriesRoot).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

    public bool Exists(string repository) =>
        RepositoryName().IsMatch(repository) && Directory.Exists(Path.Combine(this.RepositoriesRoot, repository));

    public string RootOf(string repository)
    {
        if (!this.Exists(repository))
        {
            throw new ToolArgumentException($"unknown repository '{repository}'");
        }

        return Path.Combine(this.RepositoriesRoot, repository);
    }

    /// <summary>Resolves a repository-relative path; refuses absolute paths, <c>..</c> and symbolic links.</summary>
    public string ResolveInside(string root, string relativePath)
    {
        string normalized = relativePath.Replace('\\', '/').Trim();
        if (normalized.Length == 0 || normalized.StartsWith('/') || Path.IsPathRooted(normalized)
            || normalized.Split('/').Any(part => part == ".."))
        {
            throw new ToolArgumentException($"path '{relativePath}' must be relative to the repository and must not contain '..'");
        }

        string full = Path.GetFullPath(Path.Combine(root, normalized));
        string rootWithSeparator = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (!full.StartsWith(rootWithSeparator, StringComparison.Ordinal) && full != rootWithSeparator.TrimEnd(Path.DirectorySeparatorChar))
        {
            throw new ToolArgumentException($"path '{relativePath}' is outside the repository");
        }

        for (string? p = full; p is not null && p.Length >= rootWithSeparator.Length; p = Path.GetDirectoryName(p))
        {
            FileSystemInfo info = Directory.Exists(p) ? new DirectoryInfo(p) : new FileInfo(p);
            if (info.Exists && info.LinkTarget is not null)
            {
                throw new ToolArgumentException($"path '{relativePath}' goes through a symbolic link, which tools may not follow");
            }
        }

        return full;
    }

    /// <summary>Repository files as relative paths with '/' separators, in ordinal order.</summary>
    public IReadOnlyList<string> Files(string root, string? under = null)
    {
        string start = under is null ? root : this.ResolveInside(root, under);
        if (!Directory.Exists(start))
        {
            throw new ToolArgumentException($"folder '{under}' does not exist in the repository");
        }

        var files = new List<string>();
        var pending = new Stack<string>([start]);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            foreach (string sub in Directory.EnumerateDirectories(dir))
            {
                var info = new DirectoryInfo(sub);
                if (!IgnoredFolders.Contains(info.Name) && info.LinkTarget is null)
                {
                    pending.Push(sub);
                }
            }

            foreach (string file in Directory.EnumerateFiles(dir))
            {
                if (new FileInfo(file).LinkTarget is null)
                {
                    files.Add(Path.GetRelativePath(root, file).Replace('\\', '/'));
                }
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    public string EnvironmentOf(string repository) =>
        options.Value.Environments.TryGetValue(repository, out string? environment) ? environment : options.Value.DefaultEnvironment;

    /// <summary>
    /// Data tags (for example <c>pii</c>) of the given paths, from the repository's <c>.agent/data-tags.json</c>:
    /// <c>{"pii": ["data/customers.csv", "exports/**"]}</c>. The file is the repository owners' declaration.
    /// </summary>
    public IReadOnlyList<string> TagsFor(string repository, IReadOnlyList<string> paths)
    {
        if (paths.Count == 0 || !this.Exists(repository))
        {
            return [];
        }

        string file = Path.Combine(this.RootOf(repository), ".agent", "data-tags.json");
        if (!File.Exists(file))
        {
            return [];
        }

        var declared = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string[]>>(File.ReadAllText(file)) ?? [];
        return declared
            .Where(tag => tag.Value.Any(glob => paths.Any(path => GlobMatches(glob, Normalize(path)))))
            .Select(tag => tag.Key)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    static string Normalize(string path)
    {
        string normalized = path.Replace('\\', '/');
        return normalized.StartsWith("./", StringComparison.Ordinal) ? normalized[2..] : normalized;
    }

    static bool GlobMatches(string glob, string path) =>
        Regex.IsMatch(path, "^" + Regex.Escape(glob).Replace(@"\*\*", ".*").Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]") + "$");

    public string RemoteOf(string repository) => Path.Combine(RepositoryPaths.Resolve(options.Value.RemotesRoot), repository + ".git");

    public string PullRequestsOf(string repository) => Path.Combine(RepositoryPaths.Resolve(options.Value.RemotesRoot), repository + ".pulls");

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex RepositoryName();
}
