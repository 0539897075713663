using System.CommandLine;
using Agents.Core.Contracts;
using Agents.Core.Sessions;
using Agents.Edge.Auth;

namespace AgentCli;

/// <summary>The command line: each command is a thin call into <see cref="AgentClient"/>, <see cref="Demo"/> or <see cref="Bench"/>.</summary>
public static partial class Commands
{
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex ReportName();

    static readonly Option<string> Host = new("--host")
    {
        Description = "Base URL of a running host (the portable host, or Functions under func start)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AGENT_HOST") ?? "http://127.0.0.1:7071",
        Recursive = true,
    };

    static readonly Option<string> User = new("--user")
    {
        Description = "Who the calls are made as (the user in the locally minted token)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AGENT_USER") ?? Environment.UserName,
        Recursive = true,
    };

    static readonly Option<string> Org = new("--org")
    {
        Description = "The caller's organisation (in the locally minted token); a session belongs to its creator's org",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AGENT_ORG") ?? "contoso",
        Recursive = true,
    };

    static readonly Option<string> Roles = new("--roles")
    {
        Description = "Comma-separated roles in the locally minted token ('approver' may decide approvals)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AGENT_ROLES") ?? "approver",
        Recursive = true,
    };

    static readonly Option<string> KeyFile = new("--dev-key-file")
    {
        Description = "The local dev issuer's key file, shared with the host (Auth:DevIssuer:KeyFile); ignored when AGENT_TOKEN is set",
        DefaultValueFactory = _ => BearerTokens.DefaultKeyFile,
        Recursive = true,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("AgentFunctions command-line client: sessions, turns, approvals and the event log over the HTTP API.");
        root.Options.Add(Host);
        root.Options.Add(User);
        root.Options.Add(Org);
        root.Options.Add(Roles);
        root.Options.Add(KeyFile);
        root.Subcommands.Add(Token());
        root.Subcommands.Add(Session());
        root.Subcommands.Add(Turn());
        root.Subcommands.Add(Status());
        root.Subcommands.Add(Decide("approve", ApprovalDecisionKind.Approve, "Approve the steps a turn is waiting on"));
        root.Subcommands.Add(Decide("revise", ApprovalDecisionKind.Revise, "Send the plan back with your rationale; the agent re-plans"));
        root.Subcommands.Add(Decide("deny", ApprovalDecisionKind.Deny, "Deny the steps a turn is waiting on; the rest of the turn finishes without them"));
        root.Subcommands.Add(Events());
        root.Subcommands.Add(Verify());
        root.Subcommands.Add(ReplayCommand());
        root.Subcommands.Add(ReplayBenchCommand());
        root.Subcommands.Add(EvalCaseCommand());
        root.Subcommands.Add(DemoCommand());
        root.Subcommands.Add(BenchCommand());
        root.Subcommands.Add(ChaosCommand());
        root.Subcommands.Add(LoadCommand());
        root.Subcommands.Add(EvalCommand());
        return root;
    }

    static Command Session()
    {
        var risk = new Option<string>("--risk") { Description = "low, medium or high", DefaultValueFactory = _ => "medium" };
        var repo = new Option<string?>("--repo") { Description = "Repository under samples/repos (default: the host's default)" };
        var approvalTimeout = new Option<int?>("--approval-timeout") { Description = "Seconds a step waits for a decision" };
        var create = new Command("create", "Create a session for --user of --org (from the token); prints its id") { risk, repo, approvalTimeout };
        create.SetAction(async (p, ct) =>
        {
            using AgentClient client = ClientOf(p);
            var created = await client.CreateSessionAsync(
                new { riskTier = p.GetValue(risk), repository = p.GetValue(repo), approvalTimeoutSeconds = p.GetValue(approvalTimeout) }, ct);
            Console.WriteLine(created.SessionId);
            return 0;
        });
        return new Command("session", "Sessions") { create };
    }

    static Command Turn()
    {
        var session = new Argument<string>("session") { Description = "Session id" };
        var ticket = new Option<FileInfo?>("--ticket") { Description = "A file whose text is the turn's input (for example samples/tickets/TICKET-101.md)" };
        var input = new Option<string?>("--input") { Description = "The turn's input as text" };
        var send = new Command("send", "Send the next turn of a session; prints the turn number") { session, ticket, input };
        send.SetAction(async (p, ct) =>
        {
            string? text = p.GetValue(input) ?? (p.GetValue(ticket) is { } file ? await File.ReadAllTextAsync(file.FullName, ct) : null);
            if (text is null)
            {
                await Console.Error.WriteLineAsync("Give the turn's input with --ticket FILE or --input TEXT.");
                return 2;
            }

            using AgentClient client = ClientOf(p);
            var accepted = await client.SendTurnAsync(p.GetValue(session)!, text, ct);
            Console.WriteLine(accepted.Turn);
            return 0;
        });
        return new Command("turn", "Turns") { send };
    }

    static Command Status()
    {
        var session = new Argument<string>("session") { Description = "Session id" };
        var turn = new Argument<int?>("turn") { Description = "Turn number (omit for the session)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "Show a session, or one turn with its plan and Action Graph") { session, turn };
        command.SetAction(async (p, ct) =>
        {
            using AgentClient client = ClientOf(p);
            string id = p.GetValue(session)!;
            if (p.GetValue(turn) is int n)
            {
                Display.Turn(await client.GetTurnAsync(id, n, ct));
            }
            else
            {
                Display.Session(await client.GetSessionAsync(id, ct));
            }

            return 0;
        });
        return command;
    }

    static Command Decide(string name, ApprovalDecisionKind decision, string description)
    {
        var session = new Argument<string>("session") { Description = "Session id" };
        var turn = new Argument<int>("turn") { Description = "Turn number" };
        var approver = new Option<string?>("--as") { Description = "Who decides (default: --user); needs the approver role" };
        var rationale = new Option<string?>("--rationale") { Description = "Why (required for revise)" };
        var via = new Option<string>("--via")
        {
            Description = "slack: click the button in the approval message (through the signed webhook); api: the approvals API; auto: slack when the host runs the Slack simulator",
            DefaultValueFactory = _ => "auto",
        };
        var command = new Command(name, description) { session, turn, approver, rationale, via };
        command.SetAction(async (p, ct) =>
        {
            string who = p.GetValue(approver) ?? p.GetValue(User)!;
            using AgentClient client = ClientOf(p, who);
            string id = p.GetValue(session)!;
            int n = p.GetValue(turn);
            string viaValue = p.GetValue(via)!;
            SlackClicker? slack = client.Slack;
            bool useSlack = decision != ApprovalDecisionKind.Deny && viaValue != "api" && slack is not null && await slack.AvailableAsync(ct);
            if (viaValue == "slack" && !useSlack)
            {
                await Console.Error.WriteLineAsync("The Slack path needs the host's Slack simulator and Slack__SigningSecret (scripts/run.sh sets both); deny goes through the API.");
                return 2;
            }

            if (useSlack)
            {
                IReadOnlyList<string> steps = await slack!.ClickAsync(id, n, decision.Snake(), who, p.GetValue(rationale), ct);
                Console.WriteLine($"{decision.Snake()} clicked in Slack for {string.Join(", ", steps)} (turn {n} of {id})");
                return 0;
            }

            var accepted = await client.DecideAsync(id, n, decision, p.GetValue(rationale), ct);
            Console.WriteLine($"{accepted.Decision} sent for {accepted.ApprovalId}");
            return 0;
        });
        return command;
    }

    static Command Events()
    {
        var session = new Argument<string>("session") { Description = "Session id" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new events until interrupted" };
        var json = new Option<bool>("--json") { Description = "Print the raw JSON lines" };
        var command = new Command("events", "Print a session's event log") { session, follow, json };
        command.SetAction(async (p, ct) =>
        {
            using AgentClient client = ClientOf(p);
            long printed = 0;
            do
            {
                foreach (AgentEvent e in (await client.GetEventsAsync(p.GetValue(session)!, ct)).Where(e => e.Seq > printed))
                {
                    Console.WriteLine(p.GetValue(json) ? Display.Json(e) : Display.EventLine(e));
                    printed = e.Seq;
                }

                if (p.GetValue(follow))
                {
                    await Task.Delay(500, ct);
                }
            }
            while (p.GetValue(follow) && !ct.IsCancellationRequested);
            return 0;
        });
        return command;
    }

    static Command Verify()
    {
        var session = new Argument<string>("session") { Description = "Session id" };
        var command = new Command("verify", "Check a session's event log hash chain; exits 2 and says where when an event was edited, dropped, duplicated or reordered") { session };
        command.SetAction(async (p, ct) =>
        {
            using AgentClient client = ClientOf(p);
            Agents.Core.Storage.ChainVerification report = await client.VerifyEventsAsync(p.GetValue(session)!, ct);
            if (report.Valid)
            {
                Console.WriteLine($"{report.SessionId}: {report.Events} events, chain intact (head {report.HeadHash?[..12]})");
                return 0;
            }

            Console.WriteLine($"{report.SessionId}: {report.Events} events, {report.Problems.Count} problem(s):");
            foreach (var problem in report.Problems)
            {
                Console.WriteLine($"  line {problem.Line}{(problem.Seq is { } seq ? $" (event {seq})" : string.Empty)}: {problem.Kind.Snake()}: {problem.Detail}");
            }

            return 2;
        });
        return command;
    }

    static Command ReplayCommand()
    {
        var session = new Argument<string>("session") { Description = "The recorded session to replay" };
        var tools = new Option<string>("--tools") { Description = "recorded: tool outputs from the log; rerun: run the tools again", DefaultValueFactory = _ => "recorded" };
        var policyVersion = new Option<string?>("--policy-version") { Description = "Replay under this policy version (default: the version in force now)" };
        var forkTurn = new Option<int?>("--fork-turn") { Description = "Fork: run live from this turn" };
        var forkStep = new Option<string?>("--fork-step") { Description = "Fork: run live from this step of the fork turn" };
        var tier = new Option<string?>("--tier") { Description = "Fork: model tier from the fork point (small, frontier, long_context)" };
        var prompt = new Option<string?>("--prompt") { Description = "Fork: an instruction added to the prompts from the fork point" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the replay to finish", DefaultValueFactory = _ => 300 };
        var command = new Command("replay", "Re-run a recorded session from its log (zero model tokens) and print what changed; exits 3 when anything did")
        {
            session, tools, policyVersion, forkTurn, forkStep, tier, prompt, timeout,
        };
        command.SetAction(async (p, ct) =>
        {
            using AgentClient client = ClientOf(p);
            var body = new Agents.Core.Replay.ReplayBody
            {
                Tools = p.GetValue(tools),
                PolicyVersion = p.GetValue(policyVersion),
                Fork = p.GetValue(forkTurn) is int turn
                    ? new Agents.Core.Replay.ReplayForkBody { Turn = turn, Step = p.GetValue(forkStep), Tier = p.GetValue(tier), Prompt = p.GetValue(prompt) }
                    : null,
            };
            var started = await client.StartReplayAsync(p.GetValue(session)!, body, ct);
            Console.WriteLine($"replay {started.ReplaySession} of {started.OriginalSession}: {started.Turns} turn(s), tools {started.Replay.Tools.Snake()}, policy {started.Replay.PolicyVersion}");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            ReplayDiff diff = await client.GetReplayDiffAsync(started.ReplaySession, ct);
            while (!diff.Complete && watch.Elapsed < TimeSpan.FromSeconds(p.GetValue(timeout)))
            {
                await Task.Delay(250, ct);
                diff = await client.GetReplayDiffAsync(started.ReplaySession, ct);
            }

            Console.WriteLine($"{(diff.Complete ? "finished" : "still running")} in {watch.Elapsed.TotalSeconds:F1} s, {diff.ReplayTokens} model tokens spent: {diff.Summary}");
            foreach (TurnDiff changed in diff.Turns.Where(t => !t.Same))
            {
                foreach (ReplayChange change in changed.Changes)
                {
                    Console.WriteLine($"  turn {changed.Turn} {change.Kind}{(change.Step is null ? string.Empty : " " + change.Step)}: {change.Original} → {change.Replay} ({change.Detail})");
                }
            }

            Console.WriteLine($"  page: {client.BaseAddress}ui/session.html?id={started.ReplaySession}");
            return !diff.Complete ? 1 : diff.Same ? 0 : 3;
        });
        return command;
    }

    static Command EvalCaseCommand()
    {
        var session = new Argument<string>("session") { Description = "A recorded or replayed session" };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write the case to this file (default: standard output)" };
        var command = new Command("eval-case", "Export a session as an evaluation case: inputs, approvals, recorded model answers and the expected outcome") { session, output };
        command.SetAction(async (p, ct) =>
        {
            using AgentClient client = ClientOf(p);
            string json = await client.GetEvalCaseJsonAsync(p.GetValue(session)!, ct);
            if (p.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, json, ct);
                Console.WriteLine($"wrote {file.FullName}");
            }
            else
            {
                Console.WriteLine(json);
            }

            return 0;
        });
        return command;
    }

    static Command DemoCommand()
    {
        var ticket = new Option<FileInfo>("--ticket") { Description = "The ticket to work on", DefaultValueFactory = _ => new FileInfo("samples/tickets/TICKET-101.md") };
        var decide = new Option<string?>("--decide") { Description = "Decide without asking: approve, revise or deny (for scripted runs)" };
        var approver = new Option<string?>("--as") { Description = "Who decides (default: --user); needs the approver role" };
        var command = new Command("demo", "The sample run: open a session for a ticket, show the plan preview, stop for approval, finish") { ticket, decide, approver };
        command.SetAction((p, ct) => new Demo(ClientOf(p), p.GetValue(approver) ?? p.GetValue(User)!)
            .RunAsync(p.GetValue(ticket)!, p.GetValue(decide), ct));
        return command;
    }

    static Command ReplayBenchCommand()
    {
        var steps = new Option<int>("--steps") { Description = "Record a session of at least this many steps", DefaultValueFactory = _ => 20 };
        var repeats = new Option<int>("--repeats") { Description = "Replays per tool mode", DefaultValueFactory = _ => 5 };
        var output = new Option<FileInfo?>("--out") { Description = "Append the figures as a JSON line to this file" };
        var ticket = new Option<FileInfo>("--ticket") { DefaultValueFactory = _ => new FileInfo("samples/tickets/TICKET-101.md") };
        var command = new Command("bench-replay", "Record a session of N steps, then time its replay (recorded and re-run tools)") { steps, repeats, output, ticket };
        command.SetAction((p, ct) => new ReplayBench(ClientOf(p))
            .RunAsync(p.GetValue(steps), p.GetValue(repeats), p.GetValue(ticket)!, p.GetValue(output), ct));
        return command;
    }

    static Command BenchCommand()
    {
        var count = new Option<int>("--count") { Description = "Turns to run (one session each, one after another)", DefaultValueFactory = _ => 20 };
        var label = new Option<string>("--label") { Description = "Name of this run in the report (for example the backend)", DefaultValueFactory = _ => "run" };
        var output = new Option<FileInfo?>("--out") { Description = "Append the figures as a JSON line to this file" };
        var ticket = new Option<FileInfo>("--ticket") { DefaultValueFactory = _ => new FileInfo("samples/tickets/TICKET-101.md") };
        var viaSlack = new Option<bool>("--via-slack") { Description = "Approve by clicking the Slack message through the signed webhook (needs the host's Slack simulator)" };
        var command = new Command("bench", "Measure POST turn → plan preview and → completion over N turns (approves at once)") { count, label, output, ticket, viaSlack };
        command.SetAction((p, ct) => new Bench(AgentClient.For(p.GetValue(Host)!, new Caller("bench", "bench", [ApproverRole]), p.GetValue(KeyFile)!))
            .RunAsync(p.GetValue(count), p.GetValue(label)!, p.GetValue(ticket)!, p.GetValue(output), p.GetValue(viaSlack), ct));
        return command;
    }

    static Command ChaosCommand()
    {
        var kills = new Option<int>("--kills") { Description = "Kills of the host in the run (at least 1; 3 or more cover every phase)", DefaultValueFactory = _ => 20 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the random choices (printed; the same seed makes the same choices, though not the same timing)" };
        var sessions = new Option<int>("--sessions") { Description = "Sessions running turns side by side", DefaultValueFactory = _ => 3 };
        var turnsPerSession = new Option<int>("--turns-per-session") { Description = "Turns per session before a new session takes its place", DefaultValueFactory = _ => 3 };
        var hostDll = new Option<FileInfo>("--host-dll") { Description = "The portable host to run", DefaultValueFactory = _ => new FileInfo("functions/AgentHost/bin/Release/net10.0/AgentHost.dll") };
        var storage = new Option<string>("--storage") { Description = "Storage connection string (Azurite)", DefaultValueFactory = _ => "UseDevelopmentStorage=true" };
        var taskHub = new Option<string?>("--task-hub") { Description = "Task hub, kept across restarts (default: a new one per run)" };
        var workDir = new Option<DirectoryInfo?>("--work-dir") { Description = "A fresh folder for the run's remotes, push log and Slack journal (default: .local/chaos/<task hub>)" };
        var ticket = new Option<FileInfo>("--ticket") { DefaultValueFactory = _ => new FileInfo("samples/tickets/TICKET-101.md") };
        var output = new Option<FileInfo?>("--out") { Description = "Write the report (Markdown) to this file too" };
        var command = new Command("chaos", "Crash recovery: run the portable host on Azure Storage, SIGKILL it at random points (seeded) and restart it; then check every turn completed once, every log verifies and no side effect happened twice. Exit 1 when a check fails")
        {
            kills, seed, sessions, turnsPerSession, hostDll, storage, taskHub, workDir, ticket, output,
        };
        command.SetAction(async (p, ct) =>
        {
            int chosenSeed = p.GetValue(seed) ?? Random.Shared.Next(1, 1_000_000);
            string hub = p.GetValue(taskHub) ?? $"chaos{DateTime.UtcNow:yyyyMMddHHmmss}";
            var plan = new Chaos.ChaosPlan(
                p.GetValue(kills),
                chosenSeed,
                p.GetValue(hostDll)!.FullName,
                p.GetValue(workDir)?.FullName ?? Path.Combine(".local", "chaos", hub),
                p.GetValue(ticket)!.Exists ? await File.ReadAllTextAsync(p.GetValue(ticket)!.FullName, ct) : string.Empty,
                new Dictionary<string, string?>(Chaos.ChaosPlan.EngineSettings(hub)) { ["Storage:ConnectionString"] = p.GetValue(storage) })
            {
                Sessions = p.GetValue(sessions),
                TurnsPerSession = p.GetValue(turnsPerSession),
            };
            if (plan.Problem() is { } problem)
            {
                await Console.Error.WriteLineAsync($"chaos: {problem}.");
                return 2;
            }

            Chaos.ChaosReport report = await new Chaos.ChaosDriver(plan, Console.Out).RunAsync(ct);
            string markdown = report.Markdown();
            Console.WriteLine();
            Console.WriteLine(markdown);
            if (p.GetValue(output) is { } file)
            {
                Directory.CreateDirectory(file.DirectoryName!);
                await File.WriteAllTextAsync(file.FullName, markdown, ct);
                Console.WriteLine($"written to {file.FullName}");
            }

            return report.Passed ? 0 : 1;
        });
        return command;
    }

    static Command LoadCommand()
    {
        var sessions = new Option<int>("--sessions") { Description = "Concurrent users, one session each", DefaultValueFactory = _ => 60 };
        var turns = new Option<int>("--turns") { Description = "Turns per session, one after another", DefaultValueFactory = _ => 1 };
        var duration = new Option<int>("--duration") { Description = "Seconds during which turns are sent (hard stop for arrivals)", DefaultValueFactory = _ => 60 };
        var drain = new Option<int>("--drain") { Description = "Seconds after --duration for accepted turns to reach a final state", DefaultValueFactory = _ => 120 };
        var maxRetries = new Option<int>("--max-retries") { Description = "Times a 429's Retry-After is honoured before the turn is given up as shed", DefaultValueFactory = _ => 2 };
        var maxRetryWait = new Option<int>("--max-retry-wait") { Description = "Longest Retry-After (seconds) waited; a longer one gives the turn up", DefaultValueFactory = _ => 10 };
        var poll = new Option<int>("--poll") { Description = "Milliseconds between polls of a turn", DefaultValueFactory = _ => 200 };
        var ramp = new Option<int>("--ramp") { Description = "Seconds over which the users start, evenly spread (0: all at once)", DefaultValueFactory = _ => 10 };
        var ticket = new Option<FileInfo>("--ticket") { DefaultValueFactory = _ => new FileInfo("samples/tickets/TICKET-101.md") };
        var label = new Option<string>("--label") { Description = "Name of this run in the report", DefaultValueFactory = _ => "load" };
        var report = new Option<string>("--report") { Description = "Report name: results/NAME.md and results/NAME.json", DefaultValueFactory = _ => "load" };
        var command = new Command("load", "Drive many concurrent sessions against a local host; report 202 and completion percentiles, throughput, shedding and the degrade timeline; verify every accepted turn is final and logged exactly once (exit 1 if not)")
        {
            sessions, turns, duration, drain, maxRetries, maxRetryWait, poll, ramp, ticket, label, report,
        };
        command.SetAction(async (p, ct) =>
        {
            string host = p.GetValue(Host)!;
            if (!Uri.TryCreate(host, UriKind.Absolute, out Uri? uri) || LoadGenerator.RefuseUnlessLoopback(uri) is { } refusal)
            {
                await Console.Error.WriteLineAsync(uri is null ? $"--host {host} is not a URL" : LoadGenerator.RefuseUnlessLoopback(uri));
                return 2;
            }

            FileInfo file = p.GetValue(ticket)!;
            if (!file.Exists)
            {
                await Console.Error.WriteLineAsync($"--ticket {file.FullName} does not exist");
                return 2;
            }

            var settings = new LoadSettings(
                p.GetValue(sessions), p.GetValue(turns), TimeSpan.FromSeconds(p.GetValue(duration)), TimeSpan.FromSeconds(p.GetValue(drain)),
                p.GetValue(maxRetries), TimeSpan.FromSeconds(p.GetValue(maxRetryWait)), TimeSpan.FromMilliseconds(p.GetValue(poll)),
                TimeSpan.FromSeconds(p.GetValue(ramp)), await File.ReadAllTextAsync(file.FullName, ct));
            if (settings.Problem() is { } problem)
            {
                await Console.Error.WriteLineAsync(problem);
                return 2;
            }

            if (!ReportName().IsMatch(p.GetValue(report)!))
            {
                await Console.Error.WriteLineAsync("--report must be 1 to 64 letters, digits, '-' or '_' (it names results/NAME.md)");
                return 2;
            }

            using AgentClient client = AgentClient.For(host, CallerOf(p, "load"), p.GetValue(KeyFile)!);
            if (!await client.IsHealthyAsync(ct))
            {
                await Console.Error.WriteLineAsync($"No AgentFunctions host answers at {client.BaseAddress}.");
                return 3;
            }

            LoadReport result = await new LoadGenerator(client, settings, Console.Out).RunAsync(p.GetValue(label)!, ct);
            Console.WriteLine();
            Console.Write(LoadReportText.Markdown(result));
            Console.WriteLine($"written to {await LoadReportText.WriteAsync(result, p.GetValue(report)!, ct)} (and .json)");
            return result.Passed ? 0 : 1;
        });
        return command;
    }

    static Command EvalCommand()
    {
        var manifest = new Option<FileInfo>("--manifest") { Description = "The golden task set", DefaultValueFactory = _ => new FileInfo(GoldenManifest.DefaultPath) };
        var only = new Option<string[]>("--task") { Description = "Run only these task ids (repeatable)", AllowMultipleArgumentsPerToken = true };
        var label = new Option<string>("--label") { Description = "Name of this run in the report (for example the backend)", DefaultValueFactory = _ => "golden" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the report as Markdown to this file (and as JSON beside it, .json)" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds one task may take", DefaultValueFactory = _ => 180 };
        var via = new Option<string>("--via")
        {
            Description = "api: decide through the approvals API; slack: click approve and revise in the Slack simulator's message through the signed webhook (deny always goes through the API)",
            DefaultValueFactory = _ => "api",
        };
        var command = new Command("eval", "Run the golden PR-prep tasks against the host and check each against its expected outcome; exits 1 when any task misses it")
        {
            manifest, only, label, output, timeout, via,
        };
        command.SetAction(async (p, ct) =>
        {
            GoldenManifest tasks = GoldenManifest.Load(p.GetValue(manifest)!.FullName);
            if (p.GetValue(only) is { Length: > 0 } ids)
            {
                var unknown = ids.Except(tasks.Tasks.Select(t => t.Id)).ToList();
                if (unknown.Count > 0)
                {
                    await Console.Error.WriteLineAsync($"No such task: {string.Join(", ", unknown)}");
                    return 2;
                }

                tasks = tasks with { Tasks = [.. tasks.Tasks.Where(t => ids.Contains(t.Id))] };
            }

            // A fresh org per run: the eval's spend never eats into a real org's daily budget, nor one run's into the next.
            using AgentClient client = AgentClient.For(p.GetValue(Host)!, new Caller("golden-eval", $"golden-{Guid.NewGuid():N}"[..15], [ApproverRole]), p.GetValue(KeyFile)!);
            if (!await client.IsHealthyAsync(ct))
            {
                await Console.Error.WriteLineAsync($"No AgentFunctions host answers at {client.BaseAddress}.");
                return 3;
            }

            using AgentClient reviewer = client.As("golden-reviewer");
            SlackClicker? slack = null;
            if (p.GetValue(via) == "slack")
            {
                slack = reviewer.Slack;
                if (slack is null || !await slack.AvailableAsync(ct))
                {
                    await Console.Error.WriteLineAsync("--via slack needs the host's Slack simulator and Slack__SigningSecret (scripts/eval.sh sets both).");
                    return 2;
                }
            }

            var eval = new GoldenEval(client, reviewer) { Progress = Console.WriteLine, TaskTimeout = TimeSpan.FromSeconds(p.GetValue(timeout)), Slack = slack };
            Console.WriteLine($"{tasks.Tasks.Count} golden tasks against {client.BaseAddress} ({p.GetValue(label)}; decisions via {(slack is null ? "the approvals API" : "signed Slack clicks, deny via the API")})");
            GoldenEvalReport report = await eval.RunAsync(tasks, Agents.Core.Hosting.RepositoryPaths.Root, p.GetValue(label)!, ct);
            Console.WriteLine();
            Console.WriteLine(GoldenReport.OverallLine(report.Summary));
            if (p.GetValue(output) is { } file)
            {
                Directory.CreateDirectory(file.DirectoryName!);
                await File.WriteAllTextAsync(file.FullName, GoldenReport.Markdown(report, p.GetValue(manifest)!.ToString()), ct);
                string json = Path.ChangeExtension(file.FullName, ".json");
                await File.WriteAllTextAsync(json, Display.Json(report), ct);
                Console.WriteLine($"report: {file.FullName} (and {json})");
            }

            return report.AllPassed ? 0 : 1;
        });
        return command;
    }

    static Command Token()
    {
        var minutes = new Option<int>("--minutes") { Description = "Lifetime of the token", DefaultValueFactory = _ => 60 };
        var command = new Command("token", "Mint an access token of the host's local dev issuer for --user, --org and --roles; prints it (for curl: -H \"Authorization: Bearer $(scripts/agent token)\")") { minutes };
        command.SetAction(async (p, ct) =>
        {
            using AgentClient client = ClientOf(p);
            DevTokenIssuer issuer = await client.Tokens.DevIssuerAsync(ct);
            Console.WriteLine(issuer.Mint(client.Identity, TimeSpan.FromMinutes(p.GetValue(minutes))));
            return 0;
        });
        return command;
    }

    const string ApproverRole = "approver";

    static AgentClient ClientOf(ParseResult p, string? user = null) =>
        AgentClient.For(p.GetValue(Host)!, CallerOf(p, user), p.GetValue(KeyFile)!);

    static Caller CallerOf(ParseResult p, string? user = null) =>
        new(user ?? p.GetValue(User)!, p.GetValue(Org)!, p.GetValue(Roles)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
