using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Agents.Core.Contracts;
using Agents.Core.Sessions;

namespace AgentCli;

/// <summary>What a load run does; bounded in count (<see cref="Sessions"/> × <see cref="TurnsPerSession"/>) and in time.</summary>
public sealed record LoadSettings(
    int Sessions,
    int TurnsPerSession,
    TimeSpan Duration,
    TimeSpan DrainTimeout,
    int MaxRetries,
    TimeSpan MaxRetryWait,
    TimeSpan Poll,
    TimeSpan Ramp,
    string Input)
{
    /// <summary>Why these settings cannot run, or null.</summary>
    public string? Problem() =>
        this.Sessions is < 1 or > 10_000 ? "--sessions must be between 1 and 10000"
        : this.TurnsPerSession is < 1 or > 100 ? "--turns must be between 1 and 100"
        : this.Duration <= TimeSpan.Zero || this.Duration > TimeSpan.FromHours(1) ? "--duration must be between 1 and 3600 seconds"
        : this.DrainTimeout <= TimeSpan.Zero || this.DrainTimeout > TimeSpan.FromHours(1) ? "--drain must be between 1 and 3600 seconds"
        : this.MaxRetries is < 0 or > 10 ? "--max-retries must be between 0 and 10"
        : this.MaxRetryWait < TimeSpan.Zero ? "--max-retry-wait must not be negative"
        : this.Poll < TimeSpan.FromMilliseconds(10) ? "--poll must be at least 10 ms"
        : this.Ramp < TimeSpan.Zero || this.Ramp >= this.Duration ? "--ramp must be at least 0 and shorter than --duration"
        : string.IsNullOrWhiteSpace(this.Input) ? "the turn's input is empty"
        : null;
}

/// <summary>One second of the run: the host's degrade level and turns in flight, and the generator's own counts so far.</summary>
public sealed record LoadSample(double AtSeconds, int Level, int TurnsInFlight, double Utilization, int Accepted, int Shed, int Final);

/// <summary>A submission the host refused with 429.</summary>
public sealed record ShedResponse(string SessionId, double AtSeconds, bool HadRetryAfter, string? Problem);

/// <summary>An accepted turn, as the client saw it.</summary>
/// <summary>An accepted turn as the client saw it: 202 round trip, submit → final (null if it never got there), when it was seen final.</summary>
public sealed record AcceptedTurn(string SessionId, int Turn, double AckMs, double? CompletedMs, string? Outcome, double? FinalAtSeconds);

/// <summary>A property the run must have; the run fails when one does not hold.</summary>
public sealed record LoadCheck(string Name, bool Passed, string Detail);

public sealed record LoadReport(
    string Label,
    string Host,
    string Arrival,
    LoadSettings Settings,
    int SessionsOpened,
    int Submissions,
    int Accepted,
    int ShedResponses,
    int ShedWithoutRetryAfter,
    int RetriesAfterShed,
    int TurnsGivenUp,
    int LostAnswers,
    int OtherRefusals,
    int Final,
    IReadOnlyDictionary<string, int> Outcomes,
    LatencyStats AckMs,
    LatencyStats CompletionMs,
    double ThroughputTurnsPerSecond,
    double WallSeconds,
    int MaxDegradeLevel,
    IReadOnlyList<LoadSample> Timeline,
    IReadOnlyList<ShedResponse> Shed,
    IReadOnlyList<LoadCheck> Checks,
    DateTime At)
{
    public bool Passed => this.Checks.All(c => c.Passed);
}

/// <summary>
/// Drives many concurrent sessions against a host on this machine and then proves nothing was lost or doubled.
/// Arrival is closed-loop: <see cref="LoadSettings.Sessions"/> concurrent users (starting evenly spread over
/// <see cref="LoadSettings.Ramp"/>, so the host's once-a-second load sample sees the build-up), each with one session, sending
/// <see cref="LoadSettings.TurnsPerSession"/> turns one after another (the next when the previous is final), approving
/// every pending approval through the API as an approver. A 429 counts as shed; its Retry-After is honoured up to
/// <see cref="LoadSettings.MaxRetries"/> times (when no longer than <see cref="LoadSettings.MaxRetryWait"/>), after which
/// the turn is given up. No turn is sent after <see cref="LoadSettings.Duration"/>; accepted turns then get
/// <see cref="LoadSettings.DrainTimeout"/> to reach a final state. A sampler reads the degrade level every second.
/// Afterwards every session's log is checked: hash chain intact, seq contiguous, ids unique, one <c>turn.completed</c>
/// per accepted turn, and no event of a turn that was never accepted.
/// </summary>
public sealed class LoadGenerator(AgentClient client, LoadSettings settings, TextWriter progress)
{
    static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(1);

    readonly Stopwatch clock = new();
    readonly ConcurrentBag<string> sessions = [];
    readonly ConcurrentBag<AcceptedTurn> accepted = [];
    readonly ConcurrentBag<ShedResponse> shed = [];
    readonly ConcurrentDictionary<string, ConcurrentBag<int>> acceptedBySession = new(StringComparer.Ordinal);
    readonly ConcurrentQueue<LoadSample> timeline = new();
    int submissions, retries, givenUp, otherRefusals, final, acceptedCount, shedCount, lostAnswers;

    /// <summary>Times one turn is sent again, under the same idempotency key, after its answer was lost.</summary>
    const int MaxLostAnswers = 3;

    public const string Arrival = "closed loop: one concurrent user per session, users starting evenly over the ramp, each sending its turns one after another";

    /// <summary>Only a host on this machine: a load generator must not be pointed at someone else's service.</summary>
    public static string? RefuseUnlessLoopback(Uri host) =>
        host.IsLoopback ? null : $"--host {host} is not a loopback address: the load generator only drives a host on this machine (127.0.0.1, [::1] or localhost).";

    public async Task<LoadReport> RunAsync(string label, CancellationToken ct)
    {
        if (RefuseUnlessLoopback(client.BaseAddress) is { } refusal)
        {
            throw new ArgumentException(refusal);
        }

        if (settings.Problem() is { } problem)
        {
            throw new ArgumentException(problem);
        }

        DateTime started = DateTime.UtcNow;
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        hardStop.CancelAfter(settings.Duration + settings.DrainTimeout);

        // Sessions first, all at once (their opening is not timed): the arrival window is for turns.
        string?[] opened = await Task.WhenAll(Enumerable.Range(0, settings.Sessions).Select(_ => Task.Run(() => this.OpenSessionAsync(hardStop.Token), CancellationToken.None)));
        string[] users = [.. opened.OfType<string>()];
        progress.WriteLine($"load: {users.Length} sessions open after {(DateTime.UtcNow - started).TotalSeconds:F1} s; sending turns for up to {settings.Duration.TotalSeconds:0} s");

        this.clock.Start();
        hardStop.CancelAfter(settings.Duration + settings.DrainTimeout);
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task sampler = users.Length == 0 ? Task.CompletedTask : this.SampleAsync(users[0], stopSampling.Token);
        await Task.WhenAll(users.Select((id, i) => Task.Run(() => this.UserAsync(id, settings.Ramp * i / users.Length, settings.Duration, hardStop.Token), CancellationToken.None)));
        double wall = this.clock.Elapsed.TotalSeconds;
        await stopSampling.CancelAsync();
        await sampler;

        progress.WriteLine($"load: {this.acceptedCount} accepted, {this.shedCount} shed, {this.final} final after {wall:F1} s; verifying the event logs");
        List<LoadCheck> checks = await this.VerifyAsync(ct);
        List<AcceptedTurn> turns = [.. this.accepted];
        List<AcceptedTurn> done = turns.Where(t => t.CompletedMs is not null).ToList();
        double lastFinal = done.Count == 0 ? 0 : done.Max(t => t.FinalAtSeconds!.Value);
        return new LoadReport(
            label,
            client.BaseAddress.ToString(),
            Arrival,
            settings,
            this.sessions.Count,
            this.submissions,
            this.acceptedCount,
            this.shedCount,
            this.shed.Count(s => !s.HadRetryAfter),
            this.retries,
            this.givenUp,
            this.lostAnswers,
            this.otherRefusals,
            done.Count,
            done.GroupBy(t => t.Outcome ?? "unknown").OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            LatencyStats.Of(turns.Select(t => t.AckMs)),
            LatencyStats.Of(done.Select(t => t.CompletedMs!.Value)),
            Math.Round(done.Count / Math.Max(0.001, lastFinal), 2),
            Math.Round(wall, 1),
            this.timeline.IsEmpty ? 0 : this.timeline.Max(s => s.Level),
            [.. this.timeline],
            [.. this.shed.OrderBy(s => s.AtSeconds)],
            checks,
            started);
    }

    async Task<string?> OpenSessionAsync(CancellationToken ct)
    {
        try
        {
            string sessionId = (await client.CreateSessionAsync(new { approvalTimeoutSeconds = 600 }, ct)).SessionId;
            this.sessions.Add(sessionId);
            return sessionId;
        }
        catch (Exception e) when (e is ApiCallException or HttpRequestException or OperationCanceledException)
        {
            Interlocked.Increment(ref this.otherRefusals);
            progress.WriteLine($"load: a session could not be opened: {e.Message}");
            return null;
        }
    }

    /// <summary>One user: its session's turns one after another until the count or the arrival window runs out.</summary>
    async Task UserAsync(string sessionId, TimeSpan startAt, TimeSpan arrivalEnds, CancellationToken ct)
    {
        try
        {
            await Task.Delay(startAt, ct);
            for (int n = 0; n < settings.TurnsPerSession && this.clock.Elapsed < arrivalEnds; n++)
            {
                if (n > 0 && !await this.SessionIdleAsync(sessionId, ct))
                {
                    return;
                }

                (AcceptedTurn? turn, TimeSpan submittedAt) = await this.SubmitAsync(sessionId, arrivalEnds, ct);
                if (turn is null)
                {
                    return;
                }

                this.acceptedBySession.GetOrAdd(sessionId, _ => []).Add(turn.Turn);
                AcceptedTurn finished = await this.FollowAsync(turn, submittedAt, ct);
                this.accepted.Add(finished);
                if (finished.CompletedMs is null)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The hard stop: what this user had accepted and not seen final is reported as not final.
        }
    }

    /// <summary>
    /// Sends a turn, honouring Retry-After on 429 a bounded number of times; null when it was never accepted. Every
    /// attempt of one turn carries the same idempotency key, so an attempt whose answer was lost (timeout) is sent again
    /// and gets the host's first answer: an accepted turn is never lost to the client, nor accepted twice.
    /// </summary>
    async Task<(AcceptedTurn? Turn, TimeSpan SubmittedAt)> SubmitAsync(string sessionId, TimeSpan arrivalEnds, CancellationToken ct)
    {
        string key = Guid.NewGuid().ToString("N");
        TimeSpan firstSubmit = this.clock.Elapsed;
        int lost = 0, shedTimes = 0;
        TimeSpan sent = firstSubmit;
        while (true)
        {
            // A lost answer is sent again and timed from its first send; after a 429 it is a new request, timed anew.
            Interlocked.Increment(ref this.submissions);
            TurnSubmission answer;
            try
            {
                answer = await client.TrySendTurnAsync(sessionId, settings.Input, key, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref this.lostAnswers);
                if (++lost > MaxLostAnswers)
                {
                    // Still no answer: whether the host took it is unknown; the log check shows it if it did.
                    Interlocked.Increment(ref this.otherRefusals);
                    progress.WriteLine($"load: turn of {sessionId} got no answer {lost} times: {e.Message}");
                    return (null, firstSubmit);
                }

                continue;
            }

            double ackMs = (this.clock.Elapsed - sent).TotalMilliseconds;
            if (answer.Accepted is { } view)
            {
                Interlocked.Increment(ref this.acceptedCount);
                return (new AcceptedTurn(sessionId, view.Turn, ackMs, null, null, null), sent);
            }

            if (answer.Status != HttpStatusCode.TooManyRequests)
            {
                Interlocked.Increment(ref this.otherRefusals);
                progress.WriteLine($"load: turn of {sessionId} refused with {(int)answer.Status}: {answer.Problem}");
                return (null, firstSubmit);
            }

            Interlocked.Increment(ref this.shedCount);
            this.shed.Add(new ShedResponse(sessionId, Math.Round(this.clock.Elapsed.TotalSeconds, 2), answer.RetryAfter is not null, answer.Problem));
            TimeSpan wait = answer.RetryAfter ?? TimeSpan.MaxValue;
            if (shedTimes++ >= settings.MaxRetries || wait > settings.MaxRetryWait || this.clock.Elapsed + wait >= arrivalEnds)
            {
                Interlocked.Increment(ref this.givenUp);
                return (null, firstSubmit);
            }

            Interlocked.Increment(ref this.retries);
            await Task.Delay(wait, ct);
            sent = this.clock.Elapsed;
        }
    }

    /// <summary>Polls the turn until it is final, approving each pending approval once; gives up at the hard stop.</summary>
    async Task<AcceptedTurn> FollowAsync(AcceptedTurn turn, TimeSpan submittedAt, CancellationToken ct)
    {
        string? decided = null;
        try
        {
            while (true)
            {
                TurnView view = await client.GetTurnAsync(turn.SessionId, turn.Turn, ct);
                if (view.Phase == TurnPhase.Completed.Snake())
                {
                    Interlocked.Increment(ref this.final);
                    TimeSpan now = this.clock.Elapsed;
                    return turn with { CompletedMs = (now - submittedAt).TotalMilliseconds, Outcome = view.Outcome, FinalAtSeconds = now.TotalSeconds };
                }

                if (view.PendingApproval is { } pending && pending.ApprovalId != decided)
                {
                    decided = pending.ApprovalId;
                    await client.DecideAsync(turn.SessionId, turn.Turn, ApprovalDecisionKind.Approve, "load run", ct);
                }

                await Task.Delay(settings.Poll, ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or ApiCallException)
        {
            progress.WriteLine($"load: turn {turn.Turn} of {turn.SessionId} not final when following stopped: {e.Message}");
            return turn;
        }
    }

    /// <summary>The turn reports final a moment before its session takes the next one: wait that out (bounded by the hard stop).</summary>
    async Task<bool> SessionIdleAsync(string sessionId, CancellationToken ct)
    {
        try
        {
            while ((await client.GetSessionAsync(sessionId, ct)).ActiveTurn is not null)
            {
                await Task.Delay(settings.Poll, ct);
            }

            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or ApiCallException)
        {
            return false;
        }
    }

    /// <summary>Every second: the degrade level and turns in flight as the host reports them (on any session's view).</summary>
    async Task SampleAsync(string sessionId, CancellationToken ct)
    {
        try
        {
            using var timer = new PeriodicTimer(SampleEvery);
            do
            {
                try
                {
                    LoadView load = (await client.GetSessionAsync(sessionId, ct)).Load;
                    this.timeline.Enqueue(new LoadSample(
                        Math.Round(this.clock.Elapsed.TotalSeconds, 1), load.DegradeLevel, load.TurnsInFlight, load.Utilization,
                        Volatile.Read(ref this.acceptedCount), Volatile.Read(ref this.shedCount), Volatile.Read(ref this.final)));
                }
                catch (Exception e) when (e is HttpRequestException or ApiCallException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    progress.WriteLine($"load: degrade level not sampled: {e.Message}");
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException)
        {
        }
    }

    async Task<List<LoadCheck>> VerifyAsync(CancellationToken ct)
    {
        List<AcceptedTurn> turns = [.. this.accepted];
        var notFinal = turns.Where(t => t.CompletedMs is null).Select(t => $"{t.SessionId} turn {t.Turn}").ToList();
        var checks = new List<LoadCheck>
        {
            new("turns were accepted (a run that accepted nothing proves nothing)", this.acceptedCount > 0, $"{this.acceptedCount} accepted"),
            new("every accepted turn reached a final state", notFinal.Count == 0 && turns.Count == this.acceptedCount,
                notFinal.Count == 0 ? $"{turns.Count} of {this.acceptedCount} accepted turns final" : $"{notFinal.Count} not final: {string.Join(", ", notFinal.Take(5))}"),
            new("every 429 carried Retry-After", this.shed.All(s => s.HadRetryAfter), $"{this.shed.Count(s => !s.HadRetryAfter)} of {this.shed.Count} without"),
        };

        var chainProblems = new List<string>();
        var seqProblems = new List<string>();
        var idProblems = new List<string>();
        var finalProblems = new List<string>();
        var strayProblems = new List<string>();
        int events = 0;
        foreach (string sessionId in this.sessions.Order(StringComparer.Ordinal))
        {
            Agents.Core.Storage.ChainVerification chain = await client.VerifyEventsAsync(sessionId, ct);
            if (!chain.Valid)
            {
                chainProblems.Add($"{sessionId}: {string.Join("; ", chain.Problems.Select(p => $"line {p.Line} {p.Kind.Snake()}"))}");
            }

            IReadOnlyList<AgentEvent> log = await client.GetEventsAsync(sessionId, ct);
            events += log.Count;
            if (log.Select((e, i) => e.Seq == i + 1).Any(ok => !ok))
            {
                seqProblems.Add($"{sessionId}: seq {string.Join(",", log.Select(e => e.Seq).Take(20))}");
            }

            if (log.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count() != log.Count)
            {
                idProblems.Add($"{sessionId}: {string.Join(", ", log.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key} ×{g.Count()}").Take(3))}");
            }

            HashSet<int> acceptedTurns = this.acceptedBySession.TryGetValue(sessionId, out ConcurrentBag<int>? numbers) ? [.. numbers] : [];
            foreach (int turn in acceptedTurns)
            {
                int finals = log.Count(e => e.Turn == turn && e.Type == EventTypes.TurnCompleted);
                int admissions = log.Count(e => e.Turn == turn && e.Type == EventTypes.TurnAccepted);
                if (finals != 1 || admissions != 1)
                {
                    finalProblems.Add($"{sessionId} turn {turn}: {admissions} turn.accepted, {finals} turn.completed");
                }
            }

            var stray = log.Where(e => e.Turn is int t && !acceptedTurns.Contains(t)).Select(e => $"{e.Type}@turn {e.Turn}").Distinct().ToList();
            if (stray.Count > 0)
            {
                strayProblems.Add($"{sessionId}: {string.Join(", ", stray.Take(3))}");
            }
        }

        string Detail(List<string> problems, string ok) => problems.Count == 0 ? ok : $"{problems.Count} session(s): {string.Join(" | ", problems.Take(3))}";
        checks.Add(new("each session's hash chain verifies", chainProblems.Count == 0, Detail(chainProblems, $"{this.sessions.Count} sessions, {events} events")));
        checks.Add(new("seq contiguous from 1 in each log", seqProblems.Count == 0, Detail(seqProblems, "no gap or repeat")));
        checks.Add(new("event ids unique in each log", idProblems.Count == 0, Detail(idProblems, "no duplicate")));
        checks.Add(new("exactly one turn.accepted and one turn.completed per accepted turn", finalProblems.Count == 0, Detail(finalProblems, $"{turns.Count} turns")));
        checks.Add(new("no event for a turn that was not accepted (shed requests left no trace)", strayProblems.Count == 0, Detail(strayProblems, $"{this.shedCount} shed responses, none logged")));
        return checks;
    }
}
