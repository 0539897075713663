using Agents.Core.Storage;
using Agents.Core.Streaming;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.Streaming;

/// <summary>AddEventStream: nothing but options when not configured; sender, publisher and the marking log when it is.</summary>
public sealed class EventStreamRegistrationTests
{
    [Fact]
    public void AddEventStream_NoNamespace_RegistersNoPublisherAndLeavesTheEventLogAlone()
    {
        // Arrange
        IServiceCollection services = Platform(new Dictionary<string, string?> { ["EventStream:Topic"] = "agent-events" });

        // Act
        services.AddEventStream(Configuration(services));
        using ServiceProvider provider = services.BuildServiceProvider();

        // Assert
        Assert.IsType<BlobEventLog>(provider.GetRequiredService<IEventLog>());
        Assert.DoesNotContain(provider.GetServices<IHostedService>(), s => s is EventStreamPublisher);
        Assert.Null(provider.GetService<IEventStreamSender>());
        Assert.False(provider.GetRequiredService<IOptions<EventStreamOptions>>().Value.IsEnabled);
    }

    [Fact]
    public async Task AddEventStream_Namespace_DecoratesTheEventLogAndRunsThePublisherOverTheServiceBusSender()
    {
        // Arrange
        IServiceCollection services = Platform(new Dictionary<string, string?>
        {
            ["EventStream:FullyQualifiedNamespace"] = "sb-test.servicebus.windows.net",
            ["EventStream:ManagedIdentityClientId"] = "00000000-0000-0000-0000-000000000001",
        });

        // Act
        services.AddEventStream(Configuration(services));
        services.AddEventStream(Configuration(services)); // twice: no second decoration
        await using ServiceProvider provider = services.BuildServiceProvider();

        // Assert
        StreamingEventLog log = Assert.IsType<StreamingEventLog>(provider.GetRequiredService<IEventLog>());
        Assert.IsType<BlobEventLog>(log.Inner);
        Assert.Single(provider.GetServices<IHostedService>().OfType<EventStreamPublisher>());
        Assert.IsType<ServiceBusEventStreamSender>(provider.GetRequiredService<IEventStreamSender>()); // connects lazily
        EventStreamOptions options = provider.GetRequiredService<IOptions<EventStreamOptions>>().Value;
        Assert.Equal("agent-events", options.Topic);
        Assert.Equal("agent-stream", options.Container);
    }

    [Fact]
    public void AddEventStream_ConnectionStringAsNamespace_FailsValidation()
    {
        // Arrange
        IServiceCollection services = Platform(new Dictionary<string, string?>
        {
            ["EventStream:FullyQualifiedNamespace"] = "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=secret",
        });
        services.AddEventStream(Configuration(services));
        using ServiceProvider provider = services.BuildServiceProvider();

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EventStreamOptions>>().Value);

        // Assert
        Assert.Contains("managed identity only", error.Message);
    }

    static IServiceCollection Platform(Dictionary<string, string?> settings)
    {
        settings["Storage:ConnectionString"] = "UseDevelopmentStorage=true";
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section));
        services.AddSingleton<BlobContainers>();
        services.AddSingleton(Agents.Core.Redaction.Redactor.Default);
        services.AddSingleton<IEventLog, BlobEventLog>();
        return services;
    }

    static IConfiguration Configuration(IServiceCollection services) =>
        (IConfiguration)services.Single(d => d.ServiceType == typeof(IConfiguration)).ImplementationInstance!;
}
