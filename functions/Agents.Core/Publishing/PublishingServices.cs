using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Publishing;

public static class PublishingServices
{
    /// <summary>Both publishers; <c>open_pull_request</c> uses the one <c>Publishing:Provider</c> names.</summary>
    public static IServiceCollection AddPublishing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PublishingOptions>().Bind(configuration.GetSection(PublishingOptions.Section)).ValidateDataAnnotations()
            .Validate(
                o => o.Provider != PublishingProvider.GitHub
                    || (o.GitHub.Repositories.Count > 0 && o.GitHub.Repositories.Values.All(r => r.Owner.Length > 0 && r.Name.Length > 0 && r.Base.Length > 0)),
                "Publishing:Provider GitHub needs Publishing:GitHub:Repositories:{repository}:Owner and :Name for each repository")
            .Validate(
                o => o.Provider != PublishingProvider.GitHub || (Uri.TryCreate(o.GitHub.GitRemoteUrl.Replace("{owner}", "o").Replace("{repo}", "r"), UriKind.Absolute, out Uri? u) && u.UserInfo.Length == 0),
                "Publishing:GitHub:GitRemoteUrl must be an absolute URL (with {owner} and {repo}) and carry no credentials")
            .ValidateOnStart();
        services.AddSingleton<IPullRequestPublisher, LocalRemotePublisher>();
        services.AddSingleton<IPullRequestPublisher, GitHubPublisher>();
        return services;
    }
}
