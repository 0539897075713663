using System.Text.RegularExpressions;
using Agents.Core.Tools;
using Agents.Testing;

namespace Agents.Core.Tests.Jobs;

/// <summary>Real processes: a job that outlives its limit loses its whole tree, including a grandchild that left it.</summary>
public sealed partial class ProcessRunnerTests
{
    [Fact]
    public async Task RunAsync_TimeoutWithASleepingChildAndADetachedGrandchild_KillsBothAndReportsTheTimeout()
    {
        // Arrange: a child sleeping under the shell, and a grandchild whose parent (a subshell) already exited.
        string script = "sleep 300 & echo child=$!; (sleep 301 > /dev/null 2>&1 & echo grandchild=$!); wait";

        // Act
        ProcessResult result = await ProcessRunner.RunAsync("/bin/sh", ["-c", script], Path.GetTempPath(), TimeSpan.FromSeconds(2));

        // Assert
        Assert.True(result.TimedOut);
        Assert.Equal(-1, result.ExitCode);
        int child = PidOf(result.Output, "child"), grandchild = PidOf(result.Output, "grandchild");
        await Eventually.MatchAsync(() => Task.FromResult(IsRunning(child) || IsRunning(grandchild)), running => !running, TimeSpan.FromSeconds(20), "child and grandchild gone");
    }

    [Fact]
    public async Task RunAsync_JobExitsLeavingADetachedProcessBehind_SucceedsAndTheLeftoverIsKilled()
    {
        // Arrange
        string script = "(sleep 302 > /dev/null 2>&1 & echo leftover=$!); echo done";

        // Act
        ProcessResult result = await ProcessRunner.RunAsync("/bin/sh", ["-c", script], Path.GetTempPath(), TimeSpan.FromSeconds(60));

        // Assert
        Assert.False(result.TimedOut);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("done", result.Output);
        int leftover = PidOf(result.Output, "leftover");
        await Eventually.MatchAsync(() => Task.FromResult(IsRunning(leftover)), running => !running, TimeSpan.FromSeconds(20), "leftover gone");
    }

    [Fact]
    public async Task RunAsync_OnLine_SeesEveryLineOfStdoutAndStderr()
    {
        // Arrange
        var seen = new List<string>();

        // Act
        ProcessResult result = await ProcessRunner.RunAsync(
            "/bin/sh", ["-c", "echo one; echo two >&2; echo three"], Path.GetTempPath(), TimeSpan.FromSeconds(60), onLine: l => { lock (seen) { seen.Add(l); } });

        // Assert
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["one", "three", "two"], seen.Order(StringComparer.Ordinal));
    }

    static int PidOf(string output, string name)
    {
        Match match = Regex.Match(output, $@"^{name}=(\d+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"'{name}=<pid>' not in the output: {output}");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Alive and not a zombie (a killed orphan may wait as a zombie until its reaper collects it).</summary>
    static bool IsRunning(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            char state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
