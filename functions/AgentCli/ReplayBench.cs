using System.Diagnostics;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Replay;
using Agents.Core.Sessions;

namespace AgentCli;

/// <summary>
/// How long a recorded session of at least N steps takes to replay: records one session (turns of the sample ticket,
/// each approved at once, until the plans add up to N steps), then replays it R times with recorded tools and R times
/// with tools re-run, timing POST replay → diff complete. Prints the figures; appends them as a JSON line.
/// </summary>
public sealed class ReplayBench(AgentClient client)
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    public async Task<int> RunAsync(int steps, int repeats, FileInfo ticket, FileInfo? output, CancellationToken ct)
    {
        if (!await client.IsHealthyAsync(ct))
        {
            await Console.Error.WriteLineAsync($"No AgentFunctions host answers at {client.BaseAddress}.");
            return 3;
        }

        string text = await File.ReadAllTextAsync(ticket.FullName, ct);
        SessionCreatedView session = await client.CreateSessionAsync(new { approvalTimeoutSeconds = 600, idleTtlSeconds = 3600 }, ct);
        int recordedSteps = 0, turns = 0, originalTokens = 0;
        var recording = Stopwatch.StartNew();
        while (recordedSteps < steps)
        {
            // The turn reports completed a moment before its session is ready for the next one: wait that out.
            while ((await client.GetSessionAsync(session.SessionId, ct)).ActiveTurn is not null)
            {
                await Task.Delay(Poll, ct);
            }

            TurnAcceptedView turn = await client.SendTurnAsync(session.SessionId, text, ct);
            TurnView view;
            string? decided = null;
            while (true)
            {
                view = await client.GetTurnAsync(session.SessionId, turn.Turn, ct);
                if (view.PendingApproval is { } pending && pending.ApprovalId != decided)
                {
                    decided = pending.ApprovalId;
                    await client.DecideAsync(session.SessionId, turn.Turn, ApprovalDecisionKind.Approve, "benchmark", ct);
                }
                else if (view.Phase == "completed")
                {
                    break;
                }

                await Task.Delay(Poll, ct);
            }

            if (view.Outcome != "completed")
            {
                await Console.Error.WriteLineAsync($"turn {turn.Turn} ended {view.Outcome}: {view.Error}; stopping at {recordedSteps} steps");
                break;
            }

            turns++;
            recordedSteps += view.Graph.Count;
            originalTokens += view.Tokens.InputTokens + view.Tokens.OutputTokens;
        }

        double originalSeconds = recording.Elapsed.TotalSeconds;
        Console.WriteLine($"recorded {session.SessionId}: {turns} turns, {recordedSteps} steps, {originalTokens} model tokens, {originalSeconds:F1} s (approvals at once)");
        var figures = new Dictionary<string, object>
        {
            ["session"] = session.SessionId,
            ["turns"] = turns,
            ["steps"] = recordedSteps,
            ["originalSeconds"] = Math.Round(originalSeconds, 2),
            ["originalTokens"] = originalTokens,
        };
        foreach (string tools in new[] { "recorded", "rerun" })
        {
            var times = new List<double>();
            int tokens = 0;
            bool same = true;
            for (int i = 0; i < repeats; i++)
            {
                var clock = Stopwatch.StartNew();
                ReplayStartedView started = await client.StartReplayAsync(session.SessionId, new ReplayBody { Tools = tools }, ct);
                ReplayDiff diff;
                do
                {
                    await Task.Delay(Poll, ct);
                    diff = await client.GetReplayDiffAsync(started.ReplaySession, ct);
                }
                while (!diff.Complete);
                times.Add(clock.Elapsed.TotalSeconds);
                tokens += diff.ReplayTokens;
                same &= diff.Same;
            }

            times.Sort();
            double p50 = times[times.Count / 2];
            Console.WriteLine($"replay ({tools} tools) of {recordedSteps} steps: p50 {p50:F2} s, min {times[0]:F2} s, max {times[^1]:F2} s over {repeats}; " +
                $"{p50 / recordedSteps * 1000:F0} ms per step; model tokens spent {tokens}; {(same ? "same plan, decisions and outcome every time" : "DIFFERENCES found")}");
            figures[$"{tools}P50Seconds"] = Math.Round(p50, 2);
            figures[$"{tools}Tokens"] = tokens;
            figures[$"{tools}Same"] = same;
        }

        if (output is not null)
        {
            figures["at"] = DateTime.UtcNow.ToString("u");
            await File.AppendAllTextAsync(output.FullName, JsonSerializer.Serialize(figures) + "\n", ct);
        }

        return 0;
    }
}
