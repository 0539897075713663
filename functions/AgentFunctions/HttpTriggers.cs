using Agents.Core.Sessions;
using Agents.Edge;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions;

/// <summary>
/// The API's routes (under the host's <c>api</c> prefix), one trigger each, calling the same <see cref="AgentApi"/>
/// handlers as the portable host's <c>MapAgentApi</c>.
/// </summary>
public static class HttpTriggers
{
    [Function(nameof(Health))]
    public static IActionResult Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AgentApi.HealthRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client) =>
        new HandlerResult(AgentApi.Health("DurableFunctions"));

    /// <summary>Slack's callbacks: authenticated by Slack's signature. The Durable client raises the decision.</summary>
    [Function(nameof(SlackInteractions))]
    public static async Task<IActionResult> SlackInteractions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = SlackEndpoints.InteractionsRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client) =>
        new HandlerResult(await SlackEndpoints.InteractionsAsync(
            req, ActivatorUtilities.CreateInstance<Agents.Core.Slack.SlackInteractions>(req.HttpContext.RequestServices, Sessions(req, client))));

    [Function(nameof(CreateSession))]
    public static async Task<IActionResult> CreateSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AgentApi.SessionsRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client) =>
        new HandlerResult(await AgentApi.CreateSessionAsync(req, Sessions(req, client)));

    [Function(nameof(ListSessions))]
    public static async Task<IActionResult> ListSessions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SessionListApi.ListRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client) =>
        new HandlerResult(await SessionListApi.ListSessionsAsync(req, Sessions(req, client)));

    [Function(nameof(GetSession))]
    public static async Task<IActionResult> GetSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AgentApi.SessionRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        string sessionId) =>
        new HandlerResult(await AgentApi.GetSessionAsync(req, Sessions(req, client), sessionId));

    [Function(nameof(SubmitTurn))]
    public static async Task<IActionResult> SubmitTurn(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AgentApi.TurnsRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        string sessionId) =>
        new HandlerResult(await AgentApi.SubmitTurnAsync(req, Sessions(req, client), sessionId));

    [Function(nameof(GetTurn))]
    public static async Task<IActionResult> GetTurn(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AgentApi.TurnRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        string sessionId,
        string turn) =>
        new HandlerResult(await AgentApi.GetTurnAsync(req, Sessions(req, client), sessionId, turn));

    [Function(nameof(SubmitApproval))]
    public static async Task<IActionResult> SubmitApproval(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AgentApi.ApprovalsRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        string sessionId,
        string turn) =>
        new HandlerResult(await AgentApi.SubmitApprovalAsync(req, Sessions(req, client), sessionId, turn));

    [Function(nameof(GetEvents))]
    public static async Task<IActionResult> GetEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AgentApi.EventsRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        string sessionId) =>
        new HandlerResult(await AgentApi.GetEventsAsync(req, Sessions(req, client), sessionId));

    [Function(nameof(VerifyEvents))]
    public static async Task<IActionResult> VerifyEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AgentApi.VerifyEventsRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        string sessionId) =>
        new HandlerResult(await AgentApi.VerifyEventsAsync(req, Sessions(req, client), sessionId));

    [Function(nameof(StartReplay))]
    public static async Task<IActionResult> StartReplay(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ReplayApi.ReplayRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        string sessionId) =>
        new HandlerResult(await ReplayApi.StartAsync(req, Replays(req, client), sessionId));

    [Function(nameof(GetReplayDiff))]
    public static async Task<IActionResult> GetReplayDiff(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ReplayApi.DiffRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        string sessionId) =>
        new HandlerResult(await ReplayApi.DiffAsync(req, Replays(req, client), sessionId));

    [Function(nameof(GetEvalCase))]
    public static async Task<IActionResult> GetEvalCase(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ReplayApi.EvalCaseRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        string sessionId) =>
        new HandlerResult(await ReplayApi.EvalCaseAsync(req, Replays(req, client), sessionId));

    [Function(nameof(GetPayload))]
    public static async Task<IActionResult> GetPayload(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AgentApi.PayloadRoute)] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        string sessionId,
        string sha256) =>
        new HandlerResult(await AgentApi.GetPayloadAsync(req, Sessions(req, client), sessionId, sha256));

    /// <summary>The application service over this invocation's Durable client, with the rest from the request's services.</summary>
    static SessionService Sessions(HttpRequest req, DurableTaskClient client) =>
        ActivatorUtilities.CreateInstance<SessionService>(req.HttpContext.RequestServices, client);

    static Agents.Core.Replay.ReplayService Replays(HttpRequest req, DurableTaskClient client) =>
        ActivatorUtilities.CreateInstance<Agents.Core.Replay.ReplayService>(req.HttpContext.RequestServices, client);

    /// <summary>
    /// Runs a shared handler's <see cref="IResult"/> on the HttpContext. <see cref="IActionResult"/> is the return type
    /// the Functions ASP.NET Core integration documents; <see cref="IResult"/> is what the handlers return for both hosts.
    /// </summary>
    sealed class HandlerResult(IResult result) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
    }
}
