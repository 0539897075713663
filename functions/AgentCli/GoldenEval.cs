using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Sessions;
using Agents.Core.Storage;

namespace AgentCli;

/// <summary>
/// Runs the golden tasks against a running host over its HTTP API, one session per task, one task at a time: sends the
/// ticket as a turn in a session on the task's repository, answers each approval request with the manifest's next
/// decision, and checks the finished turn against the expected outcome. Timings come from the session's event log
/// (the server's clock): <c>turn.accepted</c> → the first <c>plan.previewed</c>, and → the first <c>step.completed</c>
/// of a <c>draft_patch</c> step. Which models answered is read from the <c>model.called</c> events, so a host
/// configured with a live provider is reported as live.
/// </summary>
public sealed class GoldenEval(AgentClient client, AgentClient approver)
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>Writes a line per finished task as it goes (the console, or nothing).</summary>
    public Action<string> Progress { get; init; } = _ => { };

    public TimeSpan TaskTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>When set, approve and revise are clicked in the Slack simulator's message through the signed webhook; deny (no button) goes through the API.</summary>
    public SlackClicker? Slack { get; init; }

    public async Task<GoldenEvalReport> RunAsync(GoldenManifest manifest, string root, string label, CancellationToken ct)
    {
        var results = new List<GoldenTaskResult>();
        var wall = Stopwatch.StartNew();
        foreach (GoldenTask task in manifest.Tasks)
        {
            GoldenTaskResult result;
            try
            {
                result = await this.RunTaskAsync(task, root, ct);
            }
            catch (Exception e) when (e is ApiCallException or HttpRequestException or IOException or InvalidOperationException or JsonException
                || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                result = GoldenTaskResult.Crashed(task, $"{e.GetType().Name}: {e.Message}");
            }

            results.Add(result);
            this.Progress(GoldenReport.ProgressLine(result));
        }

        return new GoldenEvalReport(label, client.BaseAddress.ToString(), DateTime.UtcNow, results, GoldenSummary.Of(results, wall.Elapsed))
        {
            DecisionsVia = this.Slack is null ? "the approvals API" : "signed Slack clicks through the webhook (approve, revise); the approvals API (deny)",
        };
    }

    async Task<GoldenTaskResult> RunTaskAsync(GoldenTask task, string root, CancellationToken ct)
    {
        var problems = new List<string>();
        string ticket = await File.ReadAllTextAsync(Path.Combine(root, task.Ticket), ct);
        var wall = Stopwatch.StartNew();
        SessionCreatedView session = await client.CreateSessionAsync(
            new { repository = task.Repository, title = $"golden {task.Id}", approvalTimeoutSeconds = 600 }, ct);
        TurnAcceptedView turn = await client.SendTurnAsync(session.SessionId, ticket, ct);

        IReadOnlyList<GoldenDecision> decisions = task.Decisions ?? [];
        int given = 0;
        var answered = new HashSet<string>(StringComparer.Ordinal);
        TurnView view;
        while (true)
        {
            view = await client.GetTurnAsync(session.SessionId, turn.Turn, ct);
            if (view.Phase == TurnPhase.Completed.Snake())
            {
                break;
            }

            if (wall.Elapsed > this.TaskTimeout)
            {
                problems.Add($"did not finish within {this.TaskTimeout.TotalSeconds:0} s (phase {view.Phase})");
                break;
            }

            if (view.PendingApproval is { } pending && answered.Add(pending.ApprovalId))
            {
                string steps = string.Join(", ", pending.Steps);
                if (given < decisions.Count)
                {
                    GoldenDecision decision = decisions[given++];
                    ApprovalDecisionKind kind = decision.Kind!.Value;
                    string rationale = decision.Rationale ?? $"golden eval: {decision.Decision}";
                    if (this.Slack is not null && kind != ApprovalDecisionKind.Deny)
                    {
                        await this.Slack.ClickAsync(session.SessionId, turn.Turn, kind.Snake(), approver.Identity.User, rationale, ct);
                    }
                    else
                    {
                        await approver.DecideAsync(session.SessionId, turn.Turn, kind, rationale, ct);
                    }
                }
                else
                {
                    problems.Add($"approval asked for {steps} beyond the {decisions.Count} scripted decision(s): denied");
                    await approver.DecideAsync(session.SessionId, turn.Turn, ApprovalDecisionKind.Deny, "golden eval: no decision scripted for this request", ct);
                }

                continue;
            }

            await Task.Delay(Poll, ct);
        }

        double wallMs = wall.Elapsed.TotalMilliseconds;
        if (given < decisions.Count)
        {
            problems.Add($"{decisions.Count} decision(s) scripted, only {given} approval request(s) came");
        }

        IReadOnlyList<AgentEvent> events = (await client.GetEventsAsync(session.SessionId, ct)).Where(e => e.Turn == turn.Turn).ToList();
        DateTime? accepted = events.FirstOrDefault(e => e.Type == EventTypes.TurnAccepted)?.Time;
        DateTime? previewed = events.FirstOrDefault(e => e.Type == EventTypes.PlanPreviewed)?.Time;
        DateTime? patched = events.FirstOrDefault(e => e.Type == EventTypes.StepCompleted && e.Inputs?.GetValueOrDefault("tool") == "draft_patch")?.Time;
        var calls = events.Where(e => e.Type == EventTypes.ModelCalled).ToList();
        var models = calls.Select(ModelServed.Of).Distinct().ToList();

        ActionNode? draft = view.Graph.LastOrDefault(n => n.Tool == "draft_patch" && n.Status == StepStatus.Succeeded);
        IReadOnlyList<string> files = draft is null ? [] : PatchFilesOf(draft);
        var observed = new GoldenObserved(
            view.Outcome ?? "(none)",
            [.. view.Graph.Where(n => n.Status == StepStatus.Forbidden).Select(n => n.Id).Order(StringComparer.Ordinal)],
            [.. view.Approvals.Where(a => a.Resolution != ApprovalResolution.Ignored).SelectMany(a => a.Steps).Distinct().Order(StringComparer.Ordinal)],
            files,
            view.Graph.Any(n => n.Tool == "run_tests" && n.Status == StepStatus.Succeeded),
            view.Graph.Any(n => n.Tool == "open_pull_request" && n.Status == StepStatus.Succeeded),
            view.Revision);
        problems.AddRange(Compare(task.Expect, observed, view));

        return new GoldenTaskResult(
            task.Id,
            task.Repository,
            task.Kind,
            problems.Count == 0,
            problems,
            session.SessionId,
            observed,
            Turns: 1,
            Plans: view.Revision + 1,
            ModelCalls: calls.Count,
            Tokens: view.Tokens.Total,
            CostUsd: view.CostUsd,
            ToPlanPreviewMs: Between(accepted, previewed),
            ToFirstPatchMs: Between(accepted, patched),
            WallMs: Math.Round(wallMs, 1),
            Models: models);
    }

    /// <summary>Every way the finished turn differs from what the task expects, in words.</summary>
    public static IReadOnlyList<string> Compare(GoldenExpectation expect, GoldenObserved observed, TurnView? view = null)
    {
        var problems = new List<string>();
        if (!string.Equals(expect.Outcome, observed.Outcome, StringComparison.Ordinal))
        {
            string why = view?.Error ?? view?.Graph.FirstOrDefault(n => n.Status is StepStatus.Failed)?.Error ?? string.Empty;
            problems.Add($"outcome {observed.Outcome}, expected {expect.Outcome}{(why.Length == 0 ? string.Empty : $" ({Short(why)})")}");
        }

        SameSet("refused by policy", expect.Refused ?? [], observed.Refused, problems);
        SameSet("held for approval", expect.Held ?? [], observed.Held, problems);
        SameSet("files changed", expect.Files ?? [], observed.Files, problems);
        if (expect.TestsPass != observed.TestsPassed)
        {
            string why = view?.Graph.FirstOrDefault(n => n.Tool == "run_tests")?.Error ?? string.Empty;
            problems.Add(expect.TestsPass ? $"tests did not pass{(why.Length == 0 ? string.Empty : $" ({Short(why)})")}" : "tests ran green where they should not have run");
        }

        if (expect.PullRequest != observed.PullRequest)
        {
            problems.Add(expect.PullRequest ? "no pull request was opened" : "a pull request was opened");
        }

        if (expect.Revisions is int revisions && revisions != observed.Revisions)
        {
            problems.Add($"{observed.Revisions} plan revision(s), expected {revisions}");
        }

        return problems;
    }

    static void SameSet(string what, IReadOnlyList<string> expected, IReadOnlyList<string> actual, List<string> problems)
    {
        var missing = expected.Except(actual, StringComparer.Ordinal).ToList();
        var extra = actual.Except(expected, StringComparer.Ordinal).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            problems.Add($"{what}: [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
        }
    }

    static string Short(string text) => text.Length <= 160 ? text : text[..157] + "...";

    static double? Between(DateTime? from, DateTime? to) =>
        from is { } a && to is { } b ? Math.Round((b - a).TotalMilliseconds, 1) : null;

    /// <summary>
    /// The files a drafted patch changes, from the step's preview (<c>patch: a, b (+n -m)</c>). The diff itself is not
    /// served: it is the model's answer, stored once by its hash, and model answers are private working state.
    /// </summary>
    public static IReadOnlyList<string> PatchFilesOf(ActionNode draft)
    {
        string preview = draft.OutputPreview ?? string.Empty;
        const string Prefix = "patch: ";
        int end = preview.LastIndexOf(" (+", StringComparison.Ordinal);
        return preview.StartsWith(Prefix, StringComparison.Ordinal) && end > Prefix.Length
            ? [.. preview[Prefix.Length..end].Split(", ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal)]
            : [];
    }
}

/// <summary>What one task's turn came to, in the manifest's terms.</summary>
public sealed record GoldenObserved(
    string Outcome,
    IReadOnlyList<string> Refused,
    IReadOnlyList<string> Held,
    IReadOnlyList<string> Files,
    bool TestsPassed,
    bool PullRequest,
    int Revisions);

/// <summary>A model that answered: its name, the configured provider, and whether it is the offline recordings or a live service.</summary>
public sealed record ModelServed(string Model, string Provider, bool Live)
{
    /// <summary>
    /// From a <c>model.called</c> event: its <c>system</c> input (the GenAI provider name: <c>offline</c>,
    /// <c>azure.ai.openai</c>, <c>openai</c>); in logs written before that input existed, the provider named
    /// <c>offline</c> (or a replay's answers from a log) is not live and anything else is.
    /// </summary>
    public static ModelServed Of(AgentEvent called)
    {
        string provider = called.Inputs?.GetValueOrDefault("provider") ?? "unknown";
        string system = called.Inputs?.GetValueOrDefault("system") ?? (provider is "offline" or "replay" ? provider : "unknown");
        return new ModelServed(called.Model ?? "unknown", provider, system is not ("offline" or "replay"));
    }

    public override string ToString() => $"{this.Model} ({this.Provider}, {(this.Live ? "live" : "offline recording")})";
}

public sealed record GoldenTaskResult(
    string Id,
    string Repository,
    string? Kind,
    bool Passed,
    IReadOnlyList<string> Problems,
    string? SessionId,
    GoldenObserved? Observed,
    int Turns,
    int Plans,
    int ModelCalls,
    int Tokens,
    decimal CostUsd,
    double? ToPlanPreviewMs,
    double? ToFirstPatchMs,
    double WallMs,
    IReadOnlyList<ModelServed> Models)
{
    public static GoldenTaskResult Crashed(GoldenTask task, string why) =>
        new(task.Id, task.Repository, task.Kind, false, [why], null, null, 0, 0, 0, 0, 0m, null, null, 0, []);
}

/// <summary>Nearest-rank percentiles, in milliseconds.</summary>
public sealed record LatencySummary(int Count, double P50, double P95, double Min, double Max)
{
    public static LatencySummary? Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        double Percentile(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        return new LatencySummary(sorted.Count, Math.Round(Percentile(0.50), 1), Math.Round(Percentile(0.95), 1), Math.Round(sorted[0], 1), Math.Round(sorted[^1], 1));
    }
}

/// <summary>
/// The run as a whole. Tokens and cost per success are everything the run spent divided by the tasks that met their
/// expectation (failed tasks' spend counts against the successes).
/// </summary>
public sealed record GoldenSummary(
    int Tasks,
    int Passed,
    double SuccessRate,
    double AverageTurns,
    double AveragePlans,
    double TokensPerSuccess,
    decimal CostPerSuccessUsd,
    int TotalTokens,
    decimal TotalCostUsd,
    LatencySummary? ToPlanPreviewMs,
    LatencySummary? ToFirstPatchMs,
    string Serving,
    IReadOnlyList<ModelServed> Models,
    double WallSeconds)
{
    public static GoldenSummary Of(IReadOnlyList<GoldenTaskResult> results, TimeSpan wall)
    {
        int passed = results.Count(r => r.Passed);
        int tokens = results.Sum(r => r.Tokens);
        decimal cost = results.Sum(r => r.CostUsd);
        var ran = results.Where(r => r.Turns > 0).ToList();
        var models = results.SelectMany(r => r.Models).Distinct().OrderBy(m => m.Model, StringComparer.Ordinal).ToList();
        string serving = models.Count == 0 ? "no model answered"
            : models.All(m => !m.Live) ? "offline model (recorded answers)"
            : models.All(m => m.Live) ? $"live model ({string.Join(", ", models.Select(m => m.Provider).Distinct())})"
            : $"mixed: live ({string.Join(", ", models.Where(m => m.Live).Select(m => m.Provider).Distinct())}) and offline recordings";
        return new GoldenSummary(
            results.Count,
            passed,
            results.Count == 0 ? 0 : Math.Round((double)passed / results.Count, 4),
            ran.Count == 0 ? 0 : Math.Round(ran.Average(r => r.Turns), 2),
            ran.Count == 0 ? 0 : Math.Round(ran.Average(r => r.Plans), 2),
            passed == 0 ? 0 : Math.Round((double)tokens / passed, 1),
            passed == 0 ? 0m : Math.Round(cost / passed, 6),
            tokens,
            cost,
            LatencySummary.Of(results.Where(r => r.ToPlanPreviewMs is not null).Select(r => r.ToPlanPreviewMs!.Value)),
            LatencySummary.Of(results.Where(r => r.ToFirstPatchMs is not null).Select(r => r.ToFirstPatchMs!.Value)),
            serving,
            models,
            Math.Round(wall.TotalSeconds, 1));
    }
}

public sealed record GoldenEvalReport(string Label, string Host, DateTime At, IReadOnlyList<GoldenTaskResult> Tasks, GoldenSummary Summary)
{
    public string DecisionsVia { get; init; } = "the approvals API";

    public bool AllPassed => this.Tasks.All(t => t.Passed);
}

/// <summary>The report as text: a table per task and the overall line, for the console and as Markdown.</summary>
public static class GoldenReport
{
    public static string ProgressLine(GoldenTaskResult r) =>
        $"{(r.Passed ? "pass" : "FAIL")} {r.Id,-40} {r.Observed?.Outcome ?? "-",-10} {r.Tokens,6} tokens  preview {Ms(r.ToPlanPreviewMs),6}  patch {Ms(r.ToFirstPatchMs),6}" +
        (r.Passed ? string.Empty : $"  {string.Join("; ", r.Problems)}");

    public static string OverallLine(GoldenSummary s) => string.Create(CultureInfo.InvariantCulture,
        $"{s.Passed}/{s.Tasks} tasks met their expected outcome ({s.SuccessRate:P1}); average turns {s.AverageTurns:0.00} (plans {s.AveragePlans:0.00}); " +
        $"tokens per success {s.TokensPerSuccess:0}; cost per success ${s.CostPerSuccessUsd:0.0000}; " +
        $"plan preview p50 {Ms(s.ToPlanPreviewMs?.P50)} ms, p95 {Ms(s.ToPlanPreviewMs?.P95)} ms; first patch p50 {Ms(s.ToFirstPatchMs?.P50)} ms, p95 {Ms(s.ToFirstPatchMs?.P95)} ms; " +
        $"served by: {s.Serving}");

    public static string Markdown(GoldenEvalReport report, string manifestPath)
    {
        GoldenSummary s = report.Summary;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Golden eval: {report.Label}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- host: {report.Host}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- run at: {report.At:u}, {s.WallSeconds:0.0} s for {s.Tasks} tasks, one at a time");
        md.AppendLine(CultureInfo.InvariantCulture, $"- tasks: {manifestPath}; decisions via {report.DecisionsVia}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- model: **{s.Serving}**: {(s.Models.Count == 0 ? "none" : string.Join("; ", s.Models))}");
        md.AppendLine("- times are from the session's event log (the host's clock): `turn.accepted` → first `plan.previewed`, and → first `step.completed` of a `draft_patch` step; a patch drafted after an approval includes the scripted decision's round trip");
        md.AppendLine("- tokens and cost per success: all the run spent, divided by the tasks that met their expected outcome");
        md.AppendLine();
        md.AppendLine("| task | repository | kind | result | outcome | turns | plans | model calls | tokens | cost $ | to preview ms | to first patch ms | model(s) | why |");
        md.AppendLine("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (GoldenTaskResult r in report.Tasks)
        {
            string models = string.Join(", ", r.Models.Select(m => m.Model).Distinct());
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Id} | {r.Repository} | {r.Kind} | {(r.Passed ? "pass" : "**fail**")} | {r.Observed?.Outcome ?? "-"} | {r.Turns} | {r.Plans} | {r.ModelCalls} | {r.Tokens} | {r.CostUsd:0.0000} | {Ms(r.ToPlanPreviewMs)} | {Ms(r.ToFirstPatchMs)} | {models} | {Cell(r.Passed ? Explain(r) : string.Join("; ", r.Problems))} |");
        }

        md.AppendLine();
        md.AppendLine("**Overall:** " + OverallLine(s));
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Total: {s.TotalTokens} tokens, ${s.TotalCostUsd:0.0000}.");
        return md.ToString();
    }

    /// <summary>For a passing task, what it showed: refused or held steps, the files it changed.</summary>
    static string Explain(GoldenTaskResult r)
    {
        if (r.Observed is not { } o)
        {
            return string.Empty;
        }

        var parts = new List<string>();
        if (o.Refused.Count > 0)
        {
            parts.Add($"refused: {string.Join(", ", o.Refused)}");
        }

        if (o.Held.Count > 0)
        {
            parts.Add($"held: {string.Join(", ", o.Held)}");
        }

        if (o.Files.Count > 0)
        {
            parts.Add($"files: {string.Join(", ", o.Files)}");
        }

        parts.Add(o.PullRequest ? "PR opened" : "no PR");
        return string.Join("; ", parts);
    }

    static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    static string Ms(double? ms) => ms is double v ? v.ToString("0", CultureInfo.InvariantCulture) : "-";
}
