using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Publishing;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Edge;

namespace AgentCli.Chaos;

/// <summary>
/// Runs the portable host as a child process on one task hub, keeps sessions busy with turns (approving each as it asks,
/// right after a restart too), and kills the host (SIGKILL, the host process alone) at moments chosen by a seeded RNG:
/// while a <c>run_tests</c> job runs, while a turn waits for approval, at an event-log append (the host's own
/// <c>Chaos:ExitOnAppend</c> hook) or at random; then starts a new host on the same task hub, until the planned number
/// of kills. A last host finishes every turn, and the checks run: every turn completed exactly once, every log
/// verifies, and each push, pull request and Slack message happened exactly once.
/// </summary>
public sealed class ChaosDriver(ChaosPlan plan, TextWriter log)
{
    static readonly Caller Approver = new("chaos", "contoso", ["approver"]);
    static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);
    static readonly TimeSpan DecideEvery = TimeSpan.FromSeconds(2);
    static readonly TimeSpan OrphanGrace = TimeSpan.FromSeconds(30);

    readonly Random random = new(plan.Seed);
    readonly List<Slot> slots = [];
    readonly List<TrackedTurn> turns = [];
    readonly List<string> sessions = [];
    readonly List<KillRecord> kills = [];
    readonly List<(int Pid, Stopwatch Since)> orphans = [];
    Paths paths = null!;

    public async Task<ChaosReport> RunAsync(CancellationToken ct)
    {
        if (plan.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(plan));
        }

        var clock = Stopwatch.StartNew();
        this.paths = Paths.Prepare(plan.WorkDirectory);
        int port = FreePort();
        Dictionary<string, string?> settings = this.HostSettings(port);
        string taskHub = settings.GetValueOrDefault("Durable:TaskHub") ?? "(default)";
        log.WriteLine($"chaos: seed {plan.Seed}, {plan.Kills} kills, {plan.Sessions} sessions side by side, task hub {taskHub}, work in {this.paths.Root}");
        this.slots.AddRange(Enumerable.Range(0, plan.Sessions).Select(_ => new Slot()));
        IReadOnlyList<KillPhase> schedule = this.Schedule();
        KillRecord? previous = null;
        var sinceKill = new Stopwatch();
        int restarts = 0;
        while (true)
        {
            bool last = this.kills.Count >= plan.Kills;
            KillPhase target = last ? KillPhase.Random : schedule[this.kills.Count];
            var life = new Dictionary<string, string?>(settings);
            if (!last && target == KillPhase.Append)
            {
                life[$"{ChaosOptions.Section}:{nameof(ChaosOptions.ExitOnAppend)}"] = this.random.Next(1, plan.MaxExitAppend + 1).ToString(CultureInfo.InvariantCulture);
                life[$"{ChaosOptions.Section}:{nameof(ChaosOptions.ExitAt)}"] = (this.random.Next(2) == 0 ? AppendExitPoint.Before : AppendExitPoint.After).ToString();
            }

            await using HostLauncher host = await this.StartAsync(life, port, ct).ConfigureAwait(false);
            if (previous is not null)
            {
                previous.RestartMs = sinceKill.Elapsed.TotalMilliseconds;
                restarts++;
            }

            using AgentClient client = AgentClient.For(host.Address.ToString(), Approver, this.paths.KeyFile);
            if (last)
            {
                await this.FinishAsync(client, previous, sinceKill, ct).ConfigureAwait(false);
                IReadOnlyList<CheckResult> checks = await this.CheckAsync(client, ct).ConfigureAwait(false);
                var report = new ChaosReport(plan, taskHub, this.kills, restarts, [.. this.turns.Select(t => t.Ref)], this.sessions.Count, checks, clock.Elapsed)
                {
                    FailedStarts = this.FailedStarts,
                };
                await host.KillAsync(entireTree: true).ConfigureAwait(false);
                return report;
            }

            previous = await this.LifeAsync(host, client, target, previous, sinceKill, ct).ConfigureAwait(false);
            this.kills.Add(previous);
            log.WriteLine($"kill {previous.Number,3}/{plan.Kills}: {previous.Phase.ToString().ToLowerInvariant(),-8} after {previous.LifeMs / 1000:0.0} s: {previous.Detail}" +
                $" ({previous.InFlight.Count} turns in flight, {this.turns.Count(t => t.Completed)}/{this.turns.Count} turns completed so far)");
        }
    }

    /// <summary>
    /// Starts a host; a start that fails (on a starved machine a startup check can time out) is logged, counted and
    /// tried again, as a supervisor would, up to three times.
    /// </summary>
    async Task<HostLauncher> StartAsync(Dictionary<string, string?> settings, int port, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await HostLauncher.StartAsync(plan.HostDll, settings, $"http://127.0.0.1:{port}", TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
            }
            catch (InvalidOperationException e) when (attempt < 3)
            {
                this.FailedStarts.Add(e.Message.Split('\n').FirstOrDefault(l => l.Contains("Exception:", StringComparison.Ordinal))?.Trim() ?? e.Message.Split('\n')[0]);
                log.WriteLine($"host start {attempt} failed, starting again: {this.FailedStarts[^1]}");
            }
        }
    }

    /// <summary>Host starts that failed and were tried again (not kills; reported).</summary>
    public List<string> FailedStarts { get; } = [];

    /// <summary>The targeted phase of each life: tool, approval and append in a shuffled order, then random, repeated.</summary>
    IReadOnlyList<KillPhase> Schedule()
    {
        var schedule = new List<KillPhase>();
        while (schedule.Count < plan.Kills)
        {
            KillPhase[] round = [KillPhase.Tool, KillPhase.Approval, KillPhase.Append];
            this.random.Shuffle(round);
            schedule.AddRange(round);
            schedule.Add(KillPhase.Random);
        }

        return schedule;
    }

    /// <summary>One host's life: drive the turns until the moment the target asks for, then kill it (or see it kill itself).</summary>
    async Task<KillRecord> LifeAsync(HostLauncher host, AgentClient client, KillPhase target, KillRecord? previous, Stopwatch sinceKill, CancellationToken ct)
    {
        var life = Stopwatch.StartNew();
        KillPhase phase = target;
        double? killAt = target == KillPhase.Random ? this.random.Next(plan.RandomKillMs.From, plan.RandomKillMs.To) : null;
        string detail = target == KillPhase.Random ? "random moment" : string.Empty;
        IReadOnlyList<int> jobs = [];
        while (true)
        {
            if (host.HasExited)
            {
                string? said = host.Output.LastOrDefault(l => l.Contains(ChaosOptions.ExitMarker, StringComparison.Ordinal));
                if (target != KillPhase.Append || said is null)
                {
                    throw new InvalidOperationException($"the host died without being killed (a crash to investigate):\n{string.Join("\n", host.Output.TakeLast(40))}");
                }

                sinceKill.Restart();
                return new KillRecord(this.kills.Count + 1, KillPhase.Append, said[said.IndexOf("append", StringComparison.Ordinal)..], life.Elapsed.TotalMilliseconds)
                {
                    InFlight = this.InFlight(),
                    Jobs = this.Orphaned(jobs.Where(pid => JobProcesses.IsRunning(pid, plan.JobMarker)).ToList()),
                };
            }

            await this.TickAsync(client, holdApprovals: target == KillPhase.Approval, submit: true, ct).ConfigureAwait(false);

            // Seen while the host lives: once it is dead its jobs belong to init and can no longer be told apart.
            jobs = JobProcesses.Find(host.Pid, plan.JobMarker);
            this.Observe(previous, sinceKill);
            if (killAt is null)
            {
                switch (target)
                {
                    case KillPhase.Tool when jobs.Count > 0:
                        killAt = life.Elapsed.TotalMilliseconds + this.random.Next(0, 120);
                        detail = $"run_tests job running (pid {string.Join(", ", jobs)})";
                        break;
                    case KillPhase.Approval when this.turns.FirstOrDefault(t => t.WaitingFor is not null) is { } waiting:
                        killAt = life.Elapsed.TotalMilliseconds + this.random.Next(0, 400);
                        detail = $"{waiting.Ref} waiting for approval {waiting.WaitingFor}";
                        break;
                }

                if (killAt is null && life.Elapsed > plan.PhaseWait)
                {
                    phase = KillPhase.Random;
                    killAt = life.Elapsed.TotalMilliseconds;
                    detail = $"no {target.ToString().ToLowerInvariant()} moment within {plan.PhaseWait.TotalSeconds:0} s: killed at random instead";
                }
            }

            if (killAt is not null && life.Elapsed.TotalMilliseconds >= killAt)
            {
                jobs = JobProcesses.Find(host.Pid, plan.JobMarker);
                if (phase == KillPhase.Tool && jobs.Count == 0)
                {
                    // The job ended in the meantime: wait for the next one.
                    killAt = null;
                    continue;
                }

                IReadOnlyDictionary<TurnRef, string> inFlight = this.InFlight();
                await host.KillAsync(entireTree: false).ConfigureAwait(false);
                sinceKill.Restart();
                return new KillRecord(this.kills.Count + 1, phase, detail, life.Elapsed.TotalMilliseconds) { InFlight = inFlight, Jobs = this.Orphaned(jobs) };
            }

            await Task.Delay(Tick, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The last host: no more kills and no new turns; every turn in flight finishes.</summary>
    async Task FinishAsync(AgentClient client, KillRecord? previous, Stopwatch sinceKill, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (this.turns.Any(t => !t.Completed) && clock.Elapsed < plan.FinishWithin)
        {
            await this.TickAsync(client, holdApprovals: false, submit: false, ct).ConfigureAwait(false);
            this.Observe(previous, sinceKill);
            await Task.Delay(Tick, ct).ConfigureAwait(false);
        }

        while (this.orphans.Any(o => JobProcesses.IsRunning(o.Pid, plan.JobMarker)) && clock.Elapsed < plan.FinishWithin + OrphanGrace)
        {
            await Task.Delay(Tick, ct).ConfigureAwait(false);
        }
    }

    /// <summary>One pass over the session slots: read each turn in flight, approve what waits (unless held), start sessions and turns.</summary>
    async Task TickAsync(AgentClient client, bool holdApprovals, bool submit, CancellationToken ct)
    {
        foreach (Slot slot in this.slots)
        {
            try
            {
                await this.StepAsync(slot, client, holdApprovals, submit, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or ApiCallException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // The host is dying or busy (a 409 while the session finishes its last turn): the next pass tries again.
            }
        }
    }

    async Task StepAsync(Slot slot, AgentClient client, bool holdApprovals, bool submit, CancellationToken ct)
    {
        if (slot.Active is { } turn)
        {
            TurnView view = await client.GetTurnAsync(turn.Ref.SessionId, turn.Ref.Turn, ct).ConfigureAwait(false);
            turn.See(view);
            if (turn.Completed)
            {
                slot.Active = null;
            }
            else if (view.PendingApproval is { } pending && !holdApprovals && (turn.DecidedAt is null || turn.DecidedAt.Elapsed > DecideEvery))
            {
                turn.DecidedAt = Stopwatch.StartNew();
                await client.DecideAsync(turn.Ref.SessionId, turn.Ref.Turn, ApprovalDecisionKind.Approve, $"chaos run, approval {pending.ApprovalId}", ct).ConfigureAwait(false);
            }

            return;
        }

        if (!submit)
        {
            return;
        }

        if (slot.SessionId is null || slot.Submitted >= plan.TurnsPerSession)
        {
            SessionCreatedView created = await client.CreateSessionAsync(new { approvalTimeoutSeconds = 3600, idleTtlSeconds = 7200 }, ct).ConfigureAwait(false);
            this.sessions.Add(created.SessionId);
            (slot.SessionId, slot.Submitted, slot.Key) = (created.SessionId, 0, null);
            return;
        }

        // The same key until the turn is accepted: a retry after a kill gets the turn the first request may have started.
        slot.Key ??= $"chaos-{Guid.NewGuid():N}";
        TurnAcceptedView accepted = await client.SendTurnAsync(slot.SessionId, plan.TicketText, ct, slot.Key).ConfigureAwait(false);
        var tracked = new TrackedTurn(new TurnRef(accepted.SessionId, accepted.Turn));
        this.turns.Add(tracked);
        (slot.Active, slot.Submitted, slot.Key) = (tracked, slot.Submitted + 1, null);
    }

    /// <summary>After a restart: the first turn that was in flight at the kill and has moved since marks the recovery.</summary>
    void Observe(KillRecord? previous, Stopwatch sinceKill)
    {
        if (previous is { RecoveryMs: null, InFlight.Count: > 0 }
            && this.turns.Any(t => previous.InFlight.TryGetValue(t.Ref, out string? then) && t.Signature != then))
        {
            previous.RecoveryMs = sinceKill.Elapsed.TotalMilliseconds;
        }
    }

    IReadOnlyDictionary<TurnRef, string> InFlight() => this.turns.Where(t => !t.Completed).ToDictionary(t => t.Ref, t => t.Signature);

    IReadOnlyList<int> Orphaned(IReadOnlyList<int> jobs)
    {
        this.orphans.AddRange(jobs.Select(pid => (pid, Stopwatch.StartNew())));
        return jobs;
    }

    async Task<IReadOnlyList<CheckResult>> CheckAsync(AgentClient client, CancellationToken ct)
    {
        var checks = new List<CheckResult>();
        var refs = this.turns.Select(t => t.Ref).ToList();
        var unfinished = this.turns.Where(t => !t.Completed || t.Outcome != TurnOutcome.Completed.Snake()).ToList();
        checks.Add(new CheckResult(
            "every turn completed (outcome completed)",
            unfinished.Count == 0 && refs.Count > 0,
            unfinished.Count == 0 ? $"{refs.Count} turns" : string.Join("\n", unfinished.Select(t => $"{t.Ref}: {t.Phase ?? "never seen"} {t.Outcome}"))));

        var logProblems = new List<string>();
        var approvals = new List<ApprovalRef>();
        int events = 0;
        foreach (IGrouping<string, TurnRef> session in refs.GroupBy(r => r.SessionId))
        {
            IReadOnlyList<AgentEvent> log = await client.GetEventsAsync(session.Key, ct).ConfigureAwait(false);
            ChainVerification verification = await client.VerifyEventsAsync(session.Key, ct).ConfigureAwait(false);
            logProblems.AddRange(ExactlyOnceChecks.EventLog(session.Key, log, verification, session.Select(r => r.Turn)));
            approvals.AddRange(ExactlyOnceChecks.Approvals(session.Key, log));
            events += log.Count;
        }

        checks.Add(Check("every log verifies: chain intact, seq contiguous, ids unique, one turn.completed per turn", logProblems,
            $"{refs.Select(r => r.SessionId).Distinct().Count()} sessions, {events} events"));

        string[] pushed = File.Exists(this.paths.PushLog) ? await File.ReadAllLinesAsync(this.paths.PushLog, ct).ConfigureAwait(false) : [];
        checks.Add(Check("each turn's branch pushed exactly once (pre-receive hook)", ExactlyOnceChecks.Pushes(pushed, refs),
            $"{pushed.Count(p => p.StartsWith("refs/heads/agent/", StringComparison.Ordinal))} pushes of agent branches"));

        var records = Directory.EnumerateFiles(this.paths.Remotes, "*.json", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f))!.EndsWith(".pulls", StringComparison.Ordinal))
            .Select(f => JsonSerializer.Deserialize<PullRequestRecord>(File.ReadAllText(f), JsonDefaults.Web)!)
            .ToList();
        checks.Add(Check("each turn's pull request opened exactly once (local PR records)", ExactlyOnceChecks.PullRequests(records, refs), $"{records.Count} pull requests"));

        IReadOnlyList<SlackSimulator.JournalEntry> journal = File.Exists(this.paths.SlackJournal) ? SlackSimulator.ReadJournal(this.paths.SlackJournal) : [];
        checks.Add(Check("each approval posted to Slack exactly once and its message updated to one content (the same update re-sent after a kill overwrites nothing new)", ExactlyOnceChecks.SlackMessages(journal, approvals),
            $"{approvals.Count} approval requests, {journal.Count(e => e.Method == "chat.postMessage")} posts, {journal.Count(e => e.Method == "chat.update")} updates ({journal.Where(e => e.Method == "chat.update").Select(e => e.Ts).Distinct().Count()} messages updated)"));

        var alive = this.orphans.Where(o => JobProcesses.IsRunning(o.Pid, plan.JobMarker)).Select(o => o.Pid).ToList();
        checks.Add(Check("job processes left by a kill are gone (they ran in a throw-away copy)",
            alive.Select(pid => $"pid {pid} still running"), $"{this.orphans.Count} job processes outlived their host; none still running"));

        if (plan.Kills >= 3)
        {
            var missing = new[] { KillPhase.Tool, KillPhase.Approval, KillPhase.Append }.Where(p => this.kills.All(k => k.Phase != p)).ToList();
            checks.Add(Check("kills cover tool, approval and append", missing.Select(p => $"no kill in phase {p.ToString().ToLowerInvariant()}"),
                string.Join(", ", Enum.GetValues<KillPhase>().Select(p => $"{p.ToString().ToLowerInvariant()} {this.kills.Count(k => k.Phase == p)}"))));
        }

        return checks;
    }

    static CheckResult Check(string name, IEnumerable<string> problems, string ok)
    {
        var list = problems.ToList();
        return new CheckResult(name, list.Count == 0, list.Count == 0 ? ok : string.Join("\n", list.Take(20)) + (list.Count > 20 ? $"\n... {list.Count - 20} more" : string.Empty));
    }

    /// <summary>The host's settings for every life: the plan's, plus the Slack simulator with its journal, the remotes, the push hook and the dev issuer.</summary>
    Dictionary<string, string?> HostSettings(int port)
    {
        var settings = new Dictionary<string, string?>(plan.Settings)
        {
            ["Workspace:RemotesRoot"] = this.paths.Remotes,
            ["Workspace:TestCommand"] = plan.JobCommand,
            ["Auth:DevIssuer:Enabled"] = "true",
            ["Auth:DevIssuer:KeyFile"] = this.paths.KeyFile,
            ["Slack:Simulator"] = "true",
            ["Slack:ApiBaseUrl"] = $"http://127.0.0.1:{port}/slack-api/",
            ["Slack:PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Slack:SimulatorJournal"] = this.paths.SlackJournal,
            ["Slack:BotToken"] = "xoxb-chaos-simulator",

            // Made up per run, like scripts/lib.sh's use_local_slack: the simulator is the only one who sees it.
            ["Slack:SigningSecret"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),

            // Every git the host runs (and the receive-pack of a local push) reads this config: a pre-receive hook that logs each pushed ref.
            ["GIT_CONFIG_GLOBAL"] = this.paths.GitConfig,
        };
        return settings;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    sealed class Slot
    {
        public string? SessionId { get; set; }

        public int Submitted { get; set; }

        public string? Key { get; set; }

        public TrackedTurn? Active { get; set; }
    }

    sealed class TrackedTurn(TurnRef turn)
    {
        public TurnRef Ref => turn;

        /// <summary>What the turn looked like at the last read: phase, revision, each step's status, decisions so far.</summary>
        public string Signature { get; private set; } = "not seen";

        public string? Phase { get; private set; }

        public string? Outcome { get; private set; }

        public bool Completed { get; private set; }

        public string? WaitingFor { get; private set; }

        public Stopwatch? DecidedAt { get; set; }

        public void See(TurnView view)
        {
            this.Phase = view.Phase;
            this.Outcome = view.Outcome;
            this.Completed = view.Phase == TurnPhase.Completed.Snake();
            this.WaitingFor = view.PendingApproval?.ApprovalId;
            this.Signature = $"{view.Phase}|{view.Revision}|{string.Join(",", view.Graph.Select(n => $"{n.Id}:{n.Status}"))}|{view.Approvals.Count}";
        }
    }

    /// <summary>Where a run keeps what it counts: remotes and PR records, the push log and its hook, the Slack journal, the dev issuer's key.</summary>
    sealed record Paths(string Root, string Remotes, string PushLog, string GitConfig, string SlackJournal, string KeyFile)
    {
        public static Paths Prepare(string workDirectory)
        {
            string root = Path.GetFullPath(workDirectory);
            var paths = new Paths(root, Path.Combine(root, "remotes"), Path.Combine(root, "pushes.log"), Path.Combine(root, "gitconfig"),
                Path.Combine(root, "slack-journal.jsonl"), Path.Combine(root, "dev-issuer", "signing-keys.json"));
            if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
            {
                throw new ArgumentException($"the work directory {root} is not empty: give each run a fresh one (its counts must start at zero)");
            }

            string hooks = Path.Combine(root, "hooks");
            Directory.CreateDirectory(hooks);
            Directory.CreateDirectory(paths.Remotes);
            string hook = Path.Combine(hooks, "pre-receive");
            File.WriteAllText(hook, $"#!/bin/sh\nwhile read old new ref; do echo \"$ref\" >> '{paths.PushLog}'; done\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            File.WriteAllText(paths.GitConfig, $"[core]\n\thooksPath = {hooks}\n");
            return paths;
        }
    }
}
