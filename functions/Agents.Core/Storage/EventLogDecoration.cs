using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Storage;

public static class EventLogDecoration
{
    /// <summary>
    /// Wraps the registered <see cref="IEventLog"/> (whatever it is now, decorators included) in the one
    /// <paramref name="decorate"/> builds, keeping its lifetime. Call it after the event log is registered
    /// (<c>AddAgentPlatform</c> does that).
    /// </summary>
    public static IServiceCollection DecorateEventLog(this IServiceCollection services, Func<IServiceProvider, IEventLog, IEventLog> decorate)
    {
        ServiceDescriptor log = services.LastOrDefault(d => d.ServiceType == typeof(IEventLog) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("Decorating the event log needs one registered first: call AddAgentPlatform before.");
        services.Remove(log);
        services.Add(ServiceDescriptor.Describe(typeof(IEventLog), sp => decorate(sp, Inner(sp, log)), log.Lifetime));
        return services;
    }

    static IEventLog Inner(IServiceProvider services, ServiceDescriptor log) =>
        (IEventLog)(log.ImplementationInstance
            ?? log.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, log.ImplementationType!));
}
