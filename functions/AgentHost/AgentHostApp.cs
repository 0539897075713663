using Agents.Core.Hosting;
using Agents.Core.Replay;
using Agents.Core.Sessions;
using Agents.Core.Slack;
using Agents.Core.Storage;
using Agents.Edge;
using Agents.Edge.Auth;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.Extensions.Options;

namespace AgentHost;

/// <summary>Composition of the portable host.</summary>
public static class AgentHostApp
{
    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        builder.AddAgentHost();
        WebApplication app = builder.Build();
        app.UseEdgeGate();
        app.MapDevIssuer();
        app.MapAgentApi();
        return app;
    }

    public static WebApplicationBuilder AddAgentHost(this WebApplicationBuilder builder)
    {
        builder.Services.AddAgentPlatform(builder.Configuration);
        builder.Services.AddAgentEdge(builder.Configuration);
        builder.Services.AddDevIssuer();
        builder.Services.AddSingleton<SlackSimulator>();

        DurableOptions durable = builder.Configuration.GetSection(DurableOptions.Section).Get<DurableOptions>() ?? new DurableOptions();
        var sidecar = new DurableSidecar(durable, builder.Configuration[$"{StorageOptions.Section}:{nameof(StorageOptions.ConnectionString)}"]);
        builder.Services.AddSingleton(sidecar);
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DurableSidecar>());
        builder.Services.AddDurableTaskWorker(worker =>
        {
            worker.UseGrpc(sidecar.Channel);
            worker.AddTasks(tasks => tasks.AddAgentTasks());
            worker.Configure(o =>
            {
                o.Concurrency.MaximumConcurrentActivityWorkItems = durable.MaxConcurrentActivities;
                o.Concurrency.MaximumConcurrentOrchestrationWorkItems = durable.MaxConcurrentOrchestrations;
            });
            builder.Services.Configure<GrpcDurableTaskWorkerOptions>(Options.DefaultName, DisableSilentDisconnect);
        });
        builder.Services.AddDurableTaskClient(client =>
        {
            client.UseGrpc(sidecar.Channel);
            client.RegisterDirectly();
        });
        return builder;
    }

    /// <summary>
    /// The worker reconnects when its work-item stream has been silent for two minutes, to get past dead remote
    /// sidecars. This sidecar is in process and sends no keep-alives, so every idle two minutes the reconnect raced the
    /// old stream ("another client is already connected") for a few seconds. The setting is internal in
    /// Microsoft.DurableTask.Worker.Grpc 1.28, hence reflection; if it moves, the default behaviour simply stays.
    /// </summary>
    static void DisableSilentDisconnect(GrpcDurableTaskWorkerOptions options)
    {
        object? internals = typeof(GrpcDurableTaskWorkerOptions)
            .GetProperty("Internal", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)?
            .GetValue(options);
        internals?.GetType().GetProperty("SilentDisconnectTimeout")?.SetValue(internals, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The API's routes, mapped to the shared handlers. The Functions app maps the same routes to the same handlers.</summary>
    public static IEndpointRouteBuilder MapAgentApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder api = app.MapGroup("/api");
        api.MapPost(AgentApi.SessionsRoute, (HttpRequest request, SessionService sessions) => AgentApi.CreateSessionAsync(request, sessions));
        api.MapGet(AgentApi.SessionRoute, (HttpRequest request, SessionService sessions, string sessionId) => AgentApi.GetSessionAsync(request, sessions, sessionId));
        api.MapPost(AgentApi.TurnsRoute, (HttpRequest request, SessionService sessions, string sessionId) => AgentApi.SubmitTurnAsync(request, sessions, sessionId));
        api.MapGet(AgentApi.TurnRoute, (HttpRequest request, SessionService sessions, string sessionId, string turn) => AgentApi.GetTurnAsync(request, sessions, sessionId, turn));
        api.MapPost(AgentApi.ApprovalsRoute, (HttpRequest request, SessionService sessions, string sessionId, string turn) => AgentApi.SubmitApprovalAsync(request, sessions, sessionId, turn));
        api.MapGet(AgentApi.EventsRoute, (HttpRequest request, SessionService sessions, string sessionId) => AgentApi.GetEventsAsync(request, sessions, sessionId));
        api.MapGet(AgentApi.VerifyEventsRoute, (HttpRequest request, SessionService sessions, string sessionId) => AgentApi.VerifyEventsAsync(request, sessions, sessionId));
        api.MapGet(AgentApi.PayloadRoute, (HttpRequest request, SessionService sessions, string sessionId, string sha256) => AgentApi.GetPayloadAsync(request, sessions, sessionId, sha256));
        api.MapPost(ReplayApi.ReplayRoute, (HttpRequest request, ReplayService replays, string sessionId) => ReplayApi.StartAsync(request, replays, sessionId));
        api.MapGet(ReplayApi.DiffRoute, (HttpRequest request, ReplayService replays, string sessionId) => ReplayApi.DiffAsync(request, replays, sessionId));
        api.MapGet(ReplayApi.EvalCaseRoute, (HttpRequest request, ReplayService replays, string sessionId) => ReplayApi.EvalCaseAsync(request, replays, sessionId));
        api.MapPost(SlackEndpoints.InteractionsRoute, (HttpRequest request, SlackInteractions slack) => SlackEndpoints.InteractionsAsync(request, slack));
        api.MapGet(AgentApi.HealthRoute, (DurableSidecar sidecar) => AgentApi.Health(sidecar.Backend.ToString()));
        if (app.ServiceProvider.GetRequiredService<IOptions<SlackOptions>>().Value.Simulator)
        {
            app.ServiceProvider.GetRequiredService<SlackSimulator>().Map(app, "/slack-api");
        }

        api.MapFallback((HttpContext context) => EdgeResults.Problem(StatusCodes.Status404NotFound, "No such route",
            $"{context.Request.Method} {context.Request.Path} is not part of the API; see README.md for the routes."));
        return app;
    }
}
