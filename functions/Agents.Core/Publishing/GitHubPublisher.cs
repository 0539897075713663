using System.Collections.Concurrent;
using System.Net;
using Agents.Core.Credentials;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Octokit;
using Octokit.Internal;

namespace Agents.Core.Publishing;

/// <summary>
/// Publishes to GitHub: the patch is committed on the branch in a scratch clone and pushed over HTTPS, then the pull
/// request is opened with the REST API (Octokit). The token is fetched for this call only; it reaches GitHub in the
/// API's Authorization header and in git's environment (an <c>extraHeader</c> for the remote's origin), never in a
/// URL, a command line, a log line, the result or an exception message.
/// Exactly once, even when the activity is retried: first the pull requests whose head is the branch (any state) are
/// looked up and an existing one is returned without pushing; then the branch itself, which is not pushed again when
/// an earlier attempt pushed it; a "pull request already exists" answer to the create call is resolved the same way.
/// </summary>
public sealed partial class GitHubPublisher(IOptions<PublishingOptions> options, ILogger<GitHubPublisher> logger) : IPullRequestPublisher
{
    static readonly ConcurrentDictionary<string, SemaphoreSlim> BranchLocks = new(StringComparer.OrdinalIgnoreCase);
    static readonly ProductHeaderValue Product = new("AgentFunctions", "1.0");

    public PublishingProvider Provider => PublishingProvider.GitHub;

    public bool NeedsToken => true;

    GitHubPublishingOptions Settings => options.Value.GitHub;

    public async Task<PublishedPullRequest> PublishAsync(PullRequestDraft draft, SecretValue? token, CancellationToken cancellationToken)
    {
        if (token is null)
        {
            throw new PublishException($"publishing to GitHub needs the {SecretNames.GitHubToken} secret, and none was given");
        }

        draft.Validate();
        if (this.Settings.TargetOf(draft.Repository) is not { } target
            || string.IsNullOrWhiteSpace(target.Owner) || string.IsNullOrWhiteSpace(target.Name))
        {
            throw new PublishException(
                $"repository {draft.Repository} has no GitHub repository configured: set {PublishingOptions.Section}:GitHub:Repositories:{draft.Repository}:Owner and :Name");
        }

        Uri remote = this.Settings.RemoteUrlOf(target);
        if (!string.IsNullOrEmpty(remote.UserInfo))
        {
            throw new PublishException($"{PublishingOptions.Section}:GitHub:GitRemoteUrl must not carry credentials; the token is sent in a header");
        }

        var auth = new PushAuth(remote, token);
        SemaphoreSlim gate = BranchLocks.GetOrAdd($"{target.Owner}/{target.Name}:{draft.Branch}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var http = new HttpClientAdapter(HttpMessageHandlerFactory.CreateDefault);
        try
        {
            var connection = new Connection(Product, this.Settings.ApiBaseUrl, new InMemoryCredentialStore(new Octokit.Credentials(token.Reveal(), AuthenticationType.Bearer)), http, new SimpleJsonSerializer());
            var client = new GitHubClient(connection);
            client.SetRequestTimeout(TimeSpan.FromSeconds(this.Settings.TimeoutSeconds));

            if (await FindAsync(client, target, draft.Branch).ConfigureAwait(false) is { } open)
            {
                this.LogAlreadyOpen(target.Owner, target.Name, open.Number, draft.Branch);
                return new PublishedPullRequest(Record(draft, target, open), AlreadyOpen: true);
            }

            string commit = await BranchCommitAsync(client, target, draft.Branch).ConfigureAwait(false)
                ?? await this.PushAsync(client, target, remote, auth, draft, cancellationToken).ConfigureAwait(false);

            PullRequest created;
            try
            {
                created = await client.PullRequest.Create(target.Owner, target.Name, new NewPullRequest(draft.Title, draft.Branch, target.Base) { Body = draft.Body })
                    .ConfigureAwait(false);
            }
            catch (ApiValidationException)
            {
                // 422: most likely another attempt opened it between our lookup and the create call.
                if (await FindAsync(client, target, draft.Branch).ConfigureAwait(false) is { } raced)
                {
                    return new PublishedPullRequest(Record(draft, target, raced), AlreadyOpen: true);
                }

                throw;
            }

            this.LogOpened(target.Owner, target.Name, created.Number, draft.Branch, commit);
            return new PublishedPullRequest(Record(draft, target, created) with { Commit = created.Head?.Sha ?? commit }, AlreadyOpen: false);
        }
        catch (ApiException e)
        {
            // Octokit's messages come from GitHub's answer; scrubbed anyway, and the exception (with its request) is not kept.
            string what = e.StatusCode switch
            {
                HttpStatusCode.Unauthorized => "the token was not accepted (expired or revoked?)",
                HttpStatusCode.Forbidden => "the token may not do this (it needs contents:write and pull_requests:write on the repository) or a rate limit was hit",
                HttpStatusCode.NotFound => "the repository was not found, or the token cannot see it",
                _ => e.Message,
            };
            throw new PublishException(auth.Scrub($"GitHub {target.Owner}/{target.Name} answered {(int)e.StatusCode}: {what}"));
        }
        catch (HttpRequestException e)
        {
            throw new PublishException(auth.Scrub($"GitHub API at {this.Settings.ApiBaseUrl} could not be reached: {e.Message}"));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A pull request (open, closed or merged) whose head is the branch: opened by an earlier attempt, so not opened again.</summary>
    static async Task<PullRequest?> FindAsync(GitHubClient client, GitHubRepositoryOptions target, string branch)
    {
        IReadOnlyList<PullRequest> found = await client.PullRequest.GetAllForRepository(
            target.Owner,
            target.Name,
            new PullRequestRequest { Head = $"{target.Owner}:{branch}", State = ItemStateFilter.All },
            new ApiOptions { PageSize = 10, PageCount = 1 }).ConfigureAwait(false);
        return found.Where(p => string.Equals(p.Head?.Ref, branch, StringComparison.Ordinal)).OrderBy(p => p.Number).FirstOrDefault();
    }

    static async Task<string?> BranchCommitAsync(GitHubClient client, GitHubRepositoryOptions target, string branch)
    {
        try
        {
            Reference reference = await client.Git.Reference.Get(target.Owner, target.Name, $"heads/{branch}").ConfigureAwait(false);
            return reference.Object?.Sha;
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    async Task<string> PushAsync(GitHubClient client, GitHubRepositoryOptions target, Uri remote, PushAuth auth, PullRequestDraft draft, CancellationToken cancellationToken)
    {
        string git = options.Value.GitExecutable;
        var timeout = TimeSpan.FromSeconds(this.Settings.TimeoutSeconds);
        using var work = new TempFolder();
        await Git.RunAsync(git, work.Path, ["clone", "--quiet", "--depth", "1", "--single-branch", "--branch", target.Base, remote.OriginalString, "."], cancellationToken, timeout, auth)
            .ConfigureAwait(false);
        string commit = await Git.CommitPatchAsync(git, work.Path, draft, cancellationToken).ConfigureAwait(false);
        try
        {
            await Git.RunAsync(git, work.Path, ["push", "--quiet", "origin", $"HEAD:refs/heads/{draft.Branch}"], cancellationToken, timeout, auth).ConfigureAwait(false);
        }
        catch (PublishException)
        {
            // Rejected because a concurrent attempt in another process pushed the branch first: use that branch.
            if (await BranchCommitAsync(client, target, draft.Branch).ConfigureAwait(false) is { } pushed)
            {
                return pushed;
            }

            throw;
        }

        this.LogPushed(target.Owner, target.Name, draft.Branch, commit);
        return commit;
    }

    static PullRequestRecord Record(PullRequestDraft draft, GitHubRepositoryOptions target, PullRequest pr) =>
        new(pr.Number, draft.Repository, draft.Branch, pr.Base?.Ref ?? target.Base, pr.Head?.Sha ?? string.Empty, pr.Title ?? draft.Title, draft.Body,
            draft.SessionId, draft.Turn, draft.ApprovalId, pr.CreatedAt.UtcDateTime)
        {
            Url = pr.HtmlUrl,
        };

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull request {Owner}/{Repo}#{Number} for {Branch} is already open; nothing pushed")]
    partial void LogAlreadyOpen(string owner, string repo, int number, string branch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushed {Branch} to {Owner}/{Repo} at {Commit}")]
    partial void LogPushed(string owner, string repo, string branch, string commit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Opened pull request {Owner}/{Repo}#{Number} for {Branch} at {Commit}")]
    partial void LogOpened(string owner, string repo, int number, string branch, string commit);
}
