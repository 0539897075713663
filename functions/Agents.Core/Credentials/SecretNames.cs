namespace Agents.Core.Credentials;

/// <summary>Names of the secrets the platform reads, the same in Key Vault (infra/main.bicep, <c>secretNames</c>) and in local settings (<c>Secrets:{name}</c>).</summary>
public static class SecretNames
{
    public const string SlackSigningSecret = "slack-signing-secret";
    public const string SlackBotToken = "slack-bot-token";
    public const string GitHubToken = "github-token";
}
