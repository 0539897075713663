using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Storage;

namespace Agents.Core.Tools;

/// <summary>A pull request as recorded beside the local bare remote.</summary>
public sealed record PullRequestRecord(
    int Number,
    string Repository,
    string Branch,
    string Base,
    string Commit,
    string Title,
    string Body,
    string SessionId,
    int Turn,
    string? ApprovalId,
    DateTime CreatedAt);

/// <summary>
/// Commits the drafted patch on a branch, pushes it and opens a pull request. Locally a bare repository plays the
/// remote and the PR is a JSON record beside it. Idempotent: a retry finds the record (or the pushed branch) and does
/// not push twice. Risky: the catalog requires approval.
/// </summary>
public sealed class OpenPullRequestTool(RepositoryWorkspace workspace) : IAgentTool
{
    static readonly SemaphoreSlim RemoteLock = new(1, 1);
    static readonly string[] Identity = ["-c", "user.name=AgentFunctions", "-c", "user.email=agent@agentfunctions.local", "-c", "commit.gpgsign=false"];

    public ToolDefinition Definition { get; } = new(
        "open_pull_request",
        "Commit the drafted patch on a new branch, push it and open a pull request. Needs human approval.",
        """{"type":"object","properties":{"title":{"type":"string"},"body":{"type":"string"}},"required":["title"],"additionalProperties":false}""",
        RiskTier.High,
        RequiresApproval: true,
        ToolRuntime.BuiltIn);

    public async Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        string title = invocation.Arguments.RequiredString("title");
        string body = invocation.Arguments.OptionalString("body") ?? string.Empty;
        string? patch = await RunTestsTool.LatestPatchAsync(invocation, cancellationToken).ConfigureAwait(false);
        if (patch is null)
        {
            return ToolOutput.Failure("no drafted patch upstream: open_pull_request must depend on a draft_patch step");
        }

        string repository = invocation.Session.Repository;
        string branch = $"agent/{invocation.Session.SessionId}-t{invocation.Turn}";
        string pulls = workspace.PullRequestsOf(repository);
        string recordPath = Path.Combine(pulls, branch.Replace('/', '_') + ".json");

        await RemoteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(recordPath))
            {
                return Opened(JsonSerializer.Deserialize<PullRequestRecord>(await File.ReadAllTextAsync(recordPath, cancellationToken).ConfigureAwait(false), JsonDefaults.Web)!, alreadyOpen: true);
            }

            string remote = await this.EnsureRemoteAsync(repository, cancellationToken).ConfigureAwait(false);
            string commit = await RemoteBranchCommitAsync(remote, branch, cancellationToken).ConfigureAwait(false)
                ?? await PushAsync(remote, branch, patch, title, body, cancellationToken).ConfigureAwait(false)
                ?? string.Empty;
            if (commit.Length == 0)
            {
                return ToolOutput.Failure("the patch could not be committed or pushed (see the step's output)");
            }

            Directory.CreateDirectory(pulls);
            int number = Directory.EnumerateFiles(pulls, "*.json").Count() + 1;
            var record = new PullRequestRecord(number, repository, branch, "main", commit, title, body, invocation.Session.SessionId, invocation.Turn, invocation.ApprovalId, DateTime.UtcNow);
            string temp = recordPath + ".tmp";
            await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(record, JsonDefaults.Indented), cancellationToken).ConfigureAwait(false);
            File.Move(temp, recordPath, overwrite: true);
            return Opened(record, alreadyOpen: false);
        }
        finally
        {
            RemoteLock.Release();
        }
    }

    static ToolOutput Opened(PullRequestRecord record, bool alreadyOpen) =>
        ToolOutput.Success(
            JsonSerializer.Serialize(record, JsonDefaults.Indented),
            $"PR #{record.Number} {(alreadyOpen ? "already open" : "opened")}: {record.Branch} → {record.Base} ({record.Commit[..Math.Min(8, record.Commit.Length)]})",
            "application/json");

    /// <summary>Creates the bare remote from the repository snapshot the first time it is needed.</summary>
    async Task<string> EnsureRemoteAsync(string repository, CancellationToken cancellationToken)
    {
        string remote = workspace.RemoteOf(repository);
        if (Directory.Exists(Path.Combine(remote, "refs")))
        {
            return remote;
        }

        Directory.CreateDirectory(remote);
        await GitAsync(remote, cancellationToken, "init", "--bare", "--initial-branch=main").ConfigureAwait(false);
        (ScratchCopy? seed, string? error) = await ScratchCopy.CreateAsync(workspace, repository, patch: null, cancellationToken).ConfigureAwait(false);
        using (seed)
        {
            string dir = seed!.Path;
            await GitAsync(dir, cancellationToken, "init", "--initial-branch=main").ConfigureAwait(false);
            await GitAsync(dir, cancellationToken, "add", "-A").ConfigureAwait(false);
            await GitAsync(dir, cancellationToken, [.. Identity, "commit", "-m", $"Import {repository}"]).ConfigureAwait(false);
            await GitAsync(dir, cancellationToken, "push", remote, "main").ConfigureAwait(false);
        }

        return remote;
    }

    static async Task<string?> RemoteBranchCommitAsync(string remote, string branch, CancellationToken cancellationToken)
    {
        ProcessResult heads = await GitAsync(remote, cancellationToken, "ls-remote", "--heads", remote, branch).ConfigureAwait(false);
        string line = heads.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
        return line.Length >= 40 ? line[..40] : null;
    }

    static async Task<string?> PushAsync(string remote, string branch, string patch, string title, string body, CancellationToken cancellationToken)
    {
        using var work = new TempFolder();
        await GitAsync(work.Path, cancellationToken, "clone", "--quiet", remote, ".").ConfigureAwait(false);
        await GitAsync(work.Path, cancellationToken, "checkout", "-b", branch).ConfigureAwait(false);
        if (await ScratchCopy.ApplyAsync(work.Path, patch, cancellationToken).ConfigureAwait(false) is { } error)
        {
            throw new ToolArgumentException(error);
        }

        await GitAsync(work.Path, cancellationToken, "add", "-A").ConfigureAwait(false);
        await GitAsync(work.Path, cancellationToken, [.. Identity, "commit", "-m", title, "-m", body.Length == 0 ? "Prepared by AgentFunctions." : body]).ConfigureAwait(false);
        await GitAsync(work.Path, cancellationToken, "push", "--quiet", "origin", branch).ConfigureAwait(false);
        ProcessResult head = await GitAsync(work.Path, cancellationToken, "rev-parse", "HEAD").ConfigureAwait(false);
        return head.Output.Trim();
    }

    static Task<ProcessResult> GitAsync(string directory, CancellationToken cancellationToken, params string[] arguments) =>
        GitCheckedAsync(directory, arguments, cancellationToken);

    static async Task<ProcessResult> GitCheckedAsync(string directory, string[] arguments, CancellationToken cancellationToken)
    {
        ProcessResult result = await ProcessRunner.RunAsync(
            "git",
            arguments,
            directory,
            TimeSpan.FromSeconds(60),
            environment: new Dictionary<string, string> { ["GIT_TERMINAL_PROMPT"] = "0", ["GIT_CONFIG_NOSYSTEM"] = "1" },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments.Where(a => !a.StartsWith("user.", StringComparison.Ordinal)))} failed: {result.Output.Trim()}");
        }

        return result;
    }

    sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("agentfn-pr-").FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(this.Path, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
