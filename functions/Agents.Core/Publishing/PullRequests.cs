using Agents.Core.Credentials;
using Agents.Core.Tools;

namespace Agents.Core.Publishing;

/// <summary>What to publish: the approved patch, committed on <see cref="Branch"/> and proposed against <see cref="Base"/>.</summary>
public sealed record PullRequestDraft(
    string Repository,
    string Branch,
    string Base,
    string Title,
    string Body,
    string Patch,
    string SessionId,
    int Turn,
    string? ApprovalId)
{
    /// <summary>
    /// The pull request's description: what the model wrote, then where a reviewer can replay the session that
    /// produced it (the replay UI's session page), the turn and the approval.
    /// </summary>
    public static string ComposeBody(string modelBody, Uri sessionPage, string sessionId, int turn, string? approvalId) =>
        $"{(string.IsNullOrWhiteSpace(modelBody) ? "Prepared by AgentFunctions." : modelBody.TrimEnd())}\n\n---\n" +
        $"Prepared by AgentFunctions in session `{sessionId}`, turn {turn}{(approvalId is null ? string.Empty : $", approved as `{approvalId}`")}.\n" +
        $"Replay the session: {sessionPage}";

    /// <summary>Refuses a draft before anything is cloned or pushed: the patch must be a unified diff confined to the repository.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(this.Title))
        {
            throw new PublishException("the pull request needs a title");
        }

        if (string.IsNullOrWhiteSpace(this.Branch) || this.Branch.StartsWith('-') || this.Branch.Contains("..", StringComparison.Ordinal)
            || this.Branch.Any(c => char.IsWhiteSpace(c) || c is '~' or '^' or ':' or '?' or '*' or '[' or '\\'))
        {
            throw new PublishException($"'{this.Branch}' is not a branch name this platform pushes");
        }

        (_, string? error) = UnifiedDiff.Validate(this.Patch);
        if (error is not null)
        {
            throw new PublishException($"the patch is not applied: {error}");
        }
    }
}

/// <summary>A pull request as opened (GitHub) or recorded beside the local bare remote.</summary>
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
    DateTime CreatedAt)
{
    /// <summary>Where to see it: the pull request's page on GitHub; null locally.</summary>
    public string? Url { get; init; }
}

/// <summary>The pull request, and whether it was already open (a retry, or an earlier attempt that got this far).</summary>
public sealed record PublishedPullRequest(PullRequestRecord Record, bool AlreadyOpen);

/// <summary>
/// Pushes a branch and opens a pull request, exactly once per branch: a retry returns the pull request already open,
/// and a branch already pushed is not pushed again.
/// </summary>
public interface IPullRequestPublisher
{
    PublishingProvider Provider { get; }

    /// <summary>True when <see cref="PublishAsync"/> needs the push token (<see cref="SecretNames.GitHubToken"/>).</summary>
    bool NeedsToken { get; }

    Task<PublishedPullRequest> PublishAsync(PullRequestDraft draft, SecretValue? token, CancellationToken cancellationToken);
}

/// <summary>The pull request could not be published. The message says why and never holds a secret.</summary>
public sealed class PublishException(string message) : Exception(message);
