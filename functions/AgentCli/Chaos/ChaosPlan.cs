using System.Globalization;
using System.Text;

namespace AgentCli.Chaos;

/// <summary>When a kill lands.</summary>
public enum KillPhase
{
    /// <summary>While a <c>run_tests</c> job runs (its process seen under the host).</summary>
    Tool,

    /// <summary>While a turn waits for approval.</summary>
    Approval,

    /// <summary>At an event-log append: the host kills itself right before or after the N-th append (<c>Chaos:ExitOnAppend</c>).</summary>
    Append,

    /// <summary>At a random moment of the host's life (also the fallback when a targeted moment does not come).</summary>
    Random,
}

/// <summary>
/// A crash-recovery run: the portable host at <see cref="HostDll"/> with <see cref="Settings"/> (storage, Azure Storage
/// backend, a fixed task hub), <see cref="Sessions"/> sessions running turns of <see cref="TicketText"/> side by side,
/// killed <see cref="Kills"/> times at moments drawn from <see cref="Seed"/>, restarted on the same task hub each time.
/// Remotes, the Slack journal and the push log go under <see cref="WorkDirectory"/>.
/// </summary>
public sealed record ChaosPlan(int Kills, int Seed, string HostDll, string WorkDirectory, string TicketText, IReadOnlyDictionary<string, string?> Settings)
{
    public int Sessions { get; init; } = 3;

    /// <summary>Turns per session before the slot opens a new session (a session's token budget holds about ten).</summary>
    public int TurnsPerSession { get; init; } = 3;

    /// <summary>How long a host life waits for its targeted moment before it is killed at random instead.</summary>
    public TimeSpan PhaseWait { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How long the last host (no more kills) has to finish every turn.</summary>
    public TimeSpan FinishWithin { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Random kills land this long after the host answers, in milliseconds (from, to).</summary>
    public (int From, int To) RandomKillMs { get; init; } = (300, 6000);

    /// <summary>The append at which an append-phase host kills itself is drawn from 1..this.</summary>
    public int MaxExitAppend { get; init; } = 12;

    /// <summary>
    /// The <c>run_tests</c> job's command (<c>Workspace:TestCommand</c>): the sample's suite, after a pause of a second
    /// so that a kill can land while the job runs (the suite alone takes a few hundred milliseconds).
    /// </summary>
    public string JobCommand { get; init; } = "sleep 1; python3 -m unittest discover -s tests -t .";

    /// <summary>Marks a job process in its command line (the shell running <see cref="JobCommand"/>, then Python's unittest).</summary>
    public string JobMarker { get; init; } = "unittest";

    /// <summary>
    /// The engine settings of a run, on top of storage: the Azure Storage backend on <paramref name="taskHub"/>, kept
    /// across restarts, with a dead host's messages and leases expiring in seconds instead of the provider's minutes,
    /// and no rate limits (the driver polls every turn).
    /// </summary>
    public static Dictionary<string, string?> EngineSettings(string taskHub) => new()
    {
        ["Durable:Backend"] = "AzureStorage",
        ["Durable:TaskHub"] = taskHub,
        ["Durable:MaxQueuePollingIntervalSeconds"] = "0.5",
        ["Durable:ControlQueueVisibilityTimeoutSeconds"] = "15",
        ["Durable:WorkItemQueueVisibilityTimeoutSeconds"] = "30",
        ["Durable:LeaseIntervalSeconds"] = "10",
        ["Durable:UseAppLease"] = "false",
        ["RateLimits:Enabled"] = "false",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public string? Problem() =>
        this.Kills < 1 ? "the number of kills must be at least 1"
        : this.Sessions < 1 ? "sessions must be at least 1"
        : this.TurnsPerSession < 1 ? "turns per session must be at least 1"
        : this.MaxExitAppend < 1 ? "the largest exit append must be at least 1"
        : this.RandomKillMs.From < 0 || this.RandomKillMs.To <= this.RandomKillMs.From ? "the random kill window must be 0 <= from < to"
        : !File.Exists(this.HostDll) ? $"no portable host at {this.HostDll} (build functions/AgentHost -c Release)"
        : string.IsNullOrWhiteSpace(this.TicketText) ? "the ticket text is empty"
        : null;
}

/// <summary>One kill and what followed it.</summary>
public sealed class KillRecord(int number, KillPhase phase, string detail, double lifeMs)
{
    public int Number => number;

    public KillPhase Phase => phase;

    public string Detail => detail;

    /// <summary>How long the host had been answering when it died.</summary>
    public double LifeMs => lifeMs;

    /// <summary>Turns in flight at the kill, each with what it looked like then.</summary>
    public IReadOnlyDictionary<TurnRef, string> InFlight { get; init; } = new Dictionary<TurnRef, string>();

    /// <summary>Job processes (pids) alive under the host when it died.</summary>
    public IReadOnlyList<int> Jobs { get; init; } = [];

    /// <summary>Kill → the next host answers <c>/api/health</c>.</summary>
    public double? RestartMs { get; set; }

    /// <summary>Kill → the first turn that was in flight moves again (or completes) on the next host.</summary>
    public double? RecoveryMs { get; set; }
}

public sealed record CheckResult(string Name, bool Passed, string Detail);

/// <summary>The outcome of a run: kills by phase, restarts, recovery times, turns, and the checks (passed only when all did).</summary>
public sealed record ChaosReport(
    ChaosPlan Plan,
    string TaskHub,
    IReadOnlyList<KillRecord> Kills,
    int Restarts,
    IReadOnlyList<TurnRef> Turns,
    int SessionCount,
    IReadOnlyList<CheckResult> Checks,
    TimeSpan Elapsed)
{
    public bool Passed => this.Checks.All(c => c.Passed);

    /// <summary>Host starts that failed and were tried again.</summary>
    public IReadOnlyList<string> FailedStarts { get; init; } = [];

    public int KillsIn(KillPhase phase) => this.Kills.Count(k => k.Phase == phase);

    public string Markdown()
    {
        static string Ms(double? v) => v is { } ms ? ms.ToString("0", CultureInfo.InvariantCulture) : "-";
        static string Pair(IReadOnlyCollection<double> values) =>
            values.Count == 0 ? "- (none measured)" : $"p50 {Ms(LatencyStats.Of(values).P50)} ms, p95 {Ms(LatencyStats.Of(values).P95)} ms (n = {values.Count})";

        var restart = this.Kills.Where(k => k.RestartMs is not null).Select(k => k.RestartMs!.Value).ToList();
        var recovery = this.Kills.Where(k => k.RecoveryMs is not null).Select(k => k.RecoveryMs!.Value).ToList();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Crash recovery: {this.Kills.Count} kills, {(this.Passed ? "all checks passed" : "CHECKS FAILED")}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Seed {this.Plan.Seed} · task hub `{this.TaskHub}` (Azure Storage backend on Azurite) · {this.Plan.Sessions} sessions side by side, {this.Plan.TurnsPerSession} turns each before a new session · {this.Elapsed.TotalSeconds:0} s · {DateTime.UtcNow:u}");
        text.AppendLine();
        text.AppendLine("| kills by phase | count |");
        text.AppendLine("|---|---|");
        foreach (KillPhase phase in Enum.GetValues<KillPhase>())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {Describe(phase)} | {this.KillsIn(phase)} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- restarts: {this.Restarts}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- kill → new host answering: {Pair(restart)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- kill → first in-flight turn moving again (time to recover): {Pair(recovery)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- turns: {this.Turns.Count} in {this.SessionCount} sessions");
        text.AppendLine(CultureInfo.InvariantCulture, $"- host starts that failed and were tried again: {this.FailedStarts.Count}{string.Concat(this.FailedStarts.Select(f => $"\n  - {f}"))}");
        int jobs = this.Kills.Sum(k => k.Jobs.Count);
        text.AppendLine(CultureInfo.InvariantCulture, $"- job processes alive at a kill: {jobs} (left running by the SIGKILL of the host alone; see the check)");
        text.AppendLine();
        text.AppendLine("| check | result | detail |");
        text.AppendLine("|---|---|---|");
        foreach (CheckResult check in this.Checks)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {check.Name} | {(check.Passed ? "passed" : "FAILED")} | {check.Detail.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal)} |");
        }

        text.AppendLine();
        text.AppendLine("| kill | phase | what was happening | host up (ms) | restart (ms) | recovered (ms) | turns in flight |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (KillRecord kill in this.Kills)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {kill.Number} | {kill.Phase.ToString().ToLowerInvariant()} | {kill.Detail.Replace("|", "\\|", StringComparison.Ordinal)} | {Ms(kill.LifeMs)} | {Ms(kill.RestartMs)} | {Ms(kill.RecoveryMs)} | {kill.InFlight.Count} |");
        }

        return text.ToString();
    }

    static string Describe(KillPhase phase) => phase switch
    {
        KillPhase.Tool => "while a tool runs (run_tests job process alive)",
        KillPhase.Approval => "while a turn waits for approval",
        KillPhase.Append => "at an event-log append (Chaos:ExitOnAppend, before or after the blob write)",
        _ => "at a random moment",
    };
}
