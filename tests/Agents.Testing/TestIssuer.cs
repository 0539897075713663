using Agents.Core.Sessions;
using Agents.Edge.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Agents.Testing;

/// <summary>
/// An OIDC issuer on loopback (Kestrel, plain HTTP, a free port) serving a discovery document and a JWKS from a
/// <see cref="DevSigningKeys"/> file of its own, counting JWKS downloads; it mints tokens with the current key. For
/// tests of token validation outside a portable host (the Functions app's gate, key rotation).
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    readonly string folder;
    int jwksRequests;
    LoopbackServer server = null!;

    TestIssuer(string folder) => this.folder = folder;

    /// <summary>The issuer id (<c>iss</c>) and authority: discovery is at <c>{Issuer}/.well-known/openid-configuration</c>.</summary>
    public string Issuer => this.server.BaseAddress.ToString().TrimEnd('/');

    public string KeyFile => Path.Combine(this.folder, "signing-keys.json");

    public int JwksRequests => Volatile.Read(ref this.jwksRequests);

    public DevTokenIssuer Tokens => new(DevSigningKeys.LoadOrCreate(this.KeyFile), this.Issuer);

    public static async Task<TestIssuer> StartAsync()
    {
        var issuer = new TestIssuer(Directory.CreateTempSubdirectory("agentfn-issuer-").FullName);
        DevSigningKeys.LoadOrCreate(issuer.KeyFile);
        issuer.server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer.Issuer,
                ["jwks_uri"] = $"{issuer.Issuer}/jwks",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            }));
            app.MapGet("/jwks", () =>
            {
                Interlocked.Increment(ref issuer.jwksRequests);
                return Results.Text(DevSigningKeys.LoadOrCreate(issuer.KeyFile).PublicJwks(), "application/json");
            });
        });
        return issuer;
    }

    public string Mint(Caller who) => this.Tokens.Mint(who);

    /// <summary>A new signing key; the previous one stays published.</summary>
    public void RotateKeys() => DevSigningKeys.Rotate(this.KeyFile);

    public async ValueTask DisposeAsync()
    {
        await this.server.DisposeAsync();
        try
        {
            Directory.Delete(this.folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
