using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Credentials;
using Agents.Core.Publishing;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tools;

/// <summary>
/// Commits the drafted patch on <c>agent/{session}-t{turn}</c>, pushes it and opens a pull request through the
/// publisher <c>Publishing:Provider</c> names: locally a bare repository plays the remote and the PR is a JSON record
/// beside it; in production GitHub. Risky: the catalog requires approval, and its credential
/// (<see cref="CredentialScope.PullRequestCreate"/>) is issued only for an approved step; without a valid one nothing
/// is pushed. Idempotent: a retry finds the pull request (or the pushed branch) and does not push twice. The result
/// is the pull request's record (number, URL, branch, commit), never the token.
/// </summary>
public sealed class OpenPullRequestTool : IAgentTool
{
    readonly RepositoryWorkspace workspace;
    readonly CredentialBroker? broker;
    readonly IReadOnlyList<IPullRequestPublisher> publishers;
    readonly PublishingOptions publishing;
    readonly AgentOptions agent;

    public OpenPullRequestTool(
        RepositoryWorkspace workspace, CredentialBroker broker, IEnumerable<IPullRequestPublisher> publishers, IOptions<PublishingOptions> publishing, IOptions<AgentOptions> agent)
    {
        this.workspace = workspace;
        this.broker = broker;
        this.publishers = [.. publishers];
        this.publishing = publishing.Value;
        this.agent = agent.Value;
    }

    /// <summary>The catalog entry only (planner, benchmarks): without a credential broker every run is refused.</summary>
    public OpenPullRequestTool(RepositoryWorkspace workspace)
    {
        this.workspace = workspace;
        this.publishers = [];
        this.publishing = new PublishingOptions();
        this.agent = new AgentOptions();
    }

    public ToolDefinition Definition { get; } = new(
        "open_pull_request",
        "Commit the drafted patch on a new branch, push it and open a pull request. Needs human approval.",
        """{"type":"object","properties":{"title":{"type":"string"},"body":{"type":"string"}},"required":["title"],"additionalProperties":false}""",
        RiskTier.High,
        RequiresApproval: true,
        ToolRuntime.BuiltIn)
    {
        CredentialScope = CredentialScope.PullRequestCreate,
        TimeLimit = TimeSpan.FromSeconds(180),
        MemoryLimitBytes = 256L * 1024 * 1024,
    };

    public async Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        string title = invocation.Arguments.RequiredString("title");
        string body = invocation.Arguments.OptionalString("body") ?? string.Empty;
        string repository = invocation.Session.Repository;
        if (this.broker is null)
        {
            return ToolOutput.Failure("open_pull_request is not set up to publish here (no credential broker)");
        }

        CredentialGrant grant;
        try
        {
            grant = this.broker.Redeem(
                invocation.Credential, CredentialScope.PullRequestCreate, new CredentialSubject(invocation.Session.SessionId, repository, invocation.Turn, invocation.Step.Id));
        }
        catch (CredentialRefusedException e)
        {
            return ToolOutput.Failure($"nothing pushed: {e.Message}");
        }

        string? patch = await RunTestsTool.LatestPatchAsync(invocation, cancellationToken).ConfigureAwait(false);
        if (patch is null)
        {
            return ToolOutput.Failure("no drafted patch upstream: open_pull_request must depend on a draft_patch step");
        }

        string root = this.workspace.RootOf(repository);
        (_, string? invalid) = UnifiedDiff.Validate(patch, path => this.IsInside(root, path) && File.Exists(Path.Combine(root, path)));
        if (invalid is not null)
        {
            return ToolOutput.Failure($"nothing pushed: the patch is not a unified diff confined to the repository: {invalid}");
        }

        IPullRequestPublisher? publisher = this.publishers.FirstOrDefault(p => p.Provider == this.publishing.Provider);
        if (publisher is null)
        {
            return ToolOutput.Failure($"no publisher for {PublishingOptions.Section}:Provider {this.publishing.Provider}");
        }

        SecretValue? token = null;
        try
        {
            if (publisher.NeedsToken)
            {
                token = await grant.SecretAsync(SecretNames.GitHubToken, cancellationToken).ConfigureAwait(false);
            }

            string sessionId = invocation.Session.SessionId;
            string? approvalId = grant.Credential.ApprovalId ?? invocation.ApprovalId;
            var draft = new PullRequestDraft(
                repository,
                $"agent/{sessionId}-t{invocation.Turn}",
                this.publishing.BaseBranchOf(repository),
                title,
                PullRequestDraft.ComposeBody(body, this.agent.SessionPageOf(sessionId), sessionId, invocation.Turn, approvalId),
                patch,
                sessionId,
                invocation.Turn,
                approvalId);
            PublishedPullRequest published = await publisher.PublishAsync(draft, token, cancellationToken).ConfigureAwait(false);
            return Opened(published);
        }
        catch (Exception e) when (e is CredentialRefusedException or SecretUnavailableException or PublishException)
        {
            return ToolOutput.Failure($"nothing pushed: {Scrub(e.Message, token)}");
        }
        catch (Exception e) when (e is not OperationCanceledException && token is not null && e.ToString().Contains(token.Reveal(), StringComparison.Ordinal))
        {
            // Defence in depth: an exception that carries the token never leaves this tool (the step logs exceptions).
            throw new PublishException(Scrub(e.Message, token));
        }
    }

    bool IsInside(string root, string path)
    {
        try
        {
            this.workspace.ResolveInside(root, path);
            return true;
        }
        catch (ToolArgumentException)
        {
            return false;
        }
    }

    static string Scrub(string text, SecretValue? token) => token?.Scrub(text) ?? text;

    static ToolOutput Opened(PublishedPullRequest published)
    {
        PullRequestRecord record = published.Record;
        return ToolOutput.Success(
            JsonSerializer.Serialize(record, JsonDefaults.Indented),
            $"PR #{record.Number} {(published.AlreadyOpen ? "already open" : "opened")}: {record.Branch} → {record.Base} ({record.Commit[..Math.Min(8, record.Commit.Length)]})" +
            (record.Url is null ? string.Empty : $" {record.Url}"),
            "application/json");
    }
}
