using System.Text;
using System.Text.RegularExpressions;
using Agents.Core.Budgets;
using Agents.Core.Contracts;
using Agents.Core.Load;
using Agents.Core.Models;
using Agents.Core.Orchestrations;
using Agents.Core.Storage;
using Agents.Core.Tools;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Agents.Core.Sessions;

/// <summary>
/// The API's behaviour, once, for both hosts: validate, admit, start or signal orchestrations, and read their state.
/// Hosts only map routes and turn <see cref="ApiError"/> into problem+json. Every call names its <see cref="Caller"/>: a
/// session belongs to its creator's org, and a caller of another org gets 403 for it.
/// </summary>
public sealed partial class SessionService(
    DurableTaskClient durable,
    IPayloadStore payloads,
    IEventLog events,
    ITurnInbox inbox,
    IOrgBudget orgBudget,
    ITurnsInFlight inFlight,
    ILoadState load,
    RepositoryWorkspace workspace,
    IOptions<AgentOptions> options,
    IOptions<BudgetOptions> budgets,
    IOptions<LoadOptions> loadOptions,
    IOptions<ModelOptions> models,
    TimeProvider clock)
{
    public const string Base = "/api/sessions";

    AgentOptions Settings => options.Value;

    public async Task<ApiResult<SessionCreatedView>> CreateSessionAsync(CreateSessionBody? body, Caller caller, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        if (body is null)
        {
            return ApiError.Invalid(new Dictionary<string, string[]> { ["body"] = ["a JSON object is required ({} takes every default)"] });
        }

        if ((NotTheCaller("org", body.Org, caller.Org) ?? NotTheCaller("user", body.User, caller.User)) is { } impersonation)
        {
            return impersonation;
        }

        Require(errors, "user", caller.User, Caller.IsValidName, Caller.NameRule);
        Require(errors, "org", caller.Org, Caller.IsValidName, Caller.NameRule);
        RiskTier risk = RiskTier.Medium;
        if (body.RiskTier is not null && !Enum.TryParse(body.RiskTier, ignoreCase: true, out risk))
        {
            errors["riskTier"] = ["must be one of low, medium, high"];
        }

        string repository = body.Repository ?? workspace.Options.DefaultRepository;
        if (!workspace.Exists(repository))
        {
            errors["repository"] = [$"unknown repository '{repository}'; available: {string.Join(", ", workspace.Repositories())}"];
        }

        if (body.Title is { Length: > 200 })
        {
            errors["title"] = ["at most 200 characters"];
        }

        int ttl = body.IdleTtlSeconds ?? this.Settings.IdleTtlSeconds;
        if (ttl is < 1 or > 2_592_000)
        {
            errors["idleTtlSeconds"] = ["between 1 and 2592000 (30 days)"];
        }

        int approvalTimeout = body.ApprovalTimeoutSeconds ?? this.Settings.ApprovalTimeoutSeconds;
        if (approvalTimeout is < 1 or > 604_800)
        {
            errors["approvalTimeoutSeconds"] = ["between 1 and 604800 (7 days)"];
        }

        int maxRevisions = body.MaxRevisions ?? this.Settings.MaxRevisions;
        if (maxRevisions is < 0 or > 10)
        {
            errors["maxRevisions"] = ["between 0 and 10"];
        }

        DataSensitivity sensitivity = DataSensitivity.Internal;
        if (body.DataSensitivity is not null && (!Enum.TryParse(body.DataSensitivity, ignoreCase: true, out sensitivity) || int.TryParse(body.DataSensitivity, out _)))
        {
            errors["dataSensitivity"] = ["must be one of public, internal, confidential, restricted"];
        }

        BudgetLimits limits = budgets.Value.Resolve(caller.Org, risk);
        if (body.Budget is { } asked)
        {
            limits = Tighten(limits, asked, caller.Org, errors);
        }

        if (errors.Count > 0)
        {
            return ApiError.Invalid(errors);
        }

        string sessionId = Ids.NewSessionId();
        DateTime now = clock.GetUtcNow().UtcDateTime;
        var metadata = new SessionMetadata(sessionId, caller.User, caller.Org, risk, sensitivity, repository, body.Title, limits, now) { Roles = caller.Roles };
        var state = new SessionState(
            metadata,
            new BudgetLedger(limits.SessionTokens, 0, 0, 0m),
            TurnCount: 0,
            TimeSpan.FromSeconds(ttl),
            LastActivityAt: now,
            new TurnSettings(TimeSpan.FromSeconds(approvalTimeout), maxRevisions),
            RecentTurns: []);

        await durable.ScheduleNewOrchestrationInstanceAsync(
            nameof(Session),
            state,
            new StartOrchestrationOptions(Ids.SessionInstanceId(sessionId)),
            cancellationToken).ConfigureAwait(false);
        await events.AppendAsync(sessionId, [
            new EventDraft($"{Ids.SessionInstanceId(sessionId)}/{EventTypes.SessionCreated}", EventTypes.SessionCreated, sessionId,
                $"session for {metadata.User}@{metadata.Org} on {repository}")
            {
                Time = now,
                Actor = metadata.User,
                Inputs = new Dictionary<string, string>
                {
                    ["org"] = metadata.Org,
                    ["riskTier"] = risk.Snake(),
                    ["dataSensitivity"] = sensitivity.Snake(),
                    ["repository"] = repository,
                    ["caps"] = $"turn {limits.TurnInputTokens} in + {limits.TurnOutputTokens} out, session {limits.SessionTokens}, org {limits.OrgDailyTokens}/day",
                    ["idleTtlSeconds"] = ttl.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            },
        ], cancellationToken).ConfigureAwait(false);
        return new SessionCreatedView(sessionId, Ids.SessionInstanceId(sessionId), SessionLinksOf(sessionId));
    }

    public async Task<ApiResult<TurnAcceptedView>> SubmitTurnAsync(string sessionId, SubmitTurnBody? body, string? idempotencyKey, Caller caller, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValidSessionId(sessionId))
        {
            return NoSuchSession(sessionId);
        }

        if (body?.Input is null || string.IsNullOrWhiteSpace(body.Input))
        {
            return ApiError.Invalid(new Dictionary<string, string[]> { ["input"] = ["the turn's input (for example a ticket's text) is required"] });
        }

        if (NotTheCaller("requestedBy", body.RequestedBy, caller.User) is { } impersonation)
        {
            return impersonation;
        }

        int bytes = Encoding.UTF8.GetByteCount(body.Input);
        bool longContext = bytes > this.Settings.MaxTurnInputBytes;
        if (longContext && (body.ConsentToLongContextModel != true || bytes > this.Settings.MaxLongContextInputBytes
            || models.Value.CandidatesFor(ModelTier.LongContext).Count == 0))
        {
            string alternative = bytes <= this.Settings.MaxLongContextInputBytes && models.Value.CandidatesFor(ModelTier.LongContext).Count > 0
                ? " Or set \"consentToLongContextModel\": true to run it on a cheaper model with a larger context (the consent is recorded)."
                : string.Empty;
            return new ApiError(
                ApiErrorKind.TooLarge,
                "The turn's input is too large",
                $"The input is {bytes} bytes; the limit is {this.Settings.MaxTurnInputBytes} (Agent:MaxTurnInputBytes). Split it into smaller turns, or reference files in the repository instead of pasting them.{alternative}");
        }

        LoadSnapshot loadNow = load.Current;
        ApiError? shed = loadNow.Level < 3 ? null
            : new ApiError(ApiErrorKind.TooManyRequests, "The platform is shedding load",
                $"New turns are refused while the platform is at degrade level 3 ({loadNow.TurnsInFlight} turns in flight, utilisation {loadNow.Utilization:P0}); accepted turns are finishing. Try again after the Retry-After delay.")
            {
                RetryAfterSeconds = loadOptions.Value.RetryAfterSeconds,
            };

        // Shed before any lookup; but a request with an idempotency key may be the retry of one already accepted
        // (its 202 lost on the way), which must get that answer, not a 429 for a turn that is running.
        if (shed is not null && idempotencyKey is null)
        {
            return shed;
        }

        if (idempotencyKey is not null && !IdempotencyKey().IsMatch(idempotencyKey))
        {
            return ApiError.Invalid(new Dictionary<string, string[]> { ["Idempotency-Key"] = ["1 to 64 of letters, digits, '-', '_'"] });
        }

        OrchestrationMetadata? session = await durable.GetInstanceAsync(Ids.SessionInstanceId(sessionId), getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            return NoSuchSession(sessionId);
        }

        SessionStatus? status = ReadSessionStatus(session);
        if (OtherOrg(sessionId, status?.Metadata.Org, caller) is { } forbidden)
        {
            return forbidden;
        }

        if (session.RuntimeStatus is not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending) || status?.Phase == SessionPhase.Expired)
        {
            return new ApiError(ApiErrorKind.Conflict, "The session is closed", $"Session {sessionId} is {Describe(session, status)}; start a new session with POST {Base}.");
        }

        if (status?.Metadata.Replay is { } replay)
        {
            return new ApiError(ApiErrorKind.Conflict, "A replay takes no new turns",
                $"Session {sessionId} replays the turns of {replay.OriginalSession}. To try something different, fork the original: POST {Base}/{replay.OriginalSession}/replay with a \"fork\".");
        }

        int turnCount = status?.TurnCount ?? 0;
        if (idempotencyKey is not null)
        {
            // A retry of a request that was already accepted gets the same answer, whatever state the turn is in now.
            foreach (int candidate in new[] { status?.ActiveTurn ?? turnCount + 1, turnCount }.Where(n => n >= 1).Distinct())
            {
                if (await inbox.GetAsync(sessionId, candidate, cancellationToken).ConfigureAwait(false) is { } earlier && earlier.RequestId == idempotencyKey)
                {
                    await this.DeliverAsync(earlier, cancellationToken).ConfigureAwait(false);
                    return Accepted(sessionId, candidate);
                }
            }
        }

        if (shed is not null)
        {
            return shed;
        }

        if (status?.ActiveTurn is int active)
        {
            return new ApiError(ApiErrorKind.Conflict, "A turn is still running",
                $"Turn {active} of session {sessionId} has not finished; wait for it (GET {TurnHref(sessionId, active)}) or decide its pending approval, then send the next turn.");
        }

        SessionMetadata metadata = status!.Metadata;
        if (status.Budget.RemainingTokens < Turn.MinimumAllotment.Total)
        {
            return new ApiError(ApiErrorKind.Conflict, "The session's token budget is spent",
                $"Session {sessionId} has used {status.Budget.UsedTokens} of its {status.Budget.SessionTokenLimit} tokens; start a new session with POST {Base}.");
        }

        int turn = turnCount + 1;
        string turnId = Ids.TurnInstanceId(sessionId, turn);
        DateTime now = clock.GetUtcNow().UtcDateTime;
        int worstCase = (longContext ? metadata.Limits.LongContextTurnInputTokens : metadata.Limits.TurnInputTokens) + metadata.Limits.TurnOutputTokens;
        OrgBudgetRefusal? refusal = await orgBudget.TryReserveAsync(
            metadata.Org, turnId, now, worstCase, metadata.Limits.OrgDailyTokens, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return new ApiError(ApiErrorKind.TooManyRequests, "The org's daily token budget is spent",
                $"Org {metadata.Org} has used {refusal.Used} and reserved {refusal.Reserved} of its {refusal.Limit} tokens today; a turn reserves its caps ({worstCase}) until it ends. The budget resets at {refusal.ResetsAt:u}.")
            {
                RetryAfterSeconds = (int)Math.Ceiling(Math.Max(1, (refusal.ResetsAt - now).TotalSeconds)),
            };
        }

        string requestId = idempotencyKey ?? Guid.NewGuid().ToString("N");
        string requestedBy = caller.User;
        PayloadRef input = await payloads.PutTextAsync(sessionId, body.Input, cancellationToken: cancellationToken).ConfigureAwait(false);
        var ticket = new TurnTicket(sessionId, turn, requestId, input, requestedBy, now) { LongContext = longContext };

        if (!await inbox.TryReserveAsync(ticket, cancellationToken).ConfigureAwait(false))
        {
            await orgBudget.ReleaseAsync(metadata.Org, turnId, now, cancellationToken).ConfigureAwait(false);
            TurnTicket? taken = await inbox.GetAsync(sessionId, turn, cancellationToken).ConfigureAwait(false);
            if (taken is not null)
            {
                // Deliver it again in case the request that reserved it stopped before signalling the session;
                // the session ignores turn numbers it has already run.
                await this.DeliverAsync(taken, cancellationToken).ConfigureAwait(false);
                if (taken.RequestId == requestId)
                {
                    return Accepted(sessionId, turn);
                }
            }

            return new ApiError(ApiErrorKind.Conflict, "A turn is still running",
                $"Turn {turn} of session {sessionId} was just accepted from another request; wait for it (GET {TurnHref(sessionId, turn)}) and send the next turn after it.");
        }

        await inFlight.MarkAsync(sessionId, turn, cancellationToken).ConfigureAwait(false);
        await this.DeliverAsync(ticket, cancellationToken).ConfigureAwait(false);
        await events.AppendAsync(sessionId, [
            new EventDraft($"{turnId}/{EventTypes.TurnAccepted}", EventTypes.TurnAccepted, sessionId,
                $"turn {turn} accepted ({bytes} bytes){(longContext ? " on the larger-context tier, with the requester's consent" : string.Empty)}")
            {
                Turn = turn,
                Time = ticket.AcceptedAt,
                Actor = requestedBy,
                Decision = longContext ? "admitted_with_consent" : "admitted",
                Inputs = new Dictionary<string, string>
                {
                    ["requestId"] = requestId,
                    ["input"] = input.ToString(),
                    ["bytes"] = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["consentToLongContextModel"] = (body.ConsentToLongContextModel == true).ToString(),
                    ["degradeLevel"] = loadNow.Level.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["orgReservedTokens"] = worstCase.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
                Refs = [input],
            },
        ], cancellationToken).ConfigureAwait(false);
        return Accepted(sessionId, turn);
    }

    public async Task<ApiResult<SessionView>> GetSessionAsync(string sessionId, Caller caller, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValidSessionId(sessionId))
        {
            return NoSuchSession(sessionId);
        }

        OrchestrationMetadata? session = await durable.GetInstanceAsync(Ids.SessionInstanceId(sessionId), getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        SessionStatus? status = session is null ? null : ReadSessionStatus(session);
        if (session is null || status is null)
        {
            return NoSuchSession(sessionId);
        }

        if (OtherOrg(sessionId, status.Metadata.Org, caller) is { } forbidden)
        {
            return forbidden;
        }

        var pending = new List<PendingApprovalView>();
        var turns = status.RecentTurns
            .Select(t => new TurnListItem(t.Turn, t.Outcome.Snake(), t.Summary, t.Tokens.Total, t.CompletedAt, TurnHref(sessionId, t.Turn)))
            .ToList();
        if (status.ActiveTurn is int active)
        {
            OrchestrationMetadata? turn = await durable.GetInstanceAsync(Ids.TurnInstanceId(sessionId, active), getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
            TurnStatus? turnStatus = turn?.ReadCustomStatusAs<TurnStatus>();
            turns.Add(new TurnListItem(active, turnStatus?.Phase.Snake() ?? "starting", string.Empty, turnStatus?.Tokens.Total ?? 0, null, TurnHref(sessionId, active)));
            if (turnStatus?.PendingApproval is { } open)
            {
                pending.Add(new PendingApprovalView(active, open.ApprovalId, open.Steps, open.RequestedAt, open.ExpiresAt, TurnHref(sessionId, active) + "/approvals"));
            }
        }

        BudgetLedger b = status.Budget;
        LoadSnapshot loadNow = load.Current;
        return new SessionView(
            sessionId,
            session.InstanceId,
            Describe(session, status),
            status.Metadata,
            status.TurnCount,
            status.ActiveTurn,
            new BudgetView(b.SessionTokenLimit, b.InputTokens, b.OutputTokens, b.UsedTokens, b.RemainingTokens, b.CostUsd, status.Metadata.Limits),
            status.ExpiresAt,
            turns,
            pending,
            events.LocationOf(sessionId).ToString(),
            new LoadView(loadNow.Level, loadNow.TurnsInFlight, loadNow.QueueDepth, loadNow.Utilization),
            SessionLinksOf(sessionId));
    }

    public async Task<ApiResult<TurnView>> GetTurnAsync(string sessionId, int turn, Caller caller, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValidSessionId(sessionId))
        {
            return NoSuchSession(sessionId);
        }

        if (turn < 1)
        {
            return NoSuchTurn(sessionId, turn);
        }

        OrchestrationMetadata? instance = await durable.GetInstanceAsync(Ids.TurnInstanceId(sessionId, turn), getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        string? owner = instance?.ReadInputAs<TurnInput>()?.Session.Org ?? await this.OwnerAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (owner is null)
        {
            return NoSuchSession(sessionId);
        }

        if (OtherOrg(sessionId, owner, caller) is { } forbidden)
        {
            return forbidden;
        }

        TurnTicket? ticket = await inbox.GetAsync(sessionId, turn, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            if (ticket is null)
            {
                return NoSuchTurn(sessionId, turn);
            }

            return new TurnView(sessionId, turn, Ids.TurnInstanceId(sessionId, turn), "Pending", "queued", null, 0, null, [], null, [], TokenUsage.Zero, 0m,
                new TurnLatencyView(null, null), null, null, ticket.AcceptedAt, null, TurnLinksOf(sessionId, turn));
        }

        TurnStatus? status = instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? instance.ReadOutputAs<TurnResult>()?.Final
            : instance.ReadCustomStatusAs<TurnStatus>();
        string? error = instance.RuntimeStatus == OrchestrationRuntimeStatus.Failed ? instance.FailureDetails?.ErrorMessage : null;
        DateTime? accepted = ticket?.AcceptedAt ?? status?.StartedAt;
        long? Since(DateTime? at) => at is null || accepted is null ? null : (long)(at.Value - accepted.Value).TotalMilliseconds;

        return new TurnView(
            sessionId,
            turn,
            instance.InstanceId,
            instance.RuntimeStatus.ToString(),
            (status?.Phase ?? TurnPhase.Planning).Snake(),
            status?.Outcome?.Snake() ?? (error is null ? null : "failed"),
            status?.Revision ?? 0,
            status?.Plan,
            status?.Nodes ?? [],
            status?.PendingApproval,
            status?.Approvals ?? [],
            status?.Tokens ?? TokenUsage.Zero,
            status?.CostUsd ?? 0m,
            new TurnLatencyView(Since(status?.Plan?.PublishedAt), Since(status?.CompletedAt)),
            status?.Summary,
            status?.Error ?? error,
            accepted,
            status?.Budget,
            TurnLinksOf(sessionId, turn));
    }

    /// <summary>
    /// Raises a decision. The approver is the caller (a body's <c>approver</c>, if any, must be the caller); who may
    /// approve at all is the channel's business: the API needs an approver role, Slack a signed click on a sealed button.
    /// </summary>
    public async Task<ApiResult<ApprovalAcceptedView>> SubmitApprovalAsync(string sessionId, int turn, ApprovalBody? body, string channel, Caller caller, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValidSessionId(sessionId))
        {
            return NoSuchSession(sessionId);
        }

        var errors = new Dictionary<string, string[]>();
        ApprovalDecisionKind decision = default;
        if (body?.Decision is null || !Enum.TryParse(body.Decision, ignoreCase: true, out decision) || int.TryParse(body.Decision, out _))
        {
            errors["decision"] = ["must be one of approve, revise, deny"];
        }

        if (NotTheCaller("approver", body?.Approver, caller.User) is { } impersonation)
        {
            return impersonation;
        }

        Require(errors, "approver", caller.User, Approver().IsMatch, "who decides: 1 to 160 of letters, digits, '.', '_', '-', '@', ':'");
        if (decision == ApprovalDecisionKind.Revise && string.IsNullOrWhiteSpace(body?.Rationale))
        {
            errors["rationale"] = ["a revise needs the reviewer's rationale: it is what the agent re-plans with"];
        }

        if (body?.Rationale is { Length: > 4000 })
        {
            errors["rationale"] = ["at most 4000 characters"];
        }

        if (errors.Count > 0)
        {
            return ApiError.Invalid(errors);
        }

        ApiResult<TurnView> current = await this.GetTurnAsync(sessionId, turn, caller, cancellationToken).ConfigureAwait(false);
        if (current.Error is not null)
        {
            return current.Error;
        }

        PendingApproval? open = current.Value!.PendingApproval;
        if (open is null)
        {
            return new ApiError(ApiErrorKind.Conflict, "Nothing is waiting for approval",
                $"Turn {turn} of session {sessionId} is not waiting for a decision (phase: {current.Value.Phase}{(current.Value.Outcome is null ? string.Empty : ", outcome: " + current.Value.Outcome)}).");
        }

        if (body!.ApprovalId is not null && body.ApprovalId != open.ApprovalId)
        {
            return new ApiError(ApiErrorKind.Conflict, "That approval is no longer open",
                $"Approval '{body.ApprovalId}' is not open; turn {turn} is waiting on '{open.ApprovalId}' for steps {string.Join(", ", open.Steps)}.");
        }

        if (body.Steps is { Count: > 0 } steps && steps.FirstOrDefault(s => !open.Steps.Contains(s)) is { } notWaiting)
        {
            return new ApiError(ApiErrorKind.Conflict, "That step is not waiting for a decision",
                $"Step '{notWaiting}' of turn {turn} is not waiting on approval '{open.ApprovalId}' (already decided, or not part of it); it waits on {string.Join(", ", open.Steps)}.");
        }

        var raised = new ApprovalDecision(open.ApprovalId, decision, caller.User, body.Rationale, clock.GetUtcNow().UtcDateTime, channel)
        {
            Steps = body.Steps is { Count: > 0 } ? body.Steps : null,
        };
        await durable.RaiseEventAsync(Ids.TurnInstanceId(sessionId, turn), ApprovalDecision.EventName, raised, cancellationToken).ConfigureAwait(false);
        return new ApprovalAcceptedView(sessionId, turn, open.ApprovalId, decision.Snake(), TurnLinksOf(sessionId, turn));
    }

    public async Task<ApiResult<IReadOnlyList<AgentEvent>>> GetEventsAsync(string sessionId, Caller caller, CancellationToken cancellationToken = default)
    {
        if (await this.AuthorizeAsync(sessionId, caller, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        return new ApiResult<IReadOnlyList<AgentEvent>>(await events.ReadAsync(sessionId, cancellationToken).ConfigureAwait(false), null);
    }

    /// <summary>Recomputes the session's hash chain and reports every edited, dropped, duplicated or reordered event.</summary>
    public async Task<ApiResult<ChainVerification>> VerifyEventsAsync(string sessionId, Caller caller, CancellationToken cancellationToken = default)
    {
        if (await this.AuthorizeAsync(sessionId, caller, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        return EventChain.Verify(sessionId, await events.ReadLinesAsync(sessionId, cancellationToken).ConfigureAwait(false));
    }

    public async Task<ApiResult<Payload>> GetPayloadAsync(string sessionId, string sha256, Caller caller, CancellationToken cancellationToken = default)
    {
        if (await this.AuthorizeAsync(sessionId, caller, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        StoredPayload? stored = await payloads.ReadAsync(sessionId, sha256, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return new ApiError(ApiErrorKind.NotFound, "No such payload", $"Session {sessionId} has no payload with SHA-256 '{sha256}'.");
        }

        // Prompts and raw model answers are the agent's private working state: the plan, step outputs and summary are served instead.
        return stored.IsPrivate
            ? new ApiError(ApiErrorKind.Forbidden, "Private working state", $"Payload '{sha256}' is a {stored.Kind}: the agent's private working state is not served. Read the plan, step outputs and summary instead.")
            : new Payload(stored.Content, stored.ContentType);
    }

    public Uri EventLogLocation(string sessionId) => events.LocationOf(sessionId);

    async Task DeliverAsync(TurnTicket ticket, CancellationToken cancellationToken) =>
        await durable.RaiseEventAsync(
            Ids.SessionInstanceId(ticket.SessionId),
            TurnRequested.EventName,
            new TurnRequested(ticket.Turn, ticket.RequestId, ticket.Input, ticket.RequestedBy, ticket.AcceptedAt) { LongContext = ticket.LongContext },
            cancellationToken).ConfigureAwait(false);

    /// <summary>The org a session belongs to; null when there is no such session.</summary>
    async Task<string?> OwnerAsync(string sessionId, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? session = await durable.GetInstanceAsync(Ids.SessionInstanceId(sessionId), getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        return session is null ? null : ReadSessionStatus(session)?.Metadata.Org;
    }

    async Task<ApiError?> AuthorizeAsync(string sessionId, Caller caller, CancellationToken cancellationToken)
    {
        string? owner = Ids.IsValidSessionId(sessionId) ? await this.OwnerAsync(sessionId, cancellationToken).ConfigureAwait(false) : null;
        return owner is null ? NoSuchSession(sessionId) : OtherOrg(sessionId, owner, caller);
    }

    /// <summary>403 when the session's org is not the caller's; null when it is (or the owner is unknown). Replays use it too.</summary>
    internal static ApiError? OtherOrg(string sessionId, string? owner, Caller caller) =>
        owner is null || string.Equals(owner, caller.Org, StringComparison.Ordinal)
            ? null
            : ApiError.Forbidden("The session belongs to another org", $"Session {sessionId} is not a session of org '{caller.Org}'; only its own org may read it, send it turns or decide its approvals.");

    static ApiError? NotTheCaller(string field, string? given, string callers) =>
        given is null || string.Equals(given, callers, StringComparison.Ordinal)
            ? null
            : ApiError.Forbidden("The request names someone else", $"'{field}' is '{given}' but the caller's token says '{callers}'; it comes from the token, so leave it out.")
            with
            {
                Errors = new Dictionary<string, string[]> { [field] = [$"must be the caller's ('{callers}') or omitted"] },
            };

    internal static SessionStatus? ReadSessionStatus(OrchestrationMetadata session)
    {
        SessionStatus? status = session.ReadCustomStatusAs<SessionStatus>();
        if (status is not null)
        {
            return status;
        }

        // Not run yet (or between ContinueAsNew generations): derive the summary from the input.
        SessionState? state = session.ReadInputAs<SessionState>();
        return state is null ? null : new SessionStatus(state.Metadata, SessionPhase.Idle, state.TurnCount, null, state.Budget, state.LastActivityAt + state.IdleTtl, state.RecentTurns);
    }

    static string Describe(OrchestrationMetadata session, SessionStatus? status) =>
        status?.Phase == SessionPhase.Expired || session.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? "expired"
            : session.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending
                ? (status?.Phase ?? SessionPhase.Idle).Snake()
                : session.RuntimeStatus.Snake();

    /// <summary>A session may ask for tighter caps than its org and risk tier allow, never looser.</summary>
    static BudgetLimits Tighten(BudgetLimits allowed, SessionBudgetBody asked, string org, Dictionary<string, string[]> errors)
    {
        int Pick(string field, int? value, int max)
        {
            if (value is null)
            {
                return max;
            }

            if (value < 1 || value > max)
            {
                errors[$"budget.{field}"] = [$"between 1 and {max} (the cap for org '{org}' and this risk tier)"];
                return max;
            }

            return value.Value;
        }

        return allowed with
        {
            TurnInputTokens = Pick("turnInputTokens", asked.TurnInputTokens, allowed.TurnInputTokens),
            TurnOutputTokens = Pick("turnOutputTokens", asked.TurnOutputTokens, allowed.TurnOutputTokens),
            SessionTokens = Pick("sessionTokens", asked.SessionTokens, allowed.SessionTokens),
        };
    }

    static void Require(Dictionary<string, string[]> errors, string field, string? value, Func<string, bool> valid, string rule)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"required: {rule}"];
        }
        else if (!valid(value))
        {
            errors[field] = [rule];
        }
    }

    static TurnAcceptedView Accepted(string sessionId, int turn) =>
        new(sessionId, turn, Ids.TurnInstanceId(sessionId, turn), "accepted", TurnLinksOf(sessionId, turn));

    static ApiError NoSuchSession(string sessionId) =>
        new(ApiErrorKind.NotFound, "No such session", $"There is no session '{sessionId}'. Create one with POST {Base}.");

    static ApiError NoSuchTurn(string sessionId, int turn) =>
        new(ApiErrorKind.NotFound, "No such turn", $"Session {sessionId} has no turn {turn}. Turns are numbered from 1; see GET {Base}/{sessionId}.");

    public static string SessionHref(string sessionId) => $"{Base}/{sessionId}";

    public static string TurnHref(string sessionId, int turn) => $"{Base}/{sessionId}/turns/{turn}";

    static SessionLinks SessionLinksOf(string sessionId) =>
        new(SessionHref(sessionId), $"{SessionHref(sessionId)}/turns", $"{SessionHref(sessionId)}/events");

    static TurnLinks TurnLinksOf(string sessionId, int turn) =>
        new(TurnHref(sessionId, turn), SessionHref(sessionId), $"{SessionHref(sessionId)}/events", $"{TurnHref(sessionId, turn)}/approvals");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdempotencyKey();

    /// <summary>Approvers from Slack are recorded as <c>slack:{user id}:{user name}</c>.</summary>
    [GeneratedRegex("^[A-Za-z0-9._@:-]{1,160}$")]
    private static partial Regex Approver();
}
