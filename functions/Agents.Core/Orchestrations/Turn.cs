using Agents.Core.Contracts;
using Agents.Core.LongTermMemory;
using Microsoft.DurableTask;

namespace Agents.Core.Orchestrations;

/// <summary>
/// One user turn, instance id <c>s-{id}:t-{n}</c>: retrieve from long-term memory → plan → publish the plan preview → run the Action Graph
/// (independent steps in parallel; gated steps wait for a human) → summarise. Deterministic: every I/O is an activity,
/// time comes from the context.
/// </summary>
public static class Turn
{
    public static Task<TurnResult> RunAsync(TaskOrchestrationContext context, TurnInput input) =>
        new TurnRun(context, input).ExecuteAsync();

    /// <summary>Retries for infrastructure faults in activities; tool and model errors come back as results, not throws.</summary>
    internal static readonly TaskOptions ActivityRetry =
        TaskOptions.FromRetryPolicy(new RetryPolicy(maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2));

    /// <summary>Decisions naming a request that is not open are recorded and ignored, up to this many per request.</summary>
    public const int MaxStaleDecisions = 50;

    public const int PlanOutputTokens = 1500;
    public const int SummaryOutputTokens = 400;

    /// <summary>Below this an allotment is not worth a call: the turn stops for budget instead.</summary>
    public static readonly TokenUsage MinimumAllotment = new(256, 64);

    sealed class TurnRun(TaskOrchestrationContext context, TurnInput input)
    {
        readonly string sessionId = input.Session.SessionId;
        readonly string instanceId = Ids.TurnInstanceId(input.Session.SessionId, input.Turn);
        readonly List<ApprovalRecord> approvals = [];
        readonly List<EventDraft> pendingEvents = [];
        readonly List<RecordedSpan> pendingSpans = [];
        readonly DateTime startedAt = context.CurrentUtcDateTime;
        TurnPhase phase = TurnPhase.Planning;
        int revision;
        int approvalSequence;
        PlanPreview? preview;
        ActionGraph? graph;
        PendingApproval? pendingApproval;
        TokenUsage tokens = TokenUsage.Zero;
        TokenUsage reserved = TokenUsage.Zero;
        decimal cost;
        string? error;
        bool budgetExhausted;
        bool backoffLogged;
        CloseApproval? closing;
        readonly Dictionary<string, int> replayedDecisions = new(StringComparer.Ordinal);

        public async Task<TurnResult> ExecuteAsync()
        {
            this.Publish();
            string? rationale = null;
            PayloadRef? memory = await this.RetrieveAsync();

            // One plan per revision: the first, plus at most MaxRevisions re-plans asked for by a reviewer.
            for (int attempt = 0; attempt <= input.Settings.MaxRevisions; attempt++)
            {
                if (this.Allot(PlanOutputTokens) is not { } allotment)
                {
                    this.budgetExhausted = true;
                    this.error = $"token budget exhausted before planning: {this.BudgetText()}";
                    break;
                }

                PlanTurnResult planned;
                try
                {
                    planned = await context.CallActivityAsync<PlanTurnResult>(
                        ActivityNames.PlanTurn,
                        new PlanTurnRequest(input.Session, input.Turn, this.revision, input.Input, rationale, this.preview?.PlanRef, allotment)
                        {
                            LongContext = input.LongContext,
                            Memory = memory,
                            Budget = this.PolicyBudget(),
                        },
                        ActivityRetry);
                }
                catch (TaskFailedException failure)
                {
                    // An infrastructure fault on every retry: the turn still ends properly, with the reason.
                    planned = new PlanTurnResult(null, null, $"planning failed: {failure.FailureDetails.ErrorMessage}", null);
                }

                this.Settle(allotment, planned.Model);

                if (planned.Plan is null || planned.PlanRef is null)
                {
                    this.budgetExhausted = planned.BudgetExhausted;
                    this.error = planned.Error ?? "the planner returned no plan";
                    break;
                }

                this.graph = ActionGraph.FromPlan(planned.Plan);
                this.preview = new PlanPreview(this.revision, planned.Plan, planned.PlanRef, context.CurrentUtcDateTime);
                this.phase = TurnPhase.Running;
                this.Publish();

                string? revise = await this.RunGraphAsync();
                if (revise is null)
                {
                    break;
                }

                this.revision++;
                rationale = revise;
                this.phase = TurnPhase.Planning;
                this.Publish();
            }

            TurnOutcome outcome = this.budgetExhausted ? TurnOutcome.BudgetExhausted
                : this.graph is null || this.error is not null ? TurnOutcome.Failed
                : this.graph.Outcome();
            this.phase = TurnPhase.Summarizing;
            this.Publish();

            // At the cap no further model call is made: the summary is then built from the graph.
            TokenAllotment? summaryAllotment = this.budgetExhausted ? null : this.Allot(SummaryOutputTokens);

            SummarizeTurnResult summary = await context.CallActivityAsync<SummarizeTurnResult>(
                ActivityNames.SummarizeTurn,
                new SummarizeTurnRequest(
                    input.Session,
                    input.Turn,
                    this.revision,
                    outcome,
                    input.Input,
                    this.preview?.Plan,
                    this.graph?.Nodes ?? [],
                    this.approvals,
                    this.tokens,
                    this.cost)
                {
                    Error = this.error,
                    Allotment = summaryAllotment,
                    AcceptedAt = input.AcceptedAt,
                    TurnStartedAt = this.startedAt,
                    Events = this.TakeEvents(),
                },
                ActivityRetry);
            if (summaryAllotment is not null)
            {
                this.Settle(summaryAllotment, summary.Model);
            }

            this.phase = TurnPhase.Completed;
            TurnStatus final = this.Status() with
            {
                Outcome = outcome,
                Summary = summary.Summary,
                Error = this.error,
                CompletedAt = context.CurrentUtcDateTime,
            };
            context.SetCustomStatus(final);
            return new TurnResult(outcome, summary.Summary, this.tokens, this.cost, final);
        }

        /// <summary>
        /// The long-term memory's chunks for the ticket, by reference, once per turn (revisions re-plan with the same
        /// ones). Fewer chunks past the budget backoff. Without memory the turn still plans: a failure is not fatal.
        /// </summary>
        async Task<PayloadRef?> RetrieveAsync()
        {
            try
            {
                RetrieveResult found = await context.CallActivityAsync<RetrieveResult>(
                    ActivityNames.RetrieveMemory,
                    new RetrieveRequest(input.Session, input.Turn, input.Input) { Backoff = this.InBackoff() },
                    ActivityRetry);
                return found.Hits.Count == 0 ? null : found.HitsRef;
            }
            catch (TaskFailedException)
            {
                return null;
            }
        }

        bool InBackoff() => input.Budget.UsedTokens + this.tokens.Total >= BudgetLimits.BackoffShare * input.Session.Limits.SessionTokens;

        /// <summary>Runs the current graph to the end. Returns the reviewer's rationale when a revise was asked for.</summary>
        async Task<string?> RunGraphAsync()
        {
            ActionGraph graph = this.graph!;
            var running = new Dictionary<Task<StepResult>, string>();
            var allotments = new Dictionary<string, TokenAllotment>(StringComparer.Ordinal);
            Task<ApprovalRecord>? approvalWait = null;
            string? reviseRationale = null;

            while (true)
            {
                var skippedNow = new List<ActionNode>();
                if (this.budgetExhausted)
                {
                    skippedNow.AddRange(graph.SkipRemaining($"not run: token budget exhausted ({this.BudgetText()})"));
                    if (running.Count == 0 && approvalWait is not null)
                    {
                        // Nothing can run after the decision anyway: close the request instead of waiting for it.
                        this.RecordApproval(graph, this.Close(this.pendingApproval!, ApprovalResolution.Denied, "turn stopped: token budget exhausted"));
                        approvalWait = null;
                        await this.FlushEventsAsync();
                    }
                }

                skippedNow.AddRange(graph.SkipBlocked());
                foreach (ActionNode skipped in skippedNow)
                {
                    this.pendingEvents.Add(this.Event(EventTypes.StepSkipped, skipped.Error ?? "skipped", skipped.Id) with
                    {
                        Decision = "skipped",
                    });
                }

                if (reviseRationale is null && !this.budgetExhausted)
                {
                    // Every planned call is evaluated against the policy before it runs (ready calls in one batch).
                    if (graph.NeedsEvaluation() is { Count: > 0 } unevaluated)
                    {
                        await this.EvaluateAsync(graph, unevaluated);
                        continue;
                    }

                    foreach (ActionNode node in graph.ReadyToRun())
                    {
                        PlanStep step = this.Step(node.Id);
                        TokenAllotment? allotment = null;
                        if (step.UsesModel)
                        {
                            allotment = this.Allot(step.ModelOutputTokens);
                            if (allotment is null)
                            {
                                if (allotments.Count > 0)
                                {
                                    continue; // wait: model steps still running will give back what they do not spend
                                }

                                this.budgetExhausted = true;
                                graph.Update(node.Id, n => n with { Status = StepStatus.Failed, Error = $"token budget exhausted: {this.BudgetText()}" });
                                break;
                            }

                            allotments[node.Id] = allotment;
                        }

                        graph.Update(node.Id, n => n with { Status = StepStatus.Running, StartedAt = context.CurrentUtcDateTime });
                        running[this.StartStep(graph, node, step, allotment)] = node.Id;
                    }

                    if (this.budgetExhausted)
                    {
                        continue;
                    }

                    if (approvalWait is null && graph.ReadyForApproval() is { Count: > 0 } gated)
                    {
                        approvalWait = await this.OpenApprovalAsync(graph, gated);
                    }
                }

                if (running.Count == 0 && approvalWait is null)
                {
                    return reviseRationale;
                }

                this.Publish();
                var waiting = new List<Task>(running.Keys);
                if (approvalWait is not null)
                {
                    waiting.Add(approvalWait);
                }

                Task done = await Task.WhenAny(waiting);
                if (done == approvalWait)
                {
                    ApprovalRecord decision = await approvalWait;
                    approvalWait = null;
                    reviseRationale ??= this.RecordApproval(graph, decision);
                    if (this.pendingApproval is { } open && reviseRationale is null)
                    {
                        // A decision on some of the steps: keep waiting on the rest, same request, same deadline.
                        approvalWait = this.WaitForDecisionAsync(open);
                    }

                    await this.FlushEventsAsync();
                    continue;
                }

                var stepTask = (Task<StepResult>)done;
                string stepId = running[stepTask];
                running.Remove(stepTask);
                if (allotments.Remove(stepId, out TokenAllotment? given))
                {
                    this.Settle(given, stepTask.IsCompletedSuccessfully ? stepTask.Result.Model : null);
                }

                this.CompleteStep(graph, stepId, stepTask);
                if (stepTask.IsCompletedSuccessfully && stepTask.Result.BudgetExhausted)
                {
                    this.budgetExhausted = true;
                }
            }
        }

        async Task EvaluateAsync(ActionGraph graph, IReadOnlyList<ActionNode> nodes)
        {
            var steps = nodes.Select(n => this.Step(n.Id)).ToList();
            var inputs = nodes.ToDictionary(n => n.Id, n => (IReadOnlyList<StepInput>)Inputs(graph, n.Id), StringComparer.Ordinal);
            IReadOnlyList<StepDecision> decisions;
            try
            {
                decisions = await context.CallActivityAsync<IReadOnlyList<StepDecision>>(
                    ActivityNames.EvaluatePolicy,
                    new EvaluatePolicyRequest(input.Session, input.Turn, this.revision, steps, inputs, this.PolicyBudget()),
                    ActivityRetry);
            }
            catch (TaskFailedException failure)
            {
                // No decision means no permission: fail closed.
                foreach (ActionNode node in nodes)
                {
                    graph.Update(node.Id, n => n with { Status = StepStatus.Forbidden, Error = $"policy could not be evaluated (fail closed): {failure.FailureDetails.ErrorMessage}" });
                }

                return;
            }

            foreach (StepDecision decision in decisions)
            {
                graph.Update(decision.StepId, n => decision.Decision.Effective == Policy.PolicyEffect.Forbid
                    ? n with { Status = StepStatus.Forbidden, Policy = decision.Decision, Error = $"forbidden by policy {decision.Decision.PolicyVersion}: {decision.Decision.Reason}" }
                    : n with { Policy = decision.Decision });
            }
        }

        PlanStep Step(string id) => this.preview!.Plan.Steps.First(s => s.Id == id);

        static List<StepInput> Inputs(ActionGraph graph, string id) =>
            graph.SucceededAncestors(id).Select(a => new StepInput(a.Id, a.Tool, a.Output!)).ToList();

        /// <summary>The budget as the policy sees it; the snapshot is what an approval binds to.</summary>
        PolicyBudget PolicyBudget() => new(
            Math.Max(0, this.SessionLeft()),
            this.tokens.Total,
            this.cost,
            input.Budget.CostUsd + this.cost,
            input.Budget.UsedTokens + this.tokens.Total);

        Task<StepResult> StartStep(ActionGraph graph, ActionNode node, PlanStep step, TokenAllotment? allotment)
        {
            return context.CallActivityAsync<StepResult>(
                ActivityNames.RunStep,
                new RunStepRequest(input.Session, input.Turn, this.revision, step, input.Input, Inputs(graph, node.Id))
                {
                    Allotment = allotment,
                    Approval = node.Approval,
                    Budget = this.PolicyBudget(),
                    ReplayLive = input.Session.Replay?.IsLiveStep(input.Turn, step.Id, this.preview!.Plan.Steps.Select(s => s.Id).ToList()) ?? false,
                },
                ActivityRetry);
        }

        /// <summary>
        /// Carves an allotment out of what is left of the turn's caps and the session's cap, and holds it until the
        /// activity settles. Null when too little is left for a call worth making.
        /// </summary>
        TokenAllotment? Allot(int wantOutput)
        {
            BudgetLimits limits = input.Session.Limits;
            int sessionLeft = this.SessionLeft() - this.reserved.Total;
            int outputLeft = limits.TurnOutputTokens - this.tokens.OutputTokens - this.reserved.OutputTokens;
            int inputCap = input.LongContext ? limits.LongContextTurnInputTokens : limits.TurnInputTokens;
            int inputLeft = inputCap - this.tokens.InputTokens - this.reserved.InputTokens;
            // When the session is nearly spent, output may take at most a third of what is left, so the prompt still fits.
            int output = Math.Min(wantOutput, Math.Min(outputLeft, Math.Max(MinimumAllotment.OutputTokens, sessionLeft / 3)));
            int inputTokens = Math.Min(inputLeft, sessionLeft - output);
            if (output < MinimumAllotment.OutputTokens || inputTokens < MinimumAllotment.InputTokens)
            {
                return null;
            }

            bool backoff = this.InBackoff();
            if (backoff && !this.backoffLogged)
            {
                this.backoffLogged = true;
                this.pendingEvents.Add(this.Event("budget.backoff",
                    $"session at {(double)(input.Budget.UsedTokens + this.tokens.Total) / limits.SessionTokens:P0} of its {limits.SessionTokens}-token cap: cheaper tier and shorter context from here") with
                {
                    Decision = "backoff",
                });
            }

            this.reserved += new TokenUsage(inputTokens, output);
            return new TokenAllotment(inputTokens, output, backoff);
        }

        /// <summary>Gives back the allotment and counts what the providers reported.</summary>
        void Settle(TokenAllotment allotment, ModelCallInfo? spent)
        {
            this.reserved = new TokenUsage(this.reserved.InputTokens - allotment.InputTokens, this.reserved.OutputTokens - allotment.OutputTokens);
            this.Account(spent);
        }

        int SessionLeft() => input.Session.Limits.SessionTokens - input.Budget.UsedTokens - this.tokens.Total;

        string BudgetText()
        {
            BudgetLimits limits = input.Session.Limits;
            return $"turn used {this.tokens.InputTokens} of {limits.TurnInputTokens} input and {this.tokens.OutputTokens} of {limits.TurnOutputTokens} output tokens; " +
                $"session has {Math.Max(0, this.SessionLeft())} of {limits.SessionTokens} tokens left";
        }

        void CompleteStep(ActionGraph graph, string stepId, Task<StepResult> task)
        {
            DateTime now = context.CurrentUtcDateTime;
            if (task.IsFaulted)
            {
                // The activity threw on every retry (an infrastructure fault, not a tool error).
                string message = task.Exception?.InnerException?.Message ?? "the step's activity failed";
                graph.Update(stepId, n => n with { Status = StepStatus.Failed, CompletedAt = now, Error = message });
                this.pendingEvents.Add(this.Event(EventTypes.StepFailed, message, stepId) with { Decision = "failed" });
                return;
            }

            StepResult result = task.Result; // its tokens were counted when its allotment was settled
            if (result.Forbidden || result.NeedsApproval)
            {
                // The check right before the tool refused it: forbidden now, or the approval does not cover what would run.
                graph.Update(stepId, n => result.Forbidden
                    ? n with { Status = StepStatus.Forbidden, Policy = result.Policy, Error = result.Error, CompletedAt = now }
                    : n with { Status = StepStatus.Pending, Policy = result.Policy, Approval = null, ApprovalId = null, StartedAt = null, Error = result.Error });
                return;
            }

            graph.Update(stepId, n => n with
            {
                Status = result.Succeeded ? StepStatus.Succeeded : StepStatus.Failed,
                CompletedAt = now,
                DurationMs = result.DurationMs,
                Output = result.Output,
                Attachments = result.Attachments,
                OutputPreview = result.Preview,
                Error = result.Error,
                Tokens = result.Model?.Tokens,
            });
        }

        /// <summary>One request for every call that needs a decision now; posted (and logged) before the turn waits.</summary>
        async Task<Task<ApprovalRecord>> OpenApprovalAsync(ActionGraph graph, IReadOnlyList<ActionNode> gated)
        {
            DateTime now = context.CurrentUtcDateTime;
            this.approvalSequence++;
            PolicyBudget budget = this.PolicyBudget();
            var approval = new PendingApproval(
                $"{this.instanceId}:a-{this.approvalSequence}",
                gated.Select(n => n.Id).ToList(),
                now,
                now + input.Settings.ApprovalTimeout)
            {
                Bindings = gated.ToDictionary(n => n.Id, n => n.Policy!.Binding ?? string.Empty, StringComparer.Ordinal),
                BudgetSnapshot = budget.Snapshot,
                PolicyVersion = gated[0].Policy!.PolicyVersion,
            };
            foreach (ActionNode node in gated)
            {
                graph.Update(node.Id, n => n with { Status = StepStatus.AwaitingApproval, ApprovalId = approval.ApprovalId });
            }

            var steps = gated.Select(n => this.Step(n.Id)).ToList();
            if (input.Session.Replay is { } replay)
            {
                // A replay asks nobody: the decision comes from the original's log (see WaitForDecisionAsync).
                this.pendingEvents.Add(this.Event(EventTypes.ApprovalRequested, $"approval {approval.ApprovalId} for {string.Join(", ", approval.Steps)}: decided from the recording of {replay.OriginalSession}") with
                {
                    Id = $"{this.instanceId}/approval/{approval.ApprovalId}/requested",
                    Decision = "replayed",
                    Inputs = new Dictionary<string, string> { ["approvalId"] = approval.ApprovalId, ["steps"] = string.Join(",", approval.Steps) },
                });
                this.pendingApproval = approval;
                this.phase = TurnPhase.AwaitingApproval;
                return this.WaitForDecisionAsync(approval);
            }

            ApprovalNotice? notice = await context.CallActivityAsync<ApprovalNotice?>(
                ActivityNames.RequestApproval,
                new RequestApprovalRequest(input.Session, input.Turn, this.revision, approval, steps, this.tokens, this.cost)
                {
                    Reasons = gated.ToDictionary(n => n.Id, n => n.Policy!.Reason, StringComparer.Ordinal),
                    Evidence = gated.SelectMany(n => Inputs(graph, n.Id)).DistinctBy(i => i.StepId).ToList(),
                    TurnStartedAt = this.startedAt,
                    Events = this.TakeEvents(),
                },
                ActivityRetry);

            // Published only now: whoever sees the request open finds it in the log, and the turn is already waiting.
            this.pendingApproval = approval with { Notice = notice };
            this.phase = TurnPhase.AwaitingApproval;
            return this.WaitForDecisionAsync(this.pendingApproval);
        }

        /// <summary>
        /// Waits for a decision on this request (on all its open steps, or on some of them), raced with a durable timer.
        /// Decisions naming another request, or steps it does not wait on, are recorded and ignored.
        /// </summary>
        async Task<ApprovalRecord> WaitForDecisionAsync(PendingApproval approval)
        {
            if (input.Session.Replay is not null)
            {
                return await this.ReplayDecisionAsync(approval);
            }

            using var cancel = new CancellationTokenSource();
            Task timeout = context.CreateTimer(approval.ExpiresAt, cancel.Token);
            for (int stale = 0; stale < MaxStaleDecisions; stale++)
            {
                Task<ApprovalDecision> next = context.WaitForExternalEvent<ApprovalDecision>(ApprovalDecision.EventName, cancel.Token);
                Task winner = await Task.WhenAny(next, timeout);
                if (winner == timeout)
                {
                    cancel.Cancel();
                    return this.Close(approval, ApprovalResolution.TimedOut, $"no decision within {input.Settings.ApprovalTimeout}");
                }

                ApprovalDecision decision = await next;
                var steps = decision.Steps is null ? approval.Steps : decision.Steps.Where(approval.Steps.Contains).ToList();
                if (!string.Equals(decision.ApprovalId, approval.ApprovalId, StringComparison.Ordinal) || steps.Count == 0)
                {
                    string why = steps.Count == 0 && decision.ApprovalId == approval.ApprovalId
                        ? $"names steps {string.Join(", ", decision.Steps ?? [])}, which this request is not waiting on"
                        : $"names approval '{decision.ApprovalId}', which is not open";
                    var ignored = new ApprovalRecord(decision.ApprovalId, [], ApprovalResolution.Ignored, decision.Approver,
                        why, decision.Channel, approval.RequestedAt, context.CurrentUtcDateTime);
                    this.approvals.Add(ignored);
                    this.pendingEvents.Add(this.ApprovalEvent(ignored));
                    this.Publish();
                    await this.FlushEventsAsync();
                    continue;
                }

                cancel.Cancel();
                ApprovalResolution resolution = decision.Decision switch
                {
                    ApprovalDecisionKind.Approve => ApprovalResolution.Approved,
                    ApprovalDecisionKind.Revise when this.revision < input.Settings.MaxRevisions => ApprovalResolution.Revised,
                    _ => ApprovalResolution.Denied,
                };
                string? rationale = decision.Decision == ApprovalDecisionKind.Revise && resolution == ApprovalResolution.Denied
                    ? $"revision limit ({input.Settings.MaxRevisions}) reached; treated as deny. Reviewer said: {decision.Rationale}"
                    : decision.Rationale;

                // A revise is about the whole plan: it answers every open step.
                IReadOnlyList<string> answered = resolution == ApprovalResolution.Revised ? approval.Steps : steps;
                return new ApprovalRecord(approval.ApprovalId, answered, resolution, decision.Approver, rationale,
                    decision.Channel, approval.RequestedAt, context.CurrentUtcDateTime)
                {
                    Bindings = answered.ToDictionary(id => id, id => approval.Bindings.GetValueOrDefault(id) ?? string.Empty, StringComparer.Ordinal),
                    PolicyVersion = approval.PolicyVersion,
                    BudgetSnapshot = approval.BudgetSnapshot,
                };
            }

            // Bounded so that a flood of stale decisions cannot grow the history without end.
            cancel.Cancel();
            return this.Close(approval, ApprovalResolution.Denied, $"denied after {MaxStaleDecisions} decisions that named other approvals");
        }

        /// <summary>The original's next decision on the same request number, applied as if the same person had clicked again.</summary>
        async Task<ApprovalRecord> ReplayDecisionAsync(PendingApproval approval)
        {
            int index = this.replayedDecisions.GetValueOrDefault(approval.ApprovalId);
            this.replayedDecisions[approval.ApprovalId] = index + 1;
            int sequence = int.Parse(approval.ApprovalId[(approval.ApprovalId.LastIndexOf(":a-", StringComparison.Ordinal) + 3)..], System.Globalization.CultureInfo.InvariantCulture);
            RecordedDecision? recorded = await context.CallActivityAsync<RecordedDecision?>(
                ActivityNames.ResolveReplayApproval,
                new ReplayApprovalRequest(input.Session, input.Turn, sequence, index, approval.Steps) { Events = this.TakeEvents() },
                ActivityRetry);
            if (recorded is null)
            {
                return this.Close(approval, ApprovalResolution.Denied, "no recorded decision: the original never decided this request (replay)");
            }

            if (recorded.Resolution == ApprovalResolution.TimedOut)
            {
                return this.Close(approval, ApprovalResolution.TimedOut, "timed out in the original (replay)");
            }

            ApprovalResolution resolution = recorded.Resolution == ApprovalResolution.Revised && this.revision >= input.Settings.MaxRevisions
                ? ApprovalResolution.Denied
                : recorded.Resolution;
            var named = recorded.Steps.Where(approval.Steps.Contains).ToList();
            IReadOnlyList<string> answered = resolution == ApprovalResolution.Revised || named.Count == 0 ? approval.Steps : named;
            return new ApprovalRecord(approval.ApprovalId, answered, resolution, recorded.Approver, recorded.Rationale,
                recorded.Channel ?? "replay", approval.RequestedAt, context.CurrentUtcDateTime)
            {
                Bindings = answered.ToDictionary(id => id, id => approval.Bindings.GetValueOrDefault(id) ?? string.Empty, StringComparer.Ordinal),
                PolicyVersion = approval.PolicyVersion,
                BudgetSnapshot = approval.BudgetSnapshot,
            };
        }

        ApprovalRecord Close(PendingApproval approval, ApprovalResolution resolution, string why) =>
            new(approval.ApprovalId, approval.Steps, resolution, null, why, null, approval.RequestedAt, context.CurrentUtcDateTime)
            {
                Bindings = approval.Bindings,
                PolicyVersion = approval.PolicyVersion,
                BudgetSnapshot = approval.BudgetSnapshot,
            };

        /// <summary>
        /// Applies a decision to the steps it answers. Approved steps carry the approval as a binding to exactly what was
        /// approved. Returns the reviewer's rationale when the plan was sent back.
        /// </summary>
        string? RecordApproval(ActionGraph graph, ApprovalRecord record)
        {
            this.approvals.Add(record);
            this.pendingSpans.Add(new RecordedSpan(Telemetry.TurnSpans.ApprovalWait, input.Turn, record.RequestedAt, record.ResolvedAt, new Dictionary<string, string>
            {
                [Telemetry.SpanAttributes.ApprovalId] = record.ApprovalId,
                [Telemetry.SpanAttributes.ApprovalResolution] = record.Resolution.Snake(),
                [Telemetry.SpanAttributes.Step] = string.Join(",", record.Steps),
            })
            {
                Stage = Telemetry.Stages.ApprovalWait,
            });
            this.pendingEvents.Add(this.ApprovalEvent(record));
            this.phase = TurnPhase.Running;
            PendingApproval? open = this.pendingApproval;
            StepStatus? status = record.Resolution switch
            {
                ApprovalResolution.Approved => StepStatus.Approved,
                ApprovalResolution.Denied => StepStatus.Denied,
                ApprovalResolution.TimedOut => StepStatus.TimedOut,
                _ => null,
            };
            if (status is { } newStatus)
            {
                foreach (string id in record.Steps)
                {
                    graph.Update(id, n => n with
                    {
                        Status = newStatus,
                        Error = newStatus == StepStatus.Approved ? null : $"{record.Resolution.Snake()}: {record.Rationale}",
                        Approval = newStatus == StepStatus.Approved && open is not null
                            ? new Policy.ApprovalBinding(record.ApprovalId, record.Approver!, record.Bindings?.GetValueOrDefault(id) ?? string.Empty, open.PolicyVersion ?? string.Empty, open.BudgetSnapshot)
                            : null,
                    });
                }
            }

            if (open is not null)
            {
                var remaining = open.Steps.Except(record.Steps).ToList();
                this.pendingApproval = remaining.Count == 0 || record.Resolution == ApprovalResolution.Revised ? null : open with { Steps = remaining };
                if (this.pendingApproval is null && open.Notice is { } notice)
                {
                    this.closing = new CloseApproval(input.Session, input.Turn, notice, this.approvals.Where(a => a.ApprovalId == open.ApprovalId && a.Resolution != ApprovalResolution.Ignored).ToList());
                }
            }

            return record.Resolution == ApprovalResolution.Revised ? record.Rationale ?? "revise requested" : null;
        }


        async Task FlushEventsAsync()
        {
            if (this.pendingEvents.Count > 0 || this.closing is not null)
            {
                CloseApproval? close = this.closing;
                this.closing = null;
                var spans = this.pendingSpans.ToList();
                this.pendingSpans.Clear();
                await context.CallActivityAsync(ActivityNames.AppendEvents, new AppendEventsRequest(this.sessionId, this.TakeEvents()) { Close = close, Spans = spans }, ActivityRetry);
            }
        }

        IReadOnlyList<EventDraft> TakeEvents()
        {
            var events = this.pendingEvents.ToList();
            this.pendingEvents.Clear();
            return events;
        }

        EventDraft Event(string type, string summary, string? step = null) =>
            new($"{this.instanceId}/r{this.revision}/{type}{(step is null ? string.Empty : "/" + step)}", type, this.sessionId, summary)
            {
                Turn = input.Turn,
                Revision = this.revision,
                Step = step,
                Time = context.CurrentUtcDateTime,
            };

        EventDraft ApprovalEvent(ApprovalRecord record) =>
            new($"{this.instanceId}/approval/{record.ApprovalId}/{record.Resolution}/{this.approvals.Count}", EventTypes.ApprovalResolved, this.sessionId,
                $"{record.Resolution.Snake()} by {record.Approver ?? "timer"}: {string.Join(", ", record.Steps)}")
            {
                Turn = input.Turn,
                Revision = this.revision,
                Time = record.ResolvedAt,
                Decision = record.Resolution.Snake(),
                Actor = record.Approver,
                Inputs = new Dictionary<string, string>
                {
                    ["approvalId"] = record.ApprovalId,
                    ["steps"] = string.Join(",", record.Steps),
                    ["rationale"] = record.Rationale ?? string.Empty,
                    ["channel"] = record.Channel ?? string.Empty,
                },
            };

        void Account(ModelCallInfo? call)
        {
            if (call is not null)
            {
                this.tokens += call.Tokens;
                this.cost += call.CostUsd;
            }
        }

        void Publish() => context.SetCustomStatus(this.Status());

        TurnStatus Status() => new(
            this.sessionId,
            input.Turn,
            this.phase,
            this.revision,
            this.preview,
            this.graph?.Nodes ?? [],
            this.pendingApproval,
            this.approvals.ToList(),
            this.tokens,
            this.cost,
            this.startedAt)
        {
            Budget = new TurnBudget(
                this.tokens.InputTokens,
                this.tokens.OutputTokens,
                input.LongContext ? input.Session.Limits.LongContextTurnInputTokens : input.Session.Limits.TurnInputTokens,
                input.Session.Limits.TurnOutputTokens,
                Math.Max(0, this.SessionLeft()),
                input.Budget.UsedTokens + this.tokens.Total >= BudgetLimits.BackoffShare * input.Session.Limits.SessionTokens),
        };
    }
}
