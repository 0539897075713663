using System.Collections.Concurrent;
using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Edge.Auth;

namespace AgentCli;

/// <summary>
/// The bearer token each call sends: <c>AGENT_TOKEN</c> when set (a token of whatever issuer the host trusts), otherwise
/// a token of the host's local dev issuer, minted here with the key the host publishes (both read
/// <see cref="DevIssuerOptions.KeyFile"/>), so local runs pass the same validation as production.
/// </summary>
public sealed class BearerTokens(HttpClient http, string keyFile)
{
    public const string DefaultKeyFile = ".local/dev-issuer/signing-keys.json";

    static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> minted = new(StringComparer.Ordinal);
    string? issuer;

    public static string? Given => Environment.GetEnvironmentVariable("AGENT_TOKEN") is { Length: > 0 } token ? token : null;

    public async Task<string> ForAsync(Caller who, CancellationToken ct)
    {
        if (Given is { } token)
        {
            return token;
        }

        string key = $"{who.User}\n{who.Org}\n{string.Join(',', who.Roles)}";
        // Renewed well before it expires, so a long 'events --follow' keeps going.
        if (this.minted.TryGetValue(key, out var cached) && cached.Expires - DateTimeOffset.UtcNow > Lifetime / 2)
        {
            return cached.Token;
        }

        DevTokenIssuer issuer = await this.DevIssuerAsync(ct);
        string fresh = issuer.Mint(who, Lifetime);
        this.minted[key] = (fresh, DateTimeOffset.UtcNow + Lifetime);
        return fresh;
    }

    public async Task<DevTokenIssuer> DevIssuerAsync(CancellationToken ct)
    {
        this.issuer ??= await DevTokenIssuer.DiscoverIssuerAsync(http, http.BaseAddress!, ct)
            ?? throw new NoTokenException(
                $"The host at {http.BaseAddress} serves no dev issuer ({DevTokenIssuer.PathBase}; Auth:DevIssuer:Enabled), so no local token can be minted. " +
                "Set AGENT_TOKEN to a token of the issuer the host trusts.");
        return new DevTokenIssuer(DevSigningKeys.LoadOrCreate(RepositoryPaths.Resolve(keyFile)), this.issuer);
    }
}

/// <summary>No token to send: the host has no dev issuer and AGENT_TOKEN is not set.</summary>
public sealed class NoTokenException(string message) : Exception(message);
