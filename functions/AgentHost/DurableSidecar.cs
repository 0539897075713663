using System.Net;
using System.Net.Sockets;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;

namespace AgentHost;

/// <summary>
/// The Durable Task engine in process: a gRPC sidecar (<see cref="TaskHubGrpcServer"/>) on a loopback port over the
/// chosen backend. The worker and client talk to it exactly as they would to a remote sidecar. Registered as the first
/// hosted service, so it is listening before the worker connects and stops after the worker.
/// </summary>
public sealed class DurableSidecar : IHostedService, IAsyncDisposable
{
    readonly DurableOptions options;
    readonly string? connectionString;
    readonly string? socketPath;
    WebApplication? server;
    IOrchestrationService? backend;

    readonly ILoggerFactory loggerFactory;

    public DurableSidecar(DurableOptions options, string? storageConnectionString, ILoggerFactory? loggerFactory = null)
    {
        this.loggerFactory = loggerFactory ?? LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(options.LogLevel));
        this.options = options;
        this.connectionString = options.ConnectionString ?? storageConnectionString;
        var channelOptions = new GrpcChannelOptions { MaxReceiveMessageSize = 16 * 1024 * 1024 };
        if (options.SidecarPort > 0)
        {
            this.Address = $"http://127.0.0.1:{options.SidecarPort}";
        }
        else
        {
            // By default the sidecar listens on a Unix domain socket private to this process: no port to collide on,
            // nothing reachable from the network.
            this.socketPath = Path.Combine(Path.GetTempPath(), $"agentfn-sidecar-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
            this.Address = $"unix:{this.socketPath}";
            string path = this.socketPath;
            channelOptions.HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
        }

        this.Channel = GrpcChannel.ForAddress(this.socketPath is null ? this.Address : "http://localhost", channelOptions);
    }

    public string Address { get; }

    public GrpcChannel Channel { get; }

    public DurableBackend Backend => this.options.Backend;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        object service = await this.CreateBackendAsync().ConfigureAwait(false);
        this.backend = (IOrchestrationService)service;
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().SetMinimumLevel(this.options.LogLevel);
        builder.WebHost.ConfigureKestrel(k =>
        {
            if (this.socketPath is null)
            {
                k.Listen(IPAddress.Loopback, this.options.SidecarPort, l => l.Protocols = HttpProtocols.Http2);
            }
            else
            {
                k.ListenUnixSocket(this.socketPath, l => l.Protocols = HttpProtocols.Http2);
            }
        });
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 16 * 1024 * 1024);
        builder.Services.AddSingleton((IOrchestrationService)service);
        builder.Services.AddSingleton((IOrchestrationServiceClient)service);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        this.server = builder.Build();
        this.server.MapGrpcService<TaskHubGrpcServer>();
        await this.server.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (this.server is not null)
        {
            await this.server.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        // The sidecar stops its dispatchers from a fire-and-forget handler; stop the backend here as well so that
        // when this returns no poller is left holding queue messages or partition leases (a new host takes over at once).
        if (this.backend is not null)
        {
            try
            {
                await this.backend.StopAsync(isForced: false).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                // Already stopped by the sidecar.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        this.Channel.Dispose();
        if (this.server is not null)
        {
            await this.server.DisposeAsync().ConfigureAwait(false);
        }

        if (this.socketPath is not null)
        {
            File.Delete(this.socketPath);
        }
    }

    async Task<object> CreateBackendAsync()
    {
        if (this.options.Backend == DurableBackend.InMemory)
        {
            return new InMemoryOrchestrationService();
        }

        if (string.IsNullOrWhiteSpace(this.connectionString))
        {
            throw new InvalidOperationException("The AzureStorage backend needs Durable:ConnectionString or Storage:ConnectionString (local: UseDevelopmentStorage=true with Azurite).");
        }

        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = this.options.TaskHub,
            StorageAccountClientProvider = new StorageAccountClientProvider(this.connectionString),
            MaxQueuePollingInterval = TimeSpan.FromSeconds(this.options.MaxQueuePollingIntervalSeconds),
            MaxConcurrentTaskActivityWorkItems = this.options.MaxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = this.options.MaxConcurrentOrchestrations,
            PartitionCount = this.options.PartitionCount,
            CustomMessageTypeBinder = new ProtobufMapBinder(),
            LoggerFactory = this.loggerFactory,
        };
        if (this.options.ControlQueueVisibilityTimeoutSeconds is double control)
        {
            settings.ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(control);
        }

        if (this.options.WorkItemQueueVisibilityTimeoutSeconds is double workItem)
        {
            settings.WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(workItem);
        }

        if (this.options.LeaseIntervalSeconds is double lease)
        {
            settings.LeaseInterval = TimeSpan.FromSeconds(lease);
            settings.LeaseRenewInterval = TimeSpan.FromSeconds(lease / 3);
            settings.LeaseAcquireInterval = TimeSpan.FromSeconds(lease / 3);
        }

        if (this.options.UseAppLease is bool appLease)
        {
            settings.UseAppLease = appLease;
        }

        var service = new AzureStorageOrchestrationService(settings);
        await service.CreateIfNotExistsAsync().ConfigureAwait(false);
        return new SidecarCompatibleService(service);
    }
}
