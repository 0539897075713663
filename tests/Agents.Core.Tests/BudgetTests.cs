using Agents.Core.Contracts;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Testing;

namespace Agents.Core.Tests;

/// <summary>Hard token caps on the real pipeline: refused before spending, stopped with a clear status, backoff recorded.</summary>
[Collection(PlatformCollection.Name)]
public sealed class BudgetTests(PlatformFixture platform)
{
    readonly SessionDriver driver = new(platform);

    static CreateSessionBody WithBudget(int? sessionTokens = null, int? turnInputTokens = null, string org = "contoso") =>
        new("dana", org, "medium", null, "budget test", 3600, 300, 2) { Budget = new SessionBudgetBody(turnInputTokens, null, sessionTokens) };

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task Turn_PromptOverTheTurnInputCap_IsRefusedBeforeAnyModelCall()
    {
        // The plan's prompt is about 600 tokens.
        string sessionId = await this.driver.CreateAsync(WithBudget(turnInputTokens: 400));
        await this.driver.SubmitAsync(sessionId, SessionDriver.Ticket101);

        TurnView done = await this.driver.WaitForCompletionAsync(sessionId, 1);

        Assert.Equal(TurnOutcome.BudgetExhausted.Snake(), done.Outcome);
        Assert.Contains("token budget exhausted", done.Error);
        Assert.Empty(done.Graph);
        IReadOnlyList<AgentEvent> events = await platform.Events.ReadAsync(sessionId);
        Assert.DoesNotContain(events, e => e.Type == EventTypes.ModelCalled);
        Assert.Contains(events, e => e.Type == "budget.refused");
        Assert.Equal(0, done.Tokens.Total);
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task Turn_SessionCapReachedMidTurn_StopsWithBudgetExhaustedAndNoFurtherCall()
    {
        // Planning fits (≈600 in + 290 out); the patch's prompt (≈590) does not fit what is left of a 1,500-token session.
        string sessionId = await this.driver.CreateAsync(WithBudget(sessionTokens: 1500));
        await this.driver.SubmitAsync(sessionId, SessionDriver.Ticket101);

        TurnView done = await this.driver.WaitForCompletionAsync(sessionId, 1);

        Assert.Equal(TurnOutcome.BudgetExhausted.Snake(), done.Outcome);
        ActionNode draft = done.Graph.Single(n => n.Id == "draft");
        Assert.Equal(StepStatus.Failed, draft.Status);
        Assert.Contains("token budget exhausted", draft.Error);
        Assert.All(done.Graph.Where(n => n.Id is "test" or "pr"), n => Assert.Equal(StepStatus.Skipped, n.Status));
        Assert.Empty(done.Approvals);
        IReadOnlyList<AgentEvent> events = await platform.Events.ReadAsync(sessionId);
        Assert.DoesNotContain(events, e => e.Type == EventTypes.ModelCalled && e.Step == "draft");
        Assert.Single(events, e => e.Type == EventTypes.ModelCalled); // the plan; no summary call either
        Assert.Contains(events, e => e.Type == EventTypes.TurnCompleted && e.Outputs!["note"].Contains("no token budget left"));
        SessionView session = await this.driver.WaitForIdleAsync(sessionId, 1);
        Assert.True(session.Budget.Used <= 1500, $"spent {session.Budget.Used} of a 1,500-token cap");
        Assert.Equal(done.Tokens.Total, session.Budget.Used);
    }

    [Fact]
    public async Task Session_PastEightyPercentOfItsCap_BacksOffToTheSmallTier()
    {
        // Turn 1 spends ≈2,200 tokens; turn 2's plan takes the session past 80 % of 3,600 before the patch is drafted.
        string sessionId = await this.driver.CreateAsync(WithBudget(sessionTokens: 3600));
        await this.driver.SubmitAsync(sessionId, SessionDriver.Ticket101);
        await this.driver.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);
        await this.driver.DecideAsync(sessionId, 1, "deny", "not now");
        await this.driver.WaitForIdleAsync(sessionId, 1);

        await this.driver.SubmitAsync(sessionId, SessionDriver.Ticket101);
        TurnView second = await this.driver.WaitForTurnAsync(sessionId, 2, t => t.Phase == TurnPhase.Completed.Snake() || t.PendingApproval is not null);

        IReadOnlyList<AgentEvent> events = await platform.Events.ReadAsync(sessionId);
        Assert.DoesNotContain(events, e => e.Turn == 1 && e.Type == "budget.backoff");
        Assert.Single(events, e => e.Turn == 2 && e.Type == "budget.backoff");
        AgentEvent routed = Assert.Single(events, e => e.Turn == 2 && e.Type == "model.routed");
        Assert.Equal("draft", routed.Step);
        Assert.Equal("small", routed.Outputs!["tier"]);
        Assert.Contains("token cap", routed.Summary);
        Assert.True(second.Budget!.Backoff);
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task SubmitTurn_OrgDailyBudgetReserved_IsRefusedWith429UntilTurnsSettle()
    {
        // tinyorg may spend 15,000 tokens a day; a turn reserves its caps (8,000 + 2,000) until it ends.
        string first = await this.driver.CreateAsync(WithBudget(org: "tinyorg"));
        string second = await this.driver.CreateAsync(WithBudget(org: "tinyorg"));
        await this.driver.SubmitAsync(first, SessionDriver.Ticket101);
        await this.driver.WaitForTurnAsync(first, 1, t => t.PendingApproval is not null);

        ApiResult<TurnAcceptedView> refused = await platform.Sessions.SubmitTurnAsync(second, new SubmitTurnBody(SessionDriver.Ticket101, null), null, SessionDriver.DanaOf("tinyorg"));

        Assert.Equal(ApiErrorKind.TooManyRequests, refused.Error!.Kind);
        Assert.Contains("tinyorg", refused.Error.Detail);
        Assert.True(refused.Error.RetryAfterSeconds > 0);

        await this.driver.DecideAsync(first, 1, "deny", "settle it");
        await this.driver.WaitForIdleAsync(first, 1);
        ApiResult<TurnAcceptedView> accepted = await platform.Sessions.SubmitTurnAsync(second, new SubmitTurnBody(SessionDriver.Ticket101, null), null, SessionDriver.DanaOf("tinyorg"));
        Assert.Null(accepted.Error);
    }

    [Fact]
    public async Task CreateSession_BudgetLooserThanTheOrgCap_Returns400()
    {
        ApiResult<SessionCreatedView> created = await platform.Sessions.CreateSessionAsync(WithBudget(sessionTokens: 1_000_000), SessionDriver.Dana);

        Assert.Equal(ApiErrorKind.BadRequest, created.Error!.Kind);
        Assert.Contains("budget.sessionTokens", created.Error.Errors!.Keys);
    }
}
