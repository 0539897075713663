using System.Diagnostics;

namespace Agents.Core.Tests.Publishing;

/// <summary>Real git on disk for the publishing tests: bare remotes, a hook that counts pushes, commands.</summary>
public static class GitFixtures
{
    /// <summary>A change to the sample repository's README, as the model would draft it.</summary>
    public const string ReadmePatch =
        "--- a/README.md\n+++ b/README.md\n@@ -1,4 +1,4 @@\n # inventory-service\n \n-A small stock-keeping library used as the PR-prep agent's sample repository.\n+A small stock-keeping library, the PR-prep agent's sample repository.\n \n";

    public static async Task<string> GitAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        using Process process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)} failed: {error}");
        return output;
    }

    /// <summary>
    /// A bare repository holding <paramref name="sourceFolder"/> on <c>main</c>, with a pre-receive hook that appends
    /// every pushed ref to <c>pushes.log</c> beside it: the count of real pushes, whatever the publisher reports.
    /// </summary>
    public static async Task<string> BareRemoteAsync(string remote, string sourceFolder)
    {
        Directory.CreateDirectory(remote);
        await GitAsync(remote, "init", "--quiet", "--bare", "--initial-branch=main");
        string seed = Directory.CreateTempSubdirectory("agentfn-seed-").FullName;
        try
        {
            CopyFolder(sourceFolder, seed);
            await GitAsync(seed, "init", "--quiet", "--initial-branch=main");
            await GitAsync(seed, "add", "-A");
            await GitAsync(seed, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "seed");
            await GitAsync(seed, "push", "--quiet", remote, "main");
        }
        finally
        {
            Directory.Delete(seed, recursive: true);
        }

        string hook = Path.Combine(remote, "hooks", "pre-receive");
        await File.WriteAllTextAsync(hook, $"#!/bin/sh\nwhile read old new ref; do echo \"$ref\" >> '{PushLogOf(remote)}'; done\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return remote;
    }

    public static string PushLogOf(string remote) => remote + ".pushes.log";

    /// <summary>Refs pushed to <paramref name="remote"/> since it was made (the seed's main is not counted).</summary>
    public static string[] Pushes(string remote) =>
        File.Exists(PushLogOf(remote)) ? File.ReadAllLines(PushLogOf(remote)) : [];

    static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
