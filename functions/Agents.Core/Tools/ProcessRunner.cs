using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Agents.Core.Tools;

public sealed record ProcessResult(int ExitCode, string Output, bool TimedOut, long DurationMs);

/// <summary>
/// Runs a process with a time limit. On Linux the process starts in a session of its own (<c>setsid</c>), so when it
/// times out or finishes, the whole group is killed: children, and grandchildren that left their parent (a daemonized
/// <c>sleep &amp;</c> inside a subshell), which a walk of the process tree would miss. Output is capped; each line can
/// also be observed as it arrives.
/// </summary>
public static class ProcessRunner
{
    const string SetSid = "/usr/bin/setsid";
    const int SigKill = 9;

    /// <summary>How long the output pipes may take to close after the group was killed before the result is returned anyway.</summary>
    static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(10);

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        int maxOutputChars = 64 * 1024,
        IReadOnlyDictionary<string, string>? environment = null,
        Action<string>? onLine = null,
        CancellationToken cancellationToken = default)
    {
        bool ownGroup = OperatingSystem.IsLinux() && File.Exists(SetSid);
        var start = new ProcessStartInfo(ownGroup ? SetSid : fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (ownGroup)
        {
            // Not a group leader, so setsid execs in place: the pid stays ours and becomes the group id.
            start.ArgumentList.Add(fileName);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var output = new StringBuilder();
        bool truncated = false;
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                if (output.Length + line.Length + 1 <= maxOutputChars)
                {
                    output.Append(line).Append('\n');
                }
                else
                {
                    truncated = true;
                }
            }

            onLine?.Invoke(line);
        }

        long started = Stopwatch.GetTimestamp();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.Start();
        int group = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        bool timedOut = false;
        try
        {
            // Completes when the process has exited and its output pipes are closed (no one left writing to them).
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
        }

        // Whatever is left of the job goes, whether it timed out or left something running behind it.
        KillAll(process, ownGroup ? group : null);
        using (var drain = new CancellationTokenSource(DrainLimit))
        {
            try
            {
                await process.WaitForExitAsync(drain.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // A process outside the group still holds the pipes: return what was read.
            }
        }

        string text;
        lock (output)
        {
            if (truncated)
            {
                output.Append($"[output truncated at {maxOutputChars} characters]\n");
            }

            text = output.ToString();
        }

        cancellationToken.ThrowIfCancellationRequested();
        int exitCode = timedOut || !process.HasExited ? -1 : process.ExitCode;
        return new ProcessResult(exitCode, text, timedOut, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    static void KillAll(Process process, int? group)
    {
        if (group is int id)
        {
            // A negative pid signals the whole process group; ESRCH (nothing left) is fine.
            _ = SendSignal(-id, SigKill);
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited in between.
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SendSignal(int pid, int signal);
}
