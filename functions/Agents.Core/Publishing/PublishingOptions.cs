using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Agents.Core.Contracts;

namespace Agents.Core.Publishing;

[JsonConverter(typeof(SnakeCaseEnum<PublishingProvider>))]
public enum PublishingProvider
{
    /// <summary>A bare repository on disk plays the remote; the pull request is a JSON record beside it.</summary>
    Local,

    /// <summary>GitHub (or GitHub Enterprise) through its REST API (Octokit) and git over HTTPS.</summary>
    GitHub,
}

/// <summary>Section <c>Publishing</c>: where <c>open_pull_request</c> pushes and opens its pull request.</summary>
public sealed class PublishingOptions
{
    public const string Section = "Publishing";

    public PublishingProvider Provider { get; set; } = PublishingProvider.Local;

    /// <summary>The git executable the publishers run.</summary>
    [Required]
    public string GitExecutable { get; set; } = "git";

    public GitHubPublishingOptions GitHub { get; set; } = new();

    /// <summary>The branch a pull request for <paramref name="repository"/> targets.</summary>
    public string BaseBranchOf(string repository) =>
        this.Provider == PublishingProvider.GitHub && this.GitHub.TargetOf(repository) is { } target ? target.Base : "main";
}

public sealed class GitHubPublishingOptions
{
    /// <summary>REST API root: <c>https://api.github.com/</c>, or a GitHub Enterprise Server host (Octokit appends <c>api/v3/</c> to it).</summary>
    [Required]
    public Uri ApiBaseUrl { get; set; } = new("https://api.github.com/");

    /// <summary>Where git pushes, with <c>{owner}</c> and <c>{repo}</c> placeholders. HTTPS; the token goes in a header, never in this URL.</summary>
    [Required]
    public string GitRemoteUrl { get; set; } = "https://github.com/{owner}/{repo}.git";

    /// <summary>Seconds allowed for each API call and each git command.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>Workspace repository name → the GitHub repository its pull requests go to.</summary>
    public Dictionary<string, GitHubRepositoryOptions> Repositories { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Where <paramref name="repository"/>'s pull requests go. A key may spell the name's hyphens as underscores
    /// (<c>inventory_service</c>), since Azure's Linux app settings allow no hyphen in a setting's name.
    /// </summary>
    public GitHubRepositoryOptions? TargetOf(string repository) =>
        this.Repositories.TryGetValue(repository, out GitHubRepositoryOptions? target)
        || this.Repositories.TryGetValue(repository.Replace('-', '_'), out target)
            ? target
            : null;

    public Uri RemoteUrlOf(GitHubRepositoryOptions target) =>
        new(this.GitRemoteUrl.Replace("{owner}", target.Owner, StringComparison.Ordinal).Replace("{repo}", target.Name, StringComparison.Ordinal));
}

public sealed class GitHubRepositoryOptions
{
    [Required]
    public string Owner { get; set; } = string.Empty;

    [Required]
    public string Name { get; set; } = string.Empty;

    [Required]
    public string Base { get; set; } = "main";
}
