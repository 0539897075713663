using Agents.Core.Contracts;
using Agents.Core.Credentials;

namespace Agents.Core.Tools;

/// <summary>Runs the repository's tests as a job: a scratch copy with the drafted patch applied, a time limit, the process tree killed on timeout.</summary>
public sealed class RunTestsTool(RepositoryWorkspace workspace) : IAgentTool
{
    public ToolDefinition Definition { get; } = new(
        "run_tests",
        "Run the repository's test suite on a scratch copy with the drafted patch (if any upstream step drafted one) applied.",
        """{"type":"object","properties":{},"additionalProperties":false}""",
        RiskTier.Low,
        RequiresApproval: false,
        ToolRuntime.Job)
    {
        CredentialScope = CredentialScope.RepositoryRead,
        // The test command's own limit (its process tree is killed at it) plus time to copy and patch the repository.
        TimeLimit = TimeSpan.FromSeconds(workspace.Options.TestTimeoutSeconds + 60),
        MemoryLimitBytes = 1024L * 1024 * 1024,
    };

    public async Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        string? patch = await LatestPatchAsync(invocation, cancellationToken).ConfigureAwait(false);
        (ScratchCopy? copy, string? error) = await ScratchCopy.CreateAsync(workspace, invocation.Session.Repository, patch, cancellationToken).ConfigureAwait(false);
        if (copy is null)
        {
            return ToolOutput.Failure(error!);
        }

        using (copy)
        {
            TimeSpan limit = TimeSpan.FromSeconds(workspace.Options.TestTimeoutSeconds);
            ProcessResult result;
            JobProgress? progress = invocation.Progress is null ? null : new JobProgress(invocation.Progress, ProgressLimits.From(workspace.Options));
            await using (progress)
            {
                result = await ProcessRunner.RunAsync(
                    "/bin/sh",
                    ["-c", workspace.Options.TestCommand],
                    copy.Path,
                    limit,
                    environment: JobEnvironment(copy.Path),
                    onLine: progress is null ? null : progress.Add,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            string report = $"$ {workspace.Options.TestCommand}\n{result.Output}\nexit code: {result.ExitCode}{(result.TimedOut ? $" (killed after {limit.TotalSeconds:0} s)" : string.Empty)}\n";
            string last = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? string.Empty;
            return result.ExitCode == 0
                ? ToolOutput.Success(report, $"tests passed{(patch is null ? string.Empty : " with the patch")} ({result.DurationMs} ms): {last}")
                : ToolOutput.Failure(result.TimedOut ? $"tests timed out after {limit.TotalSeconds:0} s" : $"tests failed (exit {result.ExitCode}): {last}", report);
        }
    }

    /// <summary>The job's temporary files go inside its scratch copy, so they are deleted with it.</summary>
    static Dictionary<string, string> JobEnvironment(string scratch)
    {
        string temp = Directory.CreateDirectory(Path.Combine(scratch, ".job-tmp")).FullName;
        return new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1", ["TMPDIR"] = temp, ["TMP"] = temp, ["TEMP"] = temp };
    }

    internal static async Task<string?> LatestPatchAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        StepInput? draft = invocation.Inputs.LastOrDefault(i => i.Tool == DraftPatchTool.Name);
        return draft is null ? null : await invocation.LoadInput(draft, cancellationToken).ConfigureAwait(false);
    }
}
