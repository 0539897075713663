using System.Net.Http.Json;
using System.Text.Json;
using Agents.Core.Sessions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Agents.Edge.Auth;

/// <summary>
/// Mints access tokens of the local dev issuer with its signing key: what the command-line client and the tests send.
/// Their claims are named as <see cref="AuthOptions"/> names them by default.
/// </summary>
public sealed class DevTokenIssuer(DevSigningKeys keys, string issuer, string audience = DevTokenIssuer.DefaultAudience, TimeProvider? clock = null)
{
    public const string DefaultAudience = "api://agentfunctions";

    /// <summary>Where a host's dev issuer is, relative to the host (discovery is under it).</summary>
    public const string PathBase = "/dev-issuer";

    static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string Issuer => issuer;

    public string Mint(Caller who, TimeSpan? lifetime = null) => this.Mint(who, lifetime ?? TimeSpan.FromHours(1), keys.Current, SecurityAlgorithms.RsaSha256);

    /// <summary>A token as <see cref="Mint(Caller, TimeSpan?)"/> makes it, with every field open to change (for tests of what must be refused).</summary>
    public string Mint(Caller who, TimeSpan lifetime, SecurityKey signingKey, string algorithm, string? issuerOverride = null, string? audienceOverride = null, DateTimeOffset? issuedAt = null)
    {
        DateTime now = (issuedAt ?? (clock ?? TimeProvider.System).GetUtcNow()).UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = who.User,
            ["org"] = who.Org,
            ["roles"] = who.Roles.ToArray(),
            ["name"] = who.User,
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuerOverride ?? issuer,
            Audience = audienceOverride ?? audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(signingKey, algorithm),
        });
    }

    /// <summary>The issuer a host's dev issuer puts in its discovery document (and so expects in tokens).</summary>
    public static async Task<string?> DiscoverIssuerAsync(HttpClient http, Uri host, CancellationToken cancellationToken = default)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync(new Uri(host, $"{PathBase.TrimStart('/')}/.well-known/openid-configuration"), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            JsonElement discovery = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
            return discovery.TryGetProperty("issuer", out JsonElement value) ? value.GetString() : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            return null;
        }
    }
}
