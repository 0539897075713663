using Agents.Core.Contracts;
using Microsoft.DurableTask;

namespace Agents.Core.Orchestrations;

/// <summary>
/// One per session, instance id <c>s-{id}</c>. Eternal: waits for the next <see cref="TurnRequested"/>, runs it as a
/// <see cref="Turn"/> sub-orchestration, then continues as new with the updated ledger; ends after the idle TTL.
/// The custom status is the session's queryable summary.
/// </summary>
public static class Session
{
    public static async Task<SessionOutcome> RunAsync(TaskOrchestrationContext context, SessionState state)
    {
        string sessionId = state.Metadata.SessionId;
        DateTime expiresAt = state.LastActivityAt + state.IdleTtl;
        context.SetCustomStatus(Status(state, SessionPhase.Idle, activeTurn: null, expiresAt));

        TurnRequested request;
        if (state.Queued.Count > 0)
        {
            // Queued turns (a replay's) run first, one after the other, without waiting for a request.
            request = state.Queued[0];
            state = state with { Queued = state.Queued.Skip(1).ToList() };
        }
        else
        {
            using (var cancel = new CancellationTokenSource())
            {
                Task<TurnRequested> next = context.WaitForExternalEvent<TurnRequested>(TurnRequested.EventName, cancel.Token);
                Task idle = context.CreateTimer(expiresAt, cancel.Token);
                if (await Task.WhenAny(next, idle) == idle)
                {
                    cancel.Cancel();
                    await context.CallActivityAsync(
                        ActivityNames.AppendEvents,
                        new AppendEventsRequest(sessionId, [
                            new EventDraft($"{Ids.SessionInstanceId(sessionId)}/{EventTypes.SessionExpired}", EventTypes.SessionExpired, sessionId,
                                $"idle for {state.IdleTtl}; session closed after {state.TurnCount} turn(s)")
                            {
                                Time = context.CurrentUtcDateTime,
                            },
                        ]),
                        Turn.ActivityRetry);

                    // Set after the event is logged, so a client that sees "expired" finds it in the log too.
                    context.SetCustomStatus(Status(state, SessionPhase.Expired, activeTurn: null, expiresAt));
                    return new SessionOutcome(sessionId, "expired", state.TurnCount, state.Budget);
                }

                cancel.Cancel();
                request = await next;
            }
        }

        if (request.Turn != state.TurnCount + 1)
        {
            // A duplicate delivery of a turn this session already ran (or a stray number): nothing to do.
            context.ContinueAsNew(state, preserveUnprocessedEvents: true);
            return new SessionOutcome(sessionId, "continued", state.TurnCount, state.Budget);
        }

        context.SetCustomStatus(Status(state, SessionPhase.Running, request.Turn, expiresAt: null));
        var input = new TurnInput(state.Metadata, request.Turn, request.RequestId, request.Input, request.RequestedBy, state.Budget, state.TurnSettings)
        {
            LongContext = request.LongContext,
            AcceptedAt = request.RequestedAt,
        };
        TurnSummary summary;
        BudgetLedger budget = state.Budget;
        try
        {
            TurnResult result = await context.CallSubOrchestratorAsync<TurnResult>(
                nameof(Turn),
                input,
                new SubOrchestrationOptions { InstanceId = Ids.TurnInstanceId(sessionId, request.Turn) });
            budget = budget.Add(result.Tokens, result.CostUsd);
            summary = new TurnSummary(request.Turn, result.Outcome, result.Summary, result.Tokens, context.CurrentUtcDateTime);
        }
        catch (TaskFailedException failure)
        {
            summary = new TurnSummary(request.Turn, TurnOutcome.Failed, $"turn failed: {failure.FailureDetails.ErrorMessage}", TokenUsage.Zero, context.CurrentUtcDateTime);
        }

        var recent = state.RecentTurns.Append(summary).TakeLast(SessionState.RecentTurnsKept).ToList();
        context.ContinueAsNew(
            state with { Budget = budget, TurnCount = request.Turn, LastActivityAt = context.CurrentUtcDateTime, RecentTurns = recent },
            preserveUnprocessedEvents: true);
        return new SessionOutcome(sessionId, "continued", request.Turn, budget);
    }

    static SessionStatus Status(SessionState state, SessionPhase phase, int? activeTurn, DateTime? expiresAt) =>
        new(state.Metadata, phase, state.TurnCount, activeTurn, state.Budget, expiresAt, state.RecentTurns);
}
