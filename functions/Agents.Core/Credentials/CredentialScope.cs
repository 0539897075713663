using System.Text.Json;
using System.Text.Json.Serialization;

namespace Agents.Core.Credentials;

/// <summary>
/// What a tool invocation's credential lets it do. The catalog entry declares it (<c>ToolDefinition.CredentialScope</c>);
/// the broker issues a credential of exactly that scope for one step, and each scope unlocks only its own secrets.
/// On the wire (events, the API) a scope is its name: <c>none</c>, <c>repository:read</c>, <c>model:invoke</c>,
/// <c>pull-request:create</c>.
/// </summary>
[JsonConverter(typeof(CredentialScopeConverter))]
public enum CredentialScope
{
    /// <summary>The tool needs nothing: no credential is issued.</summary>
    None,

    /// <summary>Read the repository: locally the workspace, in Azure a read-only SAS on the snapshot container.</summary>
    RepositoryRead,

    /// <summary>Call a model through the router (which authenticates with managed identity: no secret is handed out).</summary>
    ModelInvoke,

    /// <summary>Push a branch and open a pull request: the push token. Issued only for an approved step.</summary>
    PullRequestCreate,
}

public static class CredentialScopes
{
    static readonly Dictionary<CredentialScope, string> Names = new()
    {
        [CredentialScope.None] = "none",
        [CredentialScope.RepositoryRead] = "repository:read",
        [CredentialScope.ModelInvoke] = "model:invoke",
        [CredentialScope.PullRequestCreate] = "pull-request:create",
    };

    static readonly Dictionary<CredentialScope, string[]> Secrets = new()
    {
        [CredentialScope.None] = [],
        [CredentialScope.RepositoryRead] = [],
        [CredentialScope.ModelInvoke] = [],
        [CredentialScope.PullRequestCreate] = [SecretNames.GitHubToken],
    };

    /// <summary>The scope's name on the wire, for example <c>pull-request:create</c>.</summary>
    public static string Name(this CredentialScope scope) => Names[scope];

    /// <summary>Secrets a credential of this scope may fetch from the secret store; nothing else is reachable through it.</summary>
    public static IReadOnlyList<string> AllowedSecrets(this CredentialScope scope) => Secrets[scope];

    /// <summary>True when a credential of this scope is issued only for a step that carries an approval.</summary>
    public static bool NeedsApproval(this CredentialScope scope) => scope == CredentialScope.PullRequestCreate;

    public static CredentialScope Parse(string name) =>
        Names.FirstOrDefault(kv => string.Equals(kv.Value, name, StringComparison.Ordinal)) is { Value: not null } found
            ? found.Key
            : throw new FormatException($"unknown credential scope '{name}'; known: {string.Join(", ", Names.Values)}");
}

public sealed class CredentialScopeConverter : JsonConverter<CredentialScope>
{
    public override CredentialScope Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        CredentialScopes.Parse(reader.GetString() ?? string.Empty);

    public override void Write(Utf8JsonWriter writer, CredentialScope value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Name());
}
