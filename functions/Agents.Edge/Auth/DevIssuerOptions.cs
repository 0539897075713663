namespace Agents.Edge.Auth;

/// <summary>
/// Section <c>Auth:DevIssuer</c> (portable host only): serve an OIDC discovery document and JWKS for a local issuer
/// whose RSA key is generated once per machine, so local runs go through the same token validation as production.
/// Never enable it in a deployment.
/// </summary>
public sealed class DevIssuerOptions
{
    public const string Section = "Auth:DevIssuer";

    public bool Enabled { get; set; }

    /// <summary>The private signing keys (git-ignored); relative paths are against the repository root.</summary>
    public string KeyFile { get; set; } = ".local/dev-issuer/signing-keys.json";
}
