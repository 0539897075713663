using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Testing;

namespace Agents.Core.Tests;

/// <summary>Drives sessions through the application service, as the API does.</summary>
public sealed class SessionDriver(PlatformFixture platform)
{
    /// <summary>Who the tests act as, as the edge would name them from a token: dana asks, lee approves.</summary>
    public static readonly Caller Dana = new("dana", "contoso", []);

    public static readonly Caller Lee = new("lee", "contoso", ["approver"]);

    public static Caller DanaOf(string org) => Dana with { Org = org };

    /// <summary>The org of each session this driver created, so that later calls are made from inside it.</summary>
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> orgs = new(StringComparer.Ordinal);

    Caller InOrgOf(string sessionId, Caller who) => this.orgs.TryGetValue(sessionId, out string? org) ? who with { Org = org } : who;

    public static readonly string Ticket101 = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "tickets", "TICKET-101.md"));

    public async Task<string> CreateAsync(CreateSessionBody? body = null)
    {
        ApiResult<SessionCreatedView> created = await platform.Sessions.CreateSessionAsync(
            body ?? new CreateSessionBody("dana", "contoso", "medium", null, "test", 3600, 300, 2), DanaOf(body?.Org ?? Dana.Org));
        Assert.Null(created.Error);
        this.orgs[created.Value!.SessionId] = body?.Org ?? Dana.Org;
        return created.Value!.SessionId;
    }

    public async Task SubmitAsync(string sessionId, string input)
    {
        ApiResult<TurnAcceptedView> accepted = await platform.Sessions.SubmitTurnAsync(sessionId, new SubmitTurnBody(input, "dana"), null, this.InOrgOf(sessionId, Dana));
        Assert.Null(accepted.Error);
    }

    public async Task DecideAsync(string sessionId, int turn, string decision, string? rationale = null)
    {
        ApiResult<ApprovalAcceptedView> result = await platform.Sessions.SubmitApprovalAsync(sessionId, turn, new ApprovalBody(decision, "lee", rationale, null), "api", this.InOrgOf(sessionId, Lee));
        Assert.Null(result.Error);
    }

    public async Task<TurnView> WaitForTurnAsync(string sessionId, int turn, Func<TurnView, bool> condition) =>
        (await Eventually.MatchAsync(
            () => platform.Sessions.GetTurnAsync(sessionId, turn, this.InOrgOf(sessionId, Dana)),
            r => r.Value is not null && condition(r.Value),
            TimeSpan.FromSeconds(60),
            $"turn {turn} of {sessionId}")).Value!;

    public Task<TurnView> WaitForCompletionAsync(string sessionId, int turn) =>
        this.WaitForTurnAsync(sessionId, turn, t => t.Phase == TurnPhase.Completed.Snake());

    public async Task<SessionView> WaitForIdleAsync(string sessionId, int turns) =>
        (await Eventually.MatchAsync(() => platform.Sessions.GetSessionAsync(sessionId, this.InOrgOf(sessionId, Dana)), s => s.Value!.TurnCount == turns && s.Value.ActiveTurn is null)).Value!;
}
