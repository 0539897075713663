using System.Globalization;

namespace AgentCli.Chaos;

/// <summary>The host's job processes (a <c>run_tests</c> command), found through <c>/proc</c> (Linux; elsewhere none are seen).</summary>
public static class JobProcesses
{
    /// <summary>Descendants of <paramref name="rootPid"/> whose command line contains <paramref name="marker"/>.</summary>
    public static IReadOnlyList<int> Find(int rootPid, string marker)
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var children = new Dictionary<int, List<int>>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && ParentOf(pid) is int parent)
            {
                (children.TryGetValue(parent, out List<int>? list) ? list : children[parent] = []).Add(pid);
            }
        }

        var found = new List<int>();
        var pending = new Queue<int>([rootPid]);
        while (pending.TryDequeue(out int pid))
        {
            foreach (int child in children.GetValueOrDefault(pid) ?? [])
            {
                pending.Enqueue(child);
                if (IsRunning(child, marker))
                {
                    found.Add(child);
                }
            }
        }

        return found;
    }

    /// <summary>Whether <paramref name="pid"/> is still a live (not zombie) process running <paramref name="marker"/>.</summary>
    public static bool IsRunning(int pid, string marker)
    {
        string? stat = Read($"/proc/{pid}/stat");
        string? commandLine = Read($"/proc/{pid}/cmdline");
        return stat is not null && commandLine is not null && StateOf(stat) != 'Z'
            && commandLine.Replace('\0', ' ').Contains(marker, StringComparison.Ordinal);
    }

    static int? ParentOf(int pid) =>
        Read($"/proc/{pid}/stat") is { } stat && stat[(stat.LastIndexOf(')') + 2)..].Split(' ') is [_, var parent, ..]
            && int.TryParse(parent, NumberStyles.None, CultureInfo.InvariantCulture, out int ppid) ? ppid : null;

    // The fields after the command name (in parentheses): state, parent pid, ...
    static char StateOf(string stat) => stat[stat.LastIndexOf(')') + 2];

    static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
