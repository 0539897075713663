using System.ComponentModel.DataAnnotations;

namespace Agents.Edge.Auth;

/// <summary>
/// Section <c>Auth</c>: which OIDC issuer the API trusts and how its claims name the caller. In Azure the issuer is
/// Entra ID (<c>https://login.microsoftonline.com/{tenant}/v2.0</c>); locally the portable host's dev issuer.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// The issuer; its discovery document is <c>{Authority}/.well-known/openid-configuration</c>. Empty in the portable
    /// host with <c>Auth:DevIssuer:Enabled</c>: the host's own dev issuer.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The discovery document's URL, when it is not under <see cref="Authority"/>.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>This API's audience: the <c>aud</c> every token must carry (Entra: the app registration's client id or App ID URI).</summary>
    [Required]
    public string Audience { get; set; } = DevTokenIssuer.DefaultAudience;

    /// <summary>Refuse discovery and JWKS over plain HTTP. Off only for a local issuer.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Claim naming the user (Entra: <c>oid</c> or <c>preferred_username</c>).</summary>
    [Required]
    public string UserClaim { get; set; } = "sub";

    /// <summary>Claim naming the org a session belongs to (Entra: <c>tid</c> when an org is a tenant, or a custom claim).</summary>
    [Required]
    public string OrgClaim { get; set; } = "org";

    /// <summary>Claim listing the caller's roles (Entra app roles arrive in <c>roles</c>).</summary>
    [Required]
    public string RolesClaim { get; set; } = "roles";

    /// <summary>The role the approvals API requires.</summary>
    [Required]
    public string ApproverRole { get; set; } = "approver";

    /// <summary>Signature algorithms accepted, comma-separated; anything else (none, HS256...) is refused.</summary>
    [Required]
    public string Algorithms { get; set; } = "RS256";

    /// <summary>Tolerance for clock differences on <c>exp</c> and <c>nbf</c>.</summary>
    [Range(0, 600)]
    public int ClockSkewSeconds { get; set; } = 60;

    /// <summary>Least time between two refreshes of the issuer's keys forced by a token signed with an unknown key id.</summary>
    [Range(1, 86_400)]
    public int RefreshIntervalSeconds { get; set; } = 300;

    public IReadOnlyList<string> AlgorithmList =>
        this.Algorithms.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
