using System.Diagnostics;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Testing;
using Microsoft.DurableTask.Client;

namespace Agents.Core.Tests;

/// <summary>The turn pipeline on the in-memory engine: plan → parallel steps → approve, revise, deny, timeout → summary.</summary>
[Collection(PlatformCollection.Name)]
public sealed class TurnPipelineTests(PlatformFixture platform)
{
    static readonly string Ticket101 = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "tickets", "TICKET-101.md"));

    [Fact]
    public async Task Turn_Approved_RunsIndependentStepsTogetherAndOpensOnePullRequest()
    {
        string sessionId = await this.CreateSessionAsync();
        await this.SubmitAsync(sessionId, Ticket101);

        TurnView waiting = await this.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);

        Assert.Equal(TurnPhase.AwaitingApproval.Snake(), waiting.Phase);
        Assert.Equal(6, waiting.Plan!.Plan.Steps.Count);
        Assert.Equal(["pr"], waiting.PendingApproval!.Steps);
        ActionNode search = waiting.Graph.Single(n => n.Id == "search");
        ActionNode readTests = waiting.Graph.Single(n => n.Id == "read-tests");
        Assert.Equal(search.StartedAt, readTests.StartedAt); // scheduled in the same orchestrator step: they ran in parallel
        Assert.All(waiting.Graph.Where(n => n.Id != "pr"), n => Assert.Equal(StepStatus.Succeeded, n.Status));
        Assert.Contains("tests passed", waiting.Graph.Single(n => n.Id == "test").OutputPreview);
        Assert.False(Directory.Exists(Path.Combine(platform.RemotesRoot, "inventory-service.pulls")) &&
            Directory.EnumerateFiles(Path.Combine(platform.RemotesRoot, "inventory-service.pulls")).Any(f => f.Contains(sessionId)));

        await this.DecideAsync(sessionId, 1, "approve");
        TurnView done = await this.WaitForTurnAsync(sessionId, 1, t => t.Phase == TurnPhase.Completed.Snake());

        Assert.Equal(TurnOutcome.Completed.Snake(), done.Outcome);
        Assert.Contains("pull request is open", done.Summary);
        Assert.Single(done.Approvals, a => a.Resolution == ApprovalResolution.Approved && a.Approver == "lee");
        string record = Assert.Single(Directory.EnumerateFiles(Path.Combine(platform.RemotesRoot, "inventory-service.pulls"), $"*{sessionId}*"));
        Assert.Contains(waiting.PendingApproval.ApprovalId, await File.ReadAllTextAsync(record));
        string pushed = await GitAsync(platform.RemotesRoot, "--git-dir", "inventory-service.git", "show", $"agent/{sessionId}-t1:inventory/pagination.py");
        Assert.Contains("start = (page - 1) * page_size", pushed);

        IReadOnlyList<AgentEvent> events = await platform.Events.ReadAsync(sessionId);
        EventLogAssert.IsIntactAndExactlyOnce(events);
        string[] types = events.Select(e => e.Type).ToArray();
        Assert.Equal(EventTypes.SessionCreated, types[0]);
        Assert.Single(types, EventTypes.TurnCompleted);
        Assert.True(Array.IndexOf(types, EventTypes.PlanPreviewed) < events.ToList().FindIndex(e => e.Type == EventTypes.StepCompleted));
        int approved = events.ToList().FindIndex(e => e.Type == EventTypes.ApprovalResolved);
        int prRan = events.ToList().FindIndex(e => e.Step == "pr" && e.Type == EventTypes.StepCompleted);
        Assert.True(approved >= 0 && approved < prRan, "the push must come after the approval in the log");
    }

    [Fact]
    public async Task Turn_Denied_StopsTheGatedStepAndPushesNothing()
    {
        string sessionId = await this.CreateSessionAsync();
        await this.SubmitAsync(sessionId, Ticket101);
        await this.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);

        await this.DecideAsync(sessionId, 1, "deny", "not this sprint");
        TurnView done = await this.WaitForTurnAsync(sessionId, 1, t => t.Phase == TurnPhase.Completed.Snake());

        Assert.Equal(TurnOutcome.Stopped.Snake(), done.Outcome);
        Assert.Equal(StepStatus.Denied, done.Graph.Single(n => n.Id == "pr").Status);
        Assert.Contains("not this sprint", done.Graph.Single(n => n.Id == "pr").Error);
        Assert.Contains("was not opened", done.Summary);
        string heads = await GitAsync(platform.RemotesRoot, "--git-dir", "inventory-service.git", "branch", "--list", $"agent/{sessionId}-t1");
        Assert.Equal(string.Empty, heads.Trim());
    }

    [Fact]
    public async Task Turn_Revised_ReplansWithTheRationaleAndShipsTheRevisedPatch()
    {
        string sessionId = await this.CreateSessionAsync();
        await this.SubmitAsync(sessionId, Ticket101);
        await this.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);

        await this.DecideAsync(sessionId, 1, "revise", "Also add a changelog note to the README");
        TurnView revised = await this.WaitForTurnAsync(sessionId, 1, t => t.Revision == 1 && t.PendingApproval is not null);

        Assert.Contains(revised.Plan!.Plan.Steps, s => s.Id == "read-readme");
        Assert.Equal(ApprovalResolution.Revised, Assert.Single(revised.Approvals).Resolution);
        await this.DecideAsync(sessionId, 1, "approve");
        TurnView done = await this.WaitForTurnAsync(sessionId, 1, t => t.Phase == TurnPhase.Completed.Snake());
        Assert.Equal(TurnOutcome.Completed.Snake(), done.Outcome);
        string readme = await GitAsync(platform.RemotesRoot, "--git-dir", "inventory-service.git", "show", $"agent/{sessionId}-t1:README.md");
        Assert.Contains("## Changelog", readme);
        IReadOnlyList<AgentEvent> events = await platform.Events.ReadAsync(sessionId);
        EventLogAssert.IsIntactAndExactlyOnce(events);
        Assert.Equal(2, events.Count(e => e.Type == EventTypes.PlanPreviewed));
        Assert.Contains(events, e => e.Type == EventTypes.PlanPreviewed && e.Revision == 1 && e.Inputs!["reviewerRationale"].Contains("changelog"));
    }

    [Fact]
    public async Task Turn_NoDecisionBeforeTimeout_DeniesTheGatedStep()
    {
        string sessionId = await this.CreateSessionAsync(approvalTimeoutSeconds: 2);
        await this.SubmitAsync(sessionId, Ticket101);

        TurnView done = await this.WaitForTurnAsync(sessionId, 1, t => t.Phase == TurnPhase.Completed.Snake());

        Assert.Equal(TurnOutcome.Stopped.Snake(), done.Outcome);
        Assert.Equal(StepStatus.TimedOut, done.Graph.Single(n => n.Id == "pr").Status);
        Assert.Equal(ApprovalResolution.TimedOut, Assert.Single(done.Approvals).Resolution);
    }

    [Fact]
    public async Task Turn_ReviseBeyondTheLimit_CountsAsDeny()
    {
        string sessionId = await this.CreateSessionAsync(maxRevisions: 0);
        await this.SubmitAsync(sessionId, Ticket101);
        await this.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);

        await this.DecideAsync(sessionId, 1, "revise", "try again");
        TurnView done = await this.WaitForTurnAsync(sessionId, 1, t => t.Phase == TurnPhase.Completed.Snake());

        Assert.Equal(0, done.Revision);
        ApprovalRecord record = Assert.Single(done.Approvals);
        Assert.Equal(ApprovalResolution.Denied, record.Resolution);
        Assert.Contains("revision limit (0) reached", record.Rationale);
    }

    [Fact]
    public async Task Turn_DecisionNamingAnotherApproval_IsRecordedAndChangesNothing()
    {
        string sessionId = await this.CreateSessionAsync();
        await this.SubmitAsync(sessionId, Ticket101);
        TurnView waiting = await this.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);

        // A late click from some other request reaches the turn directly (the API itself refuses it: see below).
        await platform.Client.RaiseEventAsync(Ids.TurnInstanceId(sessionId, 1), ApprovalDecision.EventName,
            new ApprovalDecision("s-other:t-1:a-1", ApprovalDecisionKind.Approve, "mallory", null, DateTime.UtcNow, "api"));
        TurnView stillWaiting = await this.WaitForTurnAsync(sessionId, 1, t => t.Approvals.Count == 1);
        ApiResult<ApprovalAcceptedView> stale = await platform.Sessions.SubmitApprovalAsync(sessionId, 1,
            new ApprovalBody("approve", "mallory", null, "s-other:t-1:a-1"), "api", SessionDriver.Lee with { User = "mallory" });

        Assert.Equal(ApprovalResolution.Ignored, stillWaiting.Approvals[0].Resolution);
        Assert.Equal(waiting.PendingApproval!.ApprovalId, stillWaiting.PendingApproval!.ApprovalId);
        Assert.Equal(StepStatus.AwaitingApproval, stillWaiting.Graph.Single(n => n.Id == "pr").Status);
        Assert.Equal(ApiErrorKind.Conflict, stale.Error!.Kind);

        await this.DecideAsync(sessionId, 1, "approve");
        TurnView done = await this.WaitForTurnAsync(sessionId, 1, t => t.Phase == TurnPhase.Completed.Snake());
        Assert.Equal(TurnOutcome.Completed.Snake(), done.Outcome);
    }

    [Fact]
    public async Task Turn_WithoutARecording_FailsClearlyAndTheSessionTakesTheNextTurn()
    {
        string sessionId = await this.CreateSessionAsync();
        await this.SubmitAsync(sessionId, "Please refactor everything.");

        TurnView failed = await this.WaitForTurnAsync(sessionId, 1, t => t.Phase == TurnPhase.Completed.Snake());

        Assert.Equal(TurnOutcome.Failed.Snake(), failed.Outcome);
        Assert.Contains("offline model has no recorded output", failed.Error);
        Assert.Empty(failed.Graph);
        await Eventually.MatchAsync(() => platform.Sessions.GetSessionAsync(sessionId, SessionDriver.Dana), s => s.Value!.TurnCount == 1 && s.Value.ActiveTurn is null);
        ApiResult<TurnAcceptedView> next = await platform.Sessions.SubmitTurnAsync(sessionId, new SubmitTurnBody(Ticket101, null), null, SessionDriver.Dana);
        Assert.Equal(2, next.Value!.Turn);
        await this.WaitForTurnAsync(sessionId, 2, t => t.PendingApproval is not null);
    }

    [Fact]
    public async Task Turn_StepFails_SkipsWhatDependsOnItAndRunsTheRest()
    {
        string sessionId = await this.CreateSessionAsync();
        await this.SubmitAsync(sessionId, "TEST-FAILSTEP: read a file that does not exist");

        TurnView done = await this.WaitForTurnAsync(sessionId, 1, t => t.Phase == TurnPhase.Completed.Snake());

        Assert.Equal(TurnOutcome.Failed.Snake(), done.Outcome);
        Assert.Equal(StepStatus.Failed, done.Graph.Single(n => n.Id == "missing").Status);
        Assert.Contains("does not exist", done.Graph.Single(n => n.Id == "missing").Error);
        Assert.Equal(StepStatus.Succeeded, done.Graph.Single(n => n.Id == "listing").Status);
        Assert.Equal(StepStatus.Skipped, done.Graph.Single(n => n.Id == "draft").Status);
        Assert.Equal(StepStatus.Skipped, done.Graph.Single(n => n.Id == "pr").Status);
        Assert.Empty(done.Approvals); // nothing asked a human for a step that could not run
        Assert.StartsWith("Failed: 1 of 4 steps succeeded", done.Summary); // the factual summary: no recording for it
    }

    [Theory]
    [InlineData("TEST-BADPLAN", "unknown tool 'delete_repository'")]
    [InlineData("TEST-CYCLE", "form a cycle")]
    public async Task Turn_InvalidPlan_IsRejectedBeforeAnyToolRuns(string ticket, string reason)
    {
        string sessionId = await this.CreateSessionAsync();
        await this.SubmitAsync(sessionId, ticket);

        TurnView done = await this.WaitForTurnAsync(sessionId, 1, t => t.Phase == TurnPhase.Completed.Snake());

        Assert.Equal(TurnOutcome.Failed.Snake(), done.Outcome);
        Assert.Contains(reason, done.Error);
        Assert.Empty(done.Graph);
        IReadOnlyList<AgentEvent> events = await platform.Events.ReadAsync(sessionId);
        Assert.Contains(events, e => e.Type == EventTypes.PlanRejected && e.Summary.Contains(reason));
        Assert.DoesNotContain(events, e => e.Type is EventTypes.StepCompleted or EventTypes.StepFailed);
    }

    [Fact]
    public async Task SubmitTurn_WhileATurnIsRunning_Conflicts()
    {
        string sessionId = await this.CreateSessionAsync();
        await this.SubmitAsync(sessionId, Ticket101);
        await this.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);

        ApiResult<TurnAcceptedView> second = await platform.Sessions.SubmitTurnAsync(sessionId, new SubmitTurnBody("another", null), null, SessionDriver.Dana);

        Assert.Equal(ApiErrorKind.Conflict, second.Error!.Kind);
        Assert.Contains("Turn 1", second.Error.Detail);
    }

    [Fact]
    public async Task SubmitTurn_RetriedWithTheSameIdempotencyKey_IsAcceptedOnce()
    {
        string sessionId = await this.CreateSessionAsync();

        ApiResult<TurnAcceptedView> first = await platform.Sessions.SubmitTurnAsync(sessionId, new SubmitTurnBody(Ticket101, null), "retry-1", SessionDriver.Dana);
        ApiResult<TurnAcceptedView> again = await platform.Sessions.SubmitTurnAsync(sessionId, new SubmitTurnBody(Ticket101, null), "retry-1", SessionDriver.Dana);

        Assert.Equal(1, first.Value!.Turn);
        Assert.Equal(1, again.Value!.Turn);
        await this.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);
        IReadOnlyList<AgentEvent> events = await platform.Events.ReadAsync(sessionId);
        Assert.Single(events, e => e.Type == EventTypes.TurnAccepted);
        Assert.Single(events, e => e.Type == EventTypes.TurnStarted);
    }

    [Fact]
    public async Task Session_IdleBeyondItsTtl_ExpiresAndRefusesTurns()
    {
        string sessionId = await this.CreateSessionAsync(idleTtlSeconds: 2);

        ApiResult<SessionView> expired = await Eventually.MatchAsync(
            () => platform.Sessions.GetSessionAsync(sessionId, SessionDriver.Dana), s => s.Value?.Status == "expired", TimeSpan.FromSeconds(30), "session expiry");
        ApiResult<TurnAcceptedView> late = await platform.Sessions.SubmitTurnAsync(sessionId, new SubmitTurnBody(Ticket101, null), null, SessionDriver.Dana);

        Assert.Equal(0, expired.Value!.TurnCount);
        Assert.Equal(ApiErrorKind.Conflict, late.Error!.Kind);
        Assert.Contains(await platform.Events.ReadAsync(sessionId), e => e.Type == EventTypes.SessionExpired);
    }

    [Fact]
    public async Task Session_AfterTurns_KeepsTheLedgerAndSummaries()
    {
        string sessionId = await this.CreateSessionAsync();
        await this.SubmitAsync(sessionId, Ticket101);
        await this.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);
        await this.DecideAsync(sessionId, 1, "approve");
        TurnView turn = await this.WaitForTurnAsync(sessionId, 1, t => t.Phase == TurnPhase.Completed.Snake());

        ApiResult<SessionView> session = await Eventually.MatchAsync(() => platform.Sessions.GetSessionAsync(sessionId, SessionDriver.Dana), s => s.Value!.TurnCount == 1);

        SessionView view = session.Value!;
        Assert.Equal("idle", view.Status);
        Assert.Equal(turn.Tokens.Total, view.Budget.Used);
        Assert.True(view.Budget.Used > 1000, $"real token counts expected, got {view.Budget.Used}");
        Assert.Equal(40_000 - view.Budget.Used, view.Budget.Remaining);
        int logged = (await platform.Events.ReadAsync(sessionId)).Where(e => e.Type == EventTypes.ModelCalled).Sum(e => e.Tokens!.Total);
        Assert.Equal(logged, view.Budget.Used); // the ledger counts each call once, as the log does
        Assert.Equal(logged, turn.Tokens.Total);
        Assert.Equal(TurnOutcome.Completed.Snake(), Assert.Single(view.Turns).Outcome);
        Assert.Empty(view.PendingApprovals);
    }

    async Task<string> CreateSessionAsync(int approvalTimeoutSeconds = 300, int maxRevisions = 2, int idleTtlSeconds = 3600)
    {
        ApiResult<SessionCreatedView> created = await platform.Sessions.CreateSessionAsync(
            new CreateSessionBody("dana", "contoso", "medium", null, "test", idleTtlSeconds, approvalTimeoutSeconds, maxRevisions), SessionDriver.Dana);
        Assert.Null(created.Error);
        return created.Value!.SessionId;
    }

    async Task SubmitAsync(string sessionId, string input)
    {
        ApiResult<TurnAcceptedView> accepted = await platform.Sessions.SubmitTurnAsync(sessionId, new SubmitTurnBody(input, "dana"), null, SessionDriver.Dana);
        Assert.Null(accepted.Error);
    }

    async Task DecideAsync(string sessionId, int turn, string decision, string? rationale = null)
    {
        ApiResult<ApprovalAcceptedView> result = await platform.Sessions.SubmitApprovalAsync(sessionId, turn, new ApprovalBody(decision, "lee", rationale, null), "api", SessionDriver.Lee);
        Assert.Null(result.Error);
    }

    async Task<TurnView> WaitForTurnAsync(string sessionId, int turn, Func<TurnView, bool> condition) =>
        (await Eventually.MatchAsync(
            () => platform.Sessions.GetTurnAsync(sessionId, turn, SessionDriver.Dana),
            r => r.Value is not null && condition(r.Value),
            TimeSpan.FromSeconds(60),
            $"turn {turn} of {sessionId}")).Value!;

    static async Task<string> GitAsync(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process git = Process.Start(start)!;
        string output = await git.StandardOutput.ReadToEndAsync();
        await git.WaitForExitAsync();
        return output;
    }
}
