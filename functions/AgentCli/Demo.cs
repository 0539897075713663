using System.Diagnostics;
using Agents.Core.Contracts;
using Agents.Core.Sessions;

namespace AgentCli;

/// <summary>
/// The README's main job: a session for a sample ticket, the plan preview, the stop for approval (with exactly how to
/// decide, here or from another terminal), and the end of the turn with where its event log is.
/// </summary>
public sealed class Demo(AgentClient client, string approver)
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public async Task<int> RunAsync(FileInfo ticket, string? decide, CancellationToken ct)
    {
        (string user, string org) = (client.Identity.User, client.Identity.Org);
        if (!ticket.Exists)
        {
            await Console.Error.WriteLineAsync($"Ticket not found: {ticket.FullName}");
            return 2;
        }

        if (!await client.IsHealthyAsync(ct))
        {
            await Console.Error.WriteLineAsync($"No AgentFunctions host answers at {client.BaseAddress}. Start it with scripts/run.sh (or pass --host).");
            return 3;
        }

        ApprovalDecisionKind? automatic = null;
        if (decide is not null)
        {
            if (!Enum.TryParse(decide, ignoreCase: true, out ApprovalDecisionKind parsed))
            {
                await Console.Error.WriteLineAsync("--decide must be approve, revise or deny");
                return 2;
            }

            automatic = parsed;
        }

        string text = await File.ReadAllTextAsync(ticket.FullName, ct);
        SessionCreatedView session = await client.CreateSessionAsync(new { riskTier = "medium", title = ticket.Name }, ct);
        Console.WriteLine($"Session {session.SessionId} opened for {user}@{org} ({client.BaseAddress}api/sessions/{session.SessionId})");
        var clock = Stopwatch.StartNew();
        TurnAcceptedView turn = await client.SendTurnAsync(session.SessionId, text, ct);
        Console.WriteLine($"Turn {turn.Turn} accepted: {ticket.Name}");

        var printed = new HashSet<string>();
        int shownRevision = -1;
        string? handledApproval = null;
        Task<string?>? keyboard = null;
        while (!ct.IsCancellationRequested)
        {
            TurnView view = await client.GetTurnAsync(session.SessionId, turn.Turn, ct);
            if (view.Plan is { } plan && plan.Revision > shownRevision)
            {
                shownRevision = plan.Revision;
                printed.Clear();
                Console.WriteLine();
                Console.WriteLine($"Plan preview after {clock.ElapsedMilliseconds} ms{(plan.Revision > 0 ? " (revised)" : string.Empty)}:");
                Display.Plan(plan);
                Console.WriteLine();
            }

            foreach (ActionNode node in view.Graph.Where(n => n.IsFinal && printed.Add($"{view.Revision}/{n.Id}")))
            {
                Console.WriteLine("  " + Display.Node(node));
            }

            if (view.PendingApproval is { } pending && pending.ApprovalId != handledApproval)
            {
                handledApproval = pending.ApprovalId;
                this.ShowApproval(session.SessionId, view, pending);
                if (automatic is { } choice)
                {
                    string rationale = choice switch
                    {
                        ApprovalDecisionKind.Revise => "scripted run: add a Changelog section to README.md that mentions the fix",
                        ApprovalDecisionKind.Deny => "denied in a scripted run",
                        _ => "approved in a scripted run",
                    };
                    await this.DecideAsync(session.SessionId, turn.Turn, choice, rationale, ct);
                    automatic = choice == ApprovalDecisionKind.Revise ? ApprovalDecisionKind.Approve : automatic;
                }
                else if (!Console.IsInputRedirected)
                {
                    Console.Write("Decide here: [a]pprove, [r]evise, [d]eny, or Enter to wait for a decision from elsewhere > ");
                    keyboard = Task.Run(Console.ReadLine, ct);
                }
            }

            if (keyboard is { IsCompleted: true } && view.PendingApproval is { } stillPending && stillPending.ApprovalId == handledApproval)
            {
                string answer = (await keyboard ?? string.Empty).Trim().ToLowerInvariant();
                keyboard = null;
                if (answer.StartsWith('a'))
                {
                    await this.DecideAsync(session.SessionId, turn.Turn, ApprovalDecisionKind.Approve, null, ct);
                }
                else if (answer.StartsWith('d'))
                {
                    await this.DecideAsync(session.SessionId, turn.Turn, ApprovalDecisionKind.Deny, "denied at the console", ct);
                }
                else if (answer.StartsWith('r'))
                {
                    Console.Write("What should change? > ");
                    string rationale = Console.ReadLine() ?? string.Empty;
                    await this.DecideAsync(session.SessionId, turn.Turn, ApprovalDecisionKind.Revise, rationale.Length > 0 ? rationale : "please revise", ct);
                }
                else
                {
                    Console.WriteLine("Waiting for a decision from another terminal...");
                }
            }

            if (view.Phase == TurnPhase.Completed.Snake() || view.Status is "Failed" or "Terminated")
            {
                await this.FinishAsync(session.SessionId, view, clock.Elapsed, ct);
                return view.Outcome == TurnOutcome.Completed.Snake() ? 0 : 1;
            }

            await Task.Delay(Poll, ct);
        }

        return 130;
    }

    void ShowApproval(string sessionId, TurnView view, PendingApproval pending)
    {
        Console.WriteLine();
        Console.WriteLine($"Approval needed ({pending.ApprovalId}), waiting until {pending.ExpiresAt:u}:");
        foreach (PlanStep step in view.Plan!.Plan.Steps.Where(s => pending.Steps.Contains(s.Id)))
        {
            Console.WriteLine($"  {step.Id}: {step.Tool} {step.Arguments}");
        }

        Console.WriteLine($"  so far: {view.Tokens.Total} tokens, ${view.CostUsd:0.0000}");
        Console.WriteLine();
        string org = client.Identity.Org == "contoso" ? string.Empty : $" --org {client.Identity.Org}";
        Console.WriteLine("To decide from another terminal (the same command works after a restart of the host):");
        Console.WriteLine($"  scripts/agent approve {sessionId} {view.Turn} --as <your-name>{org}        (clicks Approve in the Slack message, through the signed webhook)");
        Console.WriteLine($"  scripts/agent revise  {sessionId} {view.Turn} --as <your-name>{org} --rationale \"what to change\"");
        Console.WriteLine($"  scripts/agent deny    {sessionId} {view.Turn} --as <your-name>{org} --rationale \"why not\"");
        Console.WriteLine($"or over HTTP: curl -X POST {client.BaseAddress}api/sessions/{sessionId}/turns/{view.Turn}/approvals -H \"Authorization: Bearer $(scripts/agent token --user <your-name>{org})\" -H 'Content-Type: application/json' -d '{{\"decision\":\"approve\"}}'");
        Console.WriteLine();
    }

    /// <summary>Approve and revise go through Slack's signed webhook when the host runs the simulator; deny through the API.</summary>
    async Task DecideAsync(string sessionId, int turn, ApprovalDecisionKind decision, string? rationale, CancellationToken ct)
    {
        try
        {
            if (decision != ApprovalDecisionKind.Deny && client.Slack is { } slack && await slack.AvailableAsync(ct))
            {
                IReadOnlyList<string> steps = await slack.ClickAsync(sessionId, turn, decision.Snake(), approver, rationale, ct);
                Console.WriteLine($"{decision.Snake()} clicked in Slack by {approver} for {string.Join(", ", steps)}{(rationale is null ? string.Empty : $": {rationale}")}");
                return;
            }

            using AgentClient asApprover = client.As(approver);
            ApprovalAcceptedView accepted = await asApprover.DecideAsync(sessionId, turn, decision, rationale, ct);
            Console.WriteLine($"{accepted.Decision} sent by {approver}{(rationale is null ? string.Empty : $": {rationale}")}");
        }
        catch (Exception e) when (e is ApiCallException or InvalidOperationException)
        {
            Console.WriteLine($"The decision was not taken: {e.Message}");
        }
    }

    async Task FinishAsync(string sessionId, TurnView view, TimeSpan elapsed, CancellationToken ct)
    {
        SessionView session = await client.GetSessionAsync(sessionId, ct);
        Console.WriteLine();
        Console.WriteLine($"Turn {view.Turn} {view.Outcome} after {elapsed.TotalSeconds:0.0} s: {view.Summary ?? view.Error}");
        Console.WriteLine($"  tokens: {view.Tokens.InputTokens} in, {view.Tokens.OutputTokens} out; cost ${view.CostUsd:0.0000}");
        if (view.Graph.FirstOrDefault(n => n.Tool == "open_pull_request" && n.Status == StepStatus.Succeeded) is { } pr)
        {
            Console.WriteLine($"  {pr.OutputPreview} (recorded under .local/remotes/{session.Metadata.Repository}.pulls/)");
            if (pr.Output is { } record)
            {
                // The pull request record as the publisher wrote it: number, branch, commit, approval, and the body with the session's replay link.
                Console.WriteLine("  Pull request record:");
                string json = await client.GetPayloadTextAsync(sessionId, record.Sha256, ct);
                foreach (string line in json.Split('\n'))
                {
                    Console.WriteLine($"    {line}");
                }
            }
        }

        Console.WriteLine($"Event log: {session.EventLog}");
        Console.WriteLine($"  read it with: scripts/agent events {sessionId}    (or GET {client.BaseAddress}api/sessions/{sessionId}/events)");
    }
}
