using Agents.Core.Hosting;
using Agents.Core.Replay;
using Agents.Core.Sessions;
using Agents.Core.Slack;
using Agents.Core.Storage;
using Agents.Edge;
using Agents.Edge.Auth;
using Microsoft.AspNetCore.Rewrite;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.Extensions.FileProviders;
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
        app.UseAgentUi();
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
        builder.Services.AddSingleton(sp => new SlackSimulator(sp.GetRequiredService<IOptions<SlackOptions>>().Value.SimulatorJournal));
        builder.Services.AddChaosHooks(builder.Configuration);

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

    /// <summary>
    /// The replay UI: the static files of wwwroot (copied beside the host's assembly) under <c>/ui/</c>; <c>/</c> redirects
    /// there. The pages load nothing from another origin, and the Content-Security-Policy tells the browser so. A session's
    /// page, <c>session.html</c>, is the same shell as the sessions page (app.js picks the view from the path), so it is
    /// served from index.html rather than kept as a second copy.
    /// </summary>
    public static WebApplication UseAgentUi(this WebApplication app)
    {
        string root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (!Directory.Exists(root))
        {
            return app; // a build without the UI: the API alone
        }

        var files = new PhysicalFileProvider(root);
        var path = new PathString(UiPath);
        app.UseRewriter(new RewriteOptions().AddRewrite(@"^ui/session\.html$", "ui/index.html", skipRemainingRules: true));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = path });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = path,
            OnPrepareResponse = context =>
            {
                IHeaderDictionary headers = context.Context.Response.Headers;
                headers.CacheControl = "no-cache";
                headers.XContentTypeOptions = "nosniff";
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
            },
        });
        app.MapGet("/", () => Results.Redirect(UiPath + "/"));
        return app;
    }

    /// <summary>Where the replay UI is served; <c>{base}/ui/session.html?id={session}</c> is a session's page.</summary>
    public const string UiPath = "/ui";

    const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>The API's routes, mapped to the shared handlers. The Functions app maps the same routes to the same handlers.</summary>
    public static IEndpointRouteBuilder MapAgentApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder api = app.MapGroup("/api");
        api.MapGet(SessionListApi.ListRoute, (HttpRequest request, SessionService sessions) => SessionListApi.ListSessionsAsync(request, sessions));
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
