namespace Infra.Tests;

/// <summary>The folder that holds AgentFunctions.sln, found upwards from the test's output folder.</summary>
public static class RepositoryRoot
{
    static readonly Lazy<string> Found = new(() =>
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "AgentFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No AgentFunctions.sln above {AppContext.BaseDirectory}");
    });

    public static string Path => Found.Value;

    public static string Infra => System.IO.Path.Combine(Path, "infra");

    public static string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
}
