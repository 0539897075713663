using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Agents.Core.Tests;

/// <summary>The real platform on the real engine: the in-memory Durable Task sidecar, blobs on a private Azurite.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    readonly IDictionary<string, string?>? extraSettings;
    readonly Action<IServiceCollection>? extraServices;
    TestEnvironment? environment;
    DurableTaskTestHost? host;

    public PlatformFixture()
    {
    }

    /// <summary>
    /// A platform of its own with settings over the test defaults, and services registered before the platform's (a
    /// seam such as a fake topic wins over the platform's default); the caller initializes and disposes it.
    /// </summary>
    internal PlatformFixture(IDictionary<string, string?> extraSettings, Action<IServiceCollection>? extraServices = null)
    {
        this.extraSettings = extraSettings;
        this.extraServices = extraServices;
    }

    public string RemotesRoot => this.environment!.RemotesRoot;

    public AzuriteServer Azurite => this.environment!.Azurite;

    public DurableTaskClient Client => this.host!.Client;

    public IServiceProvider Services => this.host!.Services;

    public SessionService Sessions => ActivatorUtilities.CreateInstance<SessionService>(this.Services, this.Client);

    public IEventLog Events => this.Services.GetRequiredService<IEventLog>();

    public async Task InitializeAsync()
    {
        this.environment = await TestEnvironment.StartAsync();
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(this.environment.Settings(this.extraSettings)).Build();
        this.host = await DurableTaskTestHost.StartAsync(
            tasks => tasks.AddAgentTasks(),
            new DurableTaskTestHostOptions
            {
                ConfigureServices = services =>
                {
                    services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
                    services.AddSingleton(configuration);
                    this.extraServices?.Invoke(services);
                    services.AddAgentPlatform(configuration);
                },
            });
    }

    public async Task DisposeAsync()
    {
        if (this.host is not null)
        {
            await this.host.DisposeAsync();
        }

        if (this.environment is not null)
        {
            await this.environment.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
