using Agents.Edge.Auth;
using Agents.Edge.RateLimits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Edge;

public static class EdgeServices
{
    /// <summary>
    /// What the HTTP edge needs in either host: problem+json for errors the framework raises itself, bearer-token
    /// validation against the trusted issuer, per-user and per-org rate limits, and the gate that runs both.
    /// </summary>
    public static IServiceCollection AddAgentEdge(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddProblemDetails();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DevIssuerOptions>().Bind(configuration.GetSection(DevIssuerOptions.Section));
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(BearerTokenValidator.MetadataHttpClient, http => http.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<BearerTokenValidator>();
        services.AddSingleton<EdgeRateLimiter>();
        services.AddSingleton<EdgeGate>();
        return services;
    }

    /// <summary>The portable host's local issuer (discovery and JWKS served by the host itself, see <see cref="DevIssuerEndpoints"/>).</summary>
    public static IServiceCollection AddDevIssuer(this IServiceCollection services) => services.AddSingleton<DevIssuer>();
}
