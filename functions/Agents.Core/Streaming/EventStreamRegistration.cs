using Agents.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Agents.Core.Streaming;

public static class EventStreamRegistration
{
    /// <summary>
    /// Binds <see cref="EventStreamOptions"/> and, when a namespace is configured, registers the sender, the publisher
    /// (a hosted service) and decorates the registered <see cref="IEventLog"/> with <see cref="StreamingEventLog"/>.
    /// Call it after the event log is registered. Not configured: nothing but the options is registered. A second call
    /// changes nothing.
    /// </summary>
    public static IServiceCollection AddEventStream(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EventStreamOptions>().Bind(configuration.GetSection(EventStreamOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.Problem() is null, "EventStream: FullyQualifiedNamespace must be a Service Bus host (managed identity only, never a connection string)")
            .ValidateOnStart();
        EventStreamOptions settings = configuration.GetSection(EventStreamOptions.Section).Get<EventStreamOptions>() ?? new EventStreamOptions();
        if (!settings.IsEnabled || services.Any(d => d.ServiceType == typeof(EventStreamPublisher)))
        {
            return services;
        }

        services.TryAddSingleton<EventStreamStore>();
        services.TryAddSingleton<IEventStreamSender>(sp => new ServiceBusEventStreamSender(sp.GetRequiredService<IOptions<EventStreamOptions>>().Value));
        services.TryAddSingleton<EventStreamPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<EventStreamPublisher>());
        services.DecorateEventLog((sp, inner) => ActivatorUtilities.CreateInstance<StreamingEventLog>(sp, inner));
        return services;
    }
}
