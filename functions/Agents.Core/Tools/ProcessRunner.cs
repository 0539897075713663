using System.Diagnostics;
using System.Text;

namespace Agents.Core.Tools;

public sealed record ProcessResult(int ExitCode, string Output, bool TimedOut, long DurationMs);

/// <summary>Runs a process with a time limit; on timeout the whole process tree is killed. Output is capped.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        int maxOutputChars = 64 * 1024,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
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
        }

        long started = Stopwatch.GetTimestamp();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        bool timedOut = false;
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        // Drain the asynchronous readers before reading the buffer.
        process.WaitForExit();
        if (truncated)
        {
            output.Append($"[output truncated at {maxOutputChars} characters]\n");
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new ProcessResult(timedOut ? -1 : process.ExitCode, output.ToString(), timedOut, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}
