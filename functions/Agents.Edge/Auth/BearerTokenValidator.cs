using System.Globalization;
using System.Security.Claims;
using Agents.Core.Sessions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Agents.Edge.Auth;

/// <summary>Who the caller is, or why the request is refused.</summary>
public sealed record Authentication(Caller? Caller, ClaimsIdentity? Identity, AuthFailure? Failure)
{
    public static Authentication Refused(AuthFailure failure) => new(null, null, failure);
}

/// <param name="Error">RFC 6750 error code for the WWW-Authenticate header (<c>invalid_request</c>, <c>invalid_token</c>); null when no token was sent.</param>
/// <param name="Unavailable">The issuer's keys could not be fetched: the token was not judged (503, not 401).</param>
public sealed record AuthFailure(string? Error, string Description, bool Unavailable = false);

/// <summary>
/// Validates bearer tokens against the trusted OIDC issuer: discovery and JWKS fetched once and cached by the
/// <see cref="ConfigurationManager{T}"/> (refreshed every 12 hours, and at once when a token names a key id the cache
/// does not have, at most every <see cref="AuthOptions.RefreshIntervalSeconds"/>); issuer, audience, lifetime and
/// signature checked; only the configured algorithms accepted, so unsigned, <c>alg: none</c> and HMAC-with-the-public-key
/// tokens never verify.
/// </summary>
public sealed class BearerTokenValidator
{
    public const string MetadataHttpClient = "auth-metadata";

    readonly AuthOptions options;
    readonly HashSet<string> algorithms;
    readonly JsonWebTokenHandler handler = new() { MapInboundClaims = false };
    readonly Lazy<(ConfigurationManager<OpenIdConnectConfiguration> Metadata, TokenValidationParameters Parameters)> trust;

    /// <summary>
    /// Since IdentityModel 8 a refresh asked for by an unknown key id runs in the background, so the token that revealed
    /// a key rotation is refused and only later ones pass. The library's switch makes that refresh complete before the
    /// token is validated again, so the first token signed with a new key is accepted.
    /// </summary>
    static BearerTokenValidator() => AppContext.SetSwitch("Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking", isEnabled: true);

    public BearerTokenValidator(IOptions<AuthOptions> options, IHttpClientFactory httpClients, DevIssuer? devIssuer = null)
    {
        this.options = options.Value;
        this.algorithms = new HashSet<string>(this.options.AlgorithmList, StringComparer.Ordinal);
        this.trust = new(() => this.Trust(httpClients.CreateClient(MetadataHttpClient), devIssuer));
    }

    /// <summary>The discovery document the trust comes from (resolved at first use: a dev issuer's address is known only once the host listens).</summary>
    public string MetadataAddress => this.trust.Value.Metadata.MetadataAddress;

    public async Task<Authentication> AuthenticateAsync(string? authorization, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return Authentication.Refused(new AuthFailure(null, "No bearer token: send 'Authorization: Bearer <access token>'."));
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= "Bearer ".Length)
        {
            return Authentication.Refused(new AuthFailure("invalid_request", "The Authorization header must be 'Bearer <access token>'."));
        }

        string token = authorization["Bearer ".Length..].Trim();
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return Invalid("The bearer token is not a JWT (three base64url parts separated by dots).");
        }

        if (jwt.IsEncrypted)
        {
            return Invalid("Encrypted tokens are not accepted.");
        }

        if (string.IsNullOrEmpty(jwt.EncodedSignature) || string.IsNullOrEmpty(jwt.Alg) || string.Equals(jwt.Alg, "none", StringComparison.OrdinalIgnoreCase))
        {
            return Invalid("The token is not signed; unsigned tokens (alg 'none') are refused.");
        }

        if (!this.algorithms.Contains(jwt.Alg))
        {
            return Invalid($"The token is signed with '{jwt.Alg}'; only {string.Join(", ", this.algorithms)} is accepted (Auth:Algorithms).");
        }

        ConfigurationManager<OpenIdConnectConfiguration> metadata;
        TokenValidationParameters parameters;
        try
        {
            (metadata, parameters) = this.trust.Value;
        }
        catch (InvalidOperationException e)
        {
            return Authentication.Refused(new AuthFailure("temporarily_unavailable", e.Message, Unavailable: true));
        }

        try
        {
            await metadata.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException)
        {
            return Authentication.Refused(new AuthFailure("temporarily_unavailable",
                $"The issuer's keys could not be fetched from {metadata.MetadataAddress}, so the token cannot be checked; try again shortly.", Unavailable: true));
        }

        // Cloned per call: the handler flags a shared instance while it refreshes keys.
        TokenValidationResult result = await this.handler.ValidateTokenAsync(jwt, parameters.Clone()).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return Invalid(this.Describe(result.Exception, jwt));
        }

        return this.CallerOf(result.ClaimsIdentity);
    }

    Authentication CallerOf(ClaimsIdentity identity)
    {
        string? user = identity.FindFirst(this.options.UserClaim)?.Value;
        string? org = identity.FindFirst(this.options.OrgClaim)?.Value;
        if ((Unusable("user", user, this.options.UserClaim, nameof(AuthOptions.UserClaim)) ?? Unusable("org", org, this.options.OrgClaim, nameof(AuthOptions.OrgClaim))) is { } failure)
        {
            return Authentication.Refused(failure);
        }

        string[] roles = identity.FindAll(this.options.RolesClaim).Select(c => c.Value).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        return new Authentication(new Caller(user!, org!, roles), identity, null);
    }

    static AuthFailure? Unusable(string what, string? value, string claim, string setting) =>
        value is null
            ? new AuthFailure("invalid_token", $"The token has no '{claim}' claim naming the {what} (Auth:{setting}).")
            : Caller.IsValidName(value)
                ? null
                : new AuthFailure("invalid_token", $"The token's '{claim}' claim is not usable as a {what} name ({Caller.NameRule}).");

    string Describe(Exception? error, JsonWebToken jwt) => error switch
    {
        SecurityTokenExpiredException expired => $"The token expired at {expired.Expires.ToString("u", CultureInfo.InvariantCulture)}.",
        SecurityTokenNotYetValidException early => $"The token is not valid before {early.NotBefore.ToString("u", CultureInfo.InvariantCulture)}.",
        SecurityTokenNoExpirationException => "The token has no expiry ('exp').",
        SecurityTokenInvalidAudienceException => $"The token's audience ({string.Join(", ", jwt.Audiences)}) is not this API ('{this.options.Audience}').",
        SecurityTokenInvalidIssuerException => $"The token's issuer '{jwt.Issuer}' is not the trusted issuer.",
        SecurityTokenInvalidAlgorithmException => $"The token's algorithm '{jwt.Alg}' is not accepted.",
        SecurityTokenSignatureKeyNotFoundException => $"The token is signed with a key ('{jwt.Kid}') the issuer does not publish.",
        SecurityTokenInvalidSignatureException => "The token's signature does not verify.",
        _ => "The token is not valid.",
    };

    static Authentication Invalid(string description) => Authentication.Refused(new AuthFailure("invalid_token", description));

    (ConfigurationManager<OpenIdConnectConfiguration>, TokenValidationParameters) Trust(HttpClient http, DevIssuer? devIssuer)
    {
        string? authority = this.options.Authority?.TrimEnd('/');
        bool local = string.IsNullOrWhiteSpace(this.options.MetadataAddress) && string.IsNullOrWhiteSpace(authority) && devIssuer is { Enabled: true };
        string address = !string.IsNullOrWhiteSpace(this.options.MetadataAddress) ? this.options.MetadataAddress
            : !string.IsNullOrWhiteSpace(authority) ? $"{authority}/.well-known/openid-configuration"
            : local ? devIssuer!.MetadataAddress
            : throw new InvalidOperationException("This API trusts no token issuer: set Auth:Authority (or Auth:MetadataAddress), or Auth:DevIssuer:Enabled in the portable host.");

        var metadata = new ConfigurationManager<OpenIdConnectConfiguration>(
            address,
            new OpenIdConnectConfigurationRetriever(),
            // The host's own dev issuer is on its loopback address: plain HTTP is fine there.
            new HttpDocumentRetriever(http) { RequireHttps = this.options.RequireHttpsMetadata && !local })
        {
            RefreshInterval = TimeSpan.FromSeconds(this.options.RefreshIntervalSeconds),
        };
        var parameters = new TokenValidationParameters
        {
            ConfigurationManager = metadata,
            ValidateIssuer = true,
            ValidAudience = this.options.Audience,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ValidAlgorithms = this.algorithms,
            ClockSkew = TimeSpan.FromSeconds(this.options.ClockSkewSeconds),
            NameClaimType = this.options.UserClaim,
            RoleClaimType = this.options.RolesClaim,
        };
        return (metadata, parameters);
    }
}
