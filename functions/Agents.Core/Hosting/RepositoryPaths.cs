namespace Agents.Core.Hosting;

/// <summary>
/// Resolves settings' relative paths (samples, recordings, remotes) against the repository root: the nearest folder,
/// from the working directory or the app's folder upwards, that holds <c>AgentFunctions.sln</c>.
/// </summary>
public static class RepositoryPaths
{
    static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string Resolve(string path) =>
        Path.IsPathRooted(path) ? Path.GetFullPath(path) : Path.GetFullPath(Path.Combine(Root, path));

    static string FindRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AgentFunctions.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Environment.CurrentDirectory;
    }
}
