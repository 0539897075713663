using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Storage;

namespace AgentCli;

/// <summary>
/// The golden task set (<c>samples/golden/tasks.json</c>): PR-prep tasks over the bundled sample repositories, each with
/// the decisions an eval gives and the outcome the task must reach.
/// </summary>
public sealed record GoldenManifest(string? Description, IReadOnlyList<GoldenTask> Tasks)
{
    public const string DefaultPath = "samples/golden/tasks.json";

    /// <summary>Reads and checks a manifest; a malformed one throws <see cref="InvalidDataException"/> naming the task and field.</summary>
    public static GoldenManifest Load(string path)
    {
        GoldenManifest manifest = JsonSerializer.Deserialize<GoldenManifest>(File.ReadAllText(path), JsonDefaults.Web)
            ?? throw new InvalidDataException($"{path}: empty manifest");
        if (manifest.Tasks is not { Count: > 0 })
        {
            throw new InvalidDataException($"{path}: no tasks");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (GoldenTask task in manifest.Tasks)
        {
            string where = $"{path}: task '{task.Id}'";
            if (string.IsNullOrWhiteSpace(task.Id) || !ids.Add(task.Id))
            {
                throw new InvalidDataException($"{where}: every task needs an id of its own");
            }

            if (string.IsNullOrWhiteSpace(task.Ticket) || string.IsNullOrWhiteSpace(task.Repository))
            {
                throw new InvalidDataException($"{where}: ticket and repository are required");
            }

            if (task.Expect is null || string.IsNullOrWhiteSpace(task.Expect.Outcome))
            {
                throw new InvalidDataException($"{where}: expect.outcome is required");
            }

            if (!Enum.TryParse(task.Expect.Outcome.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out TurnOutcome _))
            {
                throw new InvalidDataException($"{where}: expect.outcome '{task.Expect.Outcome}' is not a turn outcome (completed, stopped, failed, budget_exhausted)");
            }

            foreach (GoldenDecision decision in task.Decisions ?? [])
            {
                if (decision.Kind is null)
                {
                    throw new InvalidDataException($"{where}: decision '{decision.Decision}' must be approve, revise or deny");
                }

                if (decision.Kind == ApprovalDecisionKind.Revise && string.IsNullOrWhiteSpace(decision.Rationale))
                {
                    throw new InvalidDataException($"{where}: a revise needs a rationale");
                }
            }
        }

        return manifest;
    }
}

/// <summary>
/// One golden task: a ticket, the repository its session works on, the decisions given to the approval requests in the
/// order they open, and what must come out.
/// </summary>
public sealed record GoldenTask(string Id, string Ticket, string Repository, string? Kind, IReadOnlyList<GoldenDecision>? Decisions, GoldenExpectation Expect);

/// <summary>A scripted decision: approve, revise (with the reviewer's rationale) or deny.</summary>
public sealed record GoldenDecision(string Decision, string? Rationale)
{
    public ApprovalDecisionKind? Kind => Enum.TryParse(this.Decision, ignoreCase: true, out ApprovalDecisionKind kind) ? kind : null;
}

/// <summary>
/// What the turn must end with: its outcome; the steps the policy refused (forbidden) and the steps held for a human
/// (their approval requests); the files the last drafted patch changes; whether the tests ran green and the pull
/// request was opened; optionally how many times the plan was revised.
/// </summary>
public sealed record GoldenExpectation(
    string Outcome,
    IReadOnlyList<string>? Refused,
    IReadOnlyList<string>? Held,
    IReadOnlyList<string>? Files,
    bool TestsPass,
    bool PullRequest)
{
    public int? Revisions { get; init; }
}
