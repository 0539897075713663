using Microsoft.Extensions.DependencyInjection;

namespace Agents.Edge;

public static class EdgeServices
{
    /// <summary>What the HTTP edge needs in either host (problem+json for errors the framework raises itself).</summary>
    public static IServiceCollection AddAgentEdge(this IServiceCollection services) => services.AddProblemDetails();
}
