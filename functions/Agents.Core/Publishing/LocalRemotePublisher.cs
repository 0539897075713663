using System.Text.Json;
using Agents.Core.Credentials;
using Agents.Core.Storage;
using Agents.Core.Tools;
using Microsoft.Extensions.Options;

namespace Agents.Core.Publishing;

/// <summary>
/// The local stand-in for GitHub: a bare repository on disk (<c>{RemotesRoot}/{repository}.git</c>, seeded from the
/// workspace snapshot the first time) plays the remote, and the pull request is a JSON record beside it
/// (<c>{repository}.pulls/</c>). Exactly once: a record for the branch is returned as it is; a branch already pushed
/// (an attempt that stopped before writing the record) gets its record without being pushed again. Needs no token.
/// </summary>
public sealed class LocalRemotePublisher(RepositoryWorkspace workspace, IOptions<PublishingOptions> options) : IPullRequestPublisher
{
    static readonly SemaphoreSlim RemoteLock = new(1, 1);

    public PublishingProvider Provider => PublishingProvider.Local;

    public bool NeedsToken => false;

    string GitExe => options.Value.GitExecutable;

    public async Task<PublishedPullRequest> PublishAsync(PullRequestDraft draft, SecretValue? token, CancellationToken cancellationToken)
    {
        draft.Validate();
        string pulls = workspace.PullRequestsOf(draft.Repository);
        string recordPath = Path.Combine(pulls, draft.Branch.Replace('/', '_') + ".json");

        await RemoteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(recordPath))
            {
                PullRequestRecord existing = JsonSerializer.Deserialize<PullRequestRecord>(
                    await File.ReadAllTextAsync(recordPath, cancellationToken).ConfigureAwait(false), JsonDefaults.Web)!;
                return new PublishedPullRequest(existing, AlreadyOpen: true);
            }

            string remote = await this.EnsureRemoteAsync(draft.Repository, cancellationToken).ConfigureAwait(false);
            string commit = await this.RemoteBranchCommitAsync(remote, draft.Branch, cancellationToken).ConfigureAwait(false)
                ?? await this.PushAsync(remote, draft, cancellationToken).ConfigureAwait(false);

            Directory.CreateDirectory(pulls);
            int number = Directory.EnumerateFiles(pulls, "*.json").Count() + 1;
            var record = new PullRequestRecord(
                number, draft.Repository, draft.Branch, draft.Base, commit, draft.Title, draft.Body, draft.SessionId, draft.Turn, draft.ApprovalId, DateTime.UtcNow);
            string temp = recordPath + ".tmp";
            await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(record, JsonDefaults.Indented), cancellationToken).ConfigureAwait(false);
            File.Move(temp, recordPath, overwrite: true);
            return new PublishedPullRequest(record, AlreadyOpen: false);
        }
        finally
        {
            RemoteLock.Release();
        }
    }

    /// <summary>Creates the bare remote from the repository snapshot the first time it is needed.</summary>
    async Task<string> EnsureRemoteAsync(string repository, CancellationToken cancellationToken)
    {
        string remote = workspace.RemoteOf(repository);
        if (Directory.Exists(Path.Combine(remote, "refs")))
        {
            return remote;
        }

        Directory.CreateDirectory(remote);
        await Git.RunAsync(this.GitExe, remote, ["init", "--quiet", "--bare", "--initial-branch=main"], cancellationToken).ConfigureAwait(false);
        (ScratchCopy? seed, string? error) = await ScratchCopy.CreateAsync(workspace, repository, patch: null, cancellationToken).ConfigureAwait(false);
        if (seed is null)
        {
            throw new PublishException(error ?? $"could not copy repository {repository}");
        }

        using (seed)
        {
            string dir = seed.Path;
            await Git.RunAsync(this.GitExe, dir, ["init", "--quiet", "--initial-branch=main"], cancellationToken).ConfigureAwait(false);
            await Git.RunAsync(this.GitExe, dir, ["add", "-A"], cancellationToken).ConfigureAwait(false);
            await Git.RunAsync(this.GitExe, dir, [.. Git.IdentityArguments, "commit", "--quiet", "-m", $"Import {repository}"], cancellationToken).ConfigureAwait(false);
            await Git.RunAsync(this.GitExe, dir, ["push", "--quiet", remote, "main"], cancellationToken).ConfigureAwait(false);
        }

        return remote;
    }

    async Task<string?> RemoteBranchCommitAsync(string remote, string branch, CancellationToken cancellationToken)
    {
        ProcessResult heads = await Git.RunAsync(this.GitExe, remote, ["ls-remote", "--heads", remote, branch], cancellationToken).ConfigureAwait(false);
        return Git.FirstCommit(heads.Output);
    }

    async Task<string> PushAsync(string remote, PullRequestDraft draft, CancellationToken cancellationToken)
    {
        using var work = new TempFolder();
        await Git.RunAsync(this.GitExe, work.Path, ["clone", "--quiet", remote, "."], cancellationToken).ConfigureAwait(false);
        string commit = await Git.CommitPatchAsync(this.GitExe, work.Path, draft, cancellationToken).ConfigureAwait(false);
        await Git.RunAsync(this.GitExe, work.Path, ["push", "--quiet", "origin", draft.Branch], cancellationToken).ConfigureAwait(false);
        return commit;
    }
}
