using Agents.Core.Sessions;
using Agents.Edge.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Agents.Testing;

/// <summary>
/// An OIDC issuer on loopback (Kestrel, plain HTTP, a free port) serving a discovery document and a JWKS from a
/// <see cref="DevSigningKeys"/> file of its own, counting JWKS downloads; it mints tokens with the current key. For
/// tests of token validation outside a portable host (the Functions app's gate, key rotation).
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    readonly WebApplication app;
    readonly string folder;
    int jwksRequests;

    TestIssuer(WebApplication app, string folder)
    {
        this.app = app;
        this.folder = folder;
    }

    /// <summary>The issuer id (<c>iss</c>) and authority: discovery is at <c>{Issuer}/.well-known/openid-configuration</c>.</summary>
    public string Issuer { get; private set; } = null!;

    public string KeyFile => Path.Combine(this.folder, "signing-keys.json");

    public int JwksRequests => Volatile.Read(ref this.jwksRequests);

    public DevTokenIssuer Tokens => new(DevSigningKeys.LoadOrCreate(this.KeyFile), this.Issuer);

    public static async Task<TestIssuer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var issuer = new TestIssuer(builder.Build(), Directory.CreateTempSubdirectory("agentfn-issuer-").FullName);
        DevSigningKeys.LoadOrCreate(issuer.KeyFile);
        issuer.app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer.Issuer,
            ["jwks_uri"] = $"{issuer.Issuer}/jwks",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        issuer.app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref issuer.jwksRequests);
            return Results.Text(DevSigningKeys.LoadOrCreate(issuer.KeyFile).PublicJwks(), "application/json");
        });
        await issuer.app.StartAsync();
        issuer.Issuer = issuer.app.Urls.First().TrimEnd('/');
        return issuer;
    }

    public string Mint(Caller who) => this.Tokens.Mint(who);

    /// <summary>A new signing key; the previous one stays published.</summary>
    public void RotateKeys() => DevSigningKeys.Rotate(this.KeyFile);

    public async ValueTask DisposeAsync()
    {
        await this.app.DisposeAsync();
        try
        {
            Directory.Delete(this.folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
