using Agents.Core.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Agents.Edge.Auth;

/// <summary>
/// The portable host's local issuer: an OIDC discovery document and a JWKS at <c>/dev-issuer</c> on the host's own
/// address. Its issuer id is that address, known once the server listens (tests bind port 0).
/// </summary>
public sealed class DevIssuer(IOptions<DevIssuerOptions> options, IServer server, ILogger<DevIssuer> logger)
{
    readonly Lazy<Uri> issuer = new(() => Resolve(server, logger, options.Value));

    public bool Enabled => options.Value.Enabled;

    public string KeyFile => RepositoryPaths.Resolve(options.Value.KeyFile);

    public Uri Issuer => this.issuer.Value;

    public string MetadataAddress => $"{this.Issuer}/.well-known/openid-configuration";

    public object Discovery() => new Dictionary<string, object>
    {
        ["issuer"] = this.Issuer.ToString(),
        ["jwks_uri"] = $"{this.Issuer}/jwks",
        ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
        ["subject_types_supported"] = new[] { "public" },
        ["response_types_supported"] = new[] { "token" },
        ["claims_supported"] = new[] { "sub", "org", "roles", "name" },
    };

    /// <summary>Read from the key file on each request, so a rotated key is published without a restart.</summary>
    public string Jwks() => DevSigningKeys.LoadOrCreate(this.KeyFile).PublicJwks();

    static Uri Resolve(IServer server, ILogger logger, DevIssuerOptions options)
    {
        string address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException("The dev issuer needs the host's address, and the server is not listening yet.");

        // A wildcard binding is reached on loopback.
        var bound = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (bound.Host is "0.0.0.0" or "[::]" or "::")
        {
            bound.Host = "127.0.0.1";
        }

        var issuer = new Uri($"{bound.Scheme}://{bound.Host}:{bound.Port}{DevTokenIssuer.PathBase}");
        logger.LogWarning(
            "Trusting the local dev issuer {Issuer} (key in {KeyFile}); mint a token with scripts/agent token. Set Auth:Authority and turn Auth:DevIssuer:Enabled off outside a developer machine.",
            issuer,
            options.KeyFile);
        return issuer;
    }
}

public static class DevIssuerEndpoints
{
    /// <summary>Serves the dev issuer's discovery document and JWKS when <c>Auth:DevIssuer:Enabled</c>; otherwise maps nothing.</summary>
    public static IEndpointRouteBuilder MapDevIssuer(this IEndpointRouteBuilder app)
    {
        DevIssuer issuer = app.ServiceProvider.GetRequiredService<DevIssuer>();
        if (issuer.Enabled)
        {
            RouteGroupBuilder group = app.MapGroup(DevTokenIssuer.PathBase);
            group.MapGet("/.well-known/openid-configuration", () => Results.Json(issuer.Discovery()));
            group.MapGet("/jwks", () => Results.Text(issuer.Jwks(), "application/json"));
        }

        return app;
    }
}
