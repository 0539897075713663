using System.Diagnostics;

namespace Agents.Core.Browser;

/// <summary>
/// Finds and kills the Chromium the broker launched. Playwright does not expose the browser's process id, so each
/// launch carries a unique switch (<c>--agentfunctions-browser=&lt;id&gt;</c>, ignored by Chromium) and the process is
/// found by it in <c>/proc</c>: only that browser, never anything matched by name.
/// </summary>
static class BrowserProcess
{
    public const string MarkerSwitch = "--agentfunctions-browser=";

    /// <summary>The browser process started with this marker (Linux); null where /proc is not available or it is gone.</summary>
    public static int? Find(string marker)
    {
        if (!Directory.Exists("/proc"))
        {
            return null;
        }

        string needle = MarkerSwitch + marker;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            try
            {
                string[] args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (args.Contains(needle, StringComparer.Ordinal) && !args.Any(a => a.StartsWith("--type=", StringComparison.Ordinal)))
                {
                    return pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return null;
    }

    /// <summary>Kills the process and everything it started (renderers, zygotes, GPU and network services).</summary>
    public static bool Kill(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            return process.WaitForExit(5_000);
        }
        catch (ArgumentException)
        {
            return true; // already gone
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
