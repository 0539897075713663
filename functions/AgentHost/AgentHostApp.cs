using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Edge;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;

namespace AgentHost;

/// <summary>Composition of the portable host.</summary>
public static class AgentHostApp
{
    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        builder.AddAgentHost();
        WebApplication app = builder.Build();
        app.MapAgentApi();
        return app;
    }

    public static WebApplicationBuilder AddAgentHost(this WebApplicationBuilder builder)
    {
        builder.Services.AddAgentPlatform(builder.Configuration);
        builder.Services.AddAgentEdge();

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
        });
        builder.Services.AddDurableTaskClient(client =>
        {
            client.UseGrpc(sidecar.Channel);
            client.RegisterDirectly();
        });
        return builder;
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
        api.MapGet(AgentApi.PayloadRoute, (HttpRequest request, SessionService sessions, string sessionId, string sha256) => AgentApi.GetPayloadAsync(request, sessions, sessionId, sha256));
        api.MapGet(AgentApi.HealthRoute, (DurableSidecar sidecar) => AgentApi.Health(sidecar.Backend.ToString()));
        api.MapFallback((HttpContext context) => EdgeResults.Problem(StatusCodes.Status404NotFound, "No such route",
            $"{context.Request.Method} {context.Request.Path} is not part of the API; see README.md for the routes."));
        return app;
    }
}
