using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Sessions;
using Agents.Core.Storage;

namespace AgentCli;

/// <summary>
/// Times turns from the client's side: POST turn → plan preview visible → waiting for approval → completed (approved at
/// once). One session per turn, one turn at a time, so each figure is a plain latency, not a queueing effect.
/// </summary>
public sealed class Bench(AgentClient client)
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    public async Task<int> RunAsync(int count, string label, FileInfo ticket, FileInfo? output, bool viaSlack, CancellationToken ct)
    {
        SlackClicker? slack = viaSlack ? client.Slack : null;
        if (viaSlack && (slack is null || !await slack.AvailableAsync(ct)))
        {
            await Console.Error.WriteLineAsync("--via-slack needs the host's Slack simulator and Slack__SigningSecret.");
            return 2;
        }

        if (!await client.IsHealthyAsync(ct))
        {
            await Console.Error.WriteLineAsync($"No AgentFunctions host answers at {client.BaseAddress}.");
            return 3;
        }

        string text = await File.ReadAllTextAsync(ticket.FullName, ct);
        var preview = new List<double>();
        var awaiting = new List<double>();
        var completed = new List<double>();
        var decisionToDone = new List<double>();
        var decisionToResume = new List<double>();
        var total = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            SessionCreatedView session = await client.CreateSessionAsync(new { approvalTimeoutSeconds = 600 }, ct);
            var clock = Stopwatch.StartNew();
            TurnAcceptedView turn = await client.SendTurnAsync(session.SessionId, text, ct);
            double? previewMs = null, awaitingMs = null, decidedMs = null, resumedMs = null, clickStartMs = null;
            while (true)
            {
                TurnView view = await client.GetTurnAsync(session.SessionId, turn.Turn, ct);
                double now = clock.Elapsed.TotalMilliseconds;
                if (view.Plan is not null)
                {
                    previewMs ??= now;
                }

                if (view.PendingApproval is not null && decidedMs is null)
                {
                    awaitingMs = now;
                    clickStartMs = clock.Elapsed.TotalMilliseconds;
                    if (slack is not null)
                    {
                        await slack.ClickAsync(session.SessionId, turn.Turn, "approve", "bench", null, ct);
                    }
                    else
                    {
                        await client.DecideAsync(session.SessionId, turn.Turn, ApprovalDecisionKind.Approve, null, ct);
                    }

                    decidedMs = clock.Elapsed.TotalMilliseconds;
                }

                if (clickStartMs is not null && resumedMs is null && view.Approvals.Any(a => a.Resolution == ApprovalResolution.Approved))
                {
                    resumedMs = now;
                }

                if (view.Phase == TurnPhase.Completed.Snake())
                {
                    if (view.Outcome != TurnOutcome.Completed.Snake())
                    {
                        await Console.Error.WriteLineAsync($"turn {i + 1} ended {view.Outcome}: {view.Error ?? view.Summary}");
                        return 1;
                    }

                    preview.Add(previewMs ?? now);
                    awaiting.Add(awaitingMs ?? now);
                    completed.Add(now);
                    decisionToDone.Add(now - (decidedMs ?? now));
                    decisionToResume.Add((resumedMs ?? now) - (clickStartMs ?? now));
                    break;
                }

                await Task.Delay(Poll, ct);
            }

            Console.WriteLine($"turn {i + 1,3}: preview {preview[^1],7:0} ms, waiting for approval {awaiting[^1],7:0} ms, completed {completed[^1],7:0} ms");
        }

        var report = new
        {
            label,
            host = client.BaseAddress.ToString(),
            turns = count,
            at = DateTime.UtcNow,
            toPlanPreviewMs = Stats(preview),
            toApprovalWaitMs = Stats(awaiting),
            toCompletionMs = Stats(completed),
            approvalToCompletionMs = Stats(decisionToDone),
            decisionVia = slack is null ? "api" : "slack (signed webhook)",
            decisionToTurnResumedMs = Stats(decisionToResume),
            wallClockSeconds = Math.Round(total.Elapsed.TotalSeconds, 1),
        };
        Console.WriteLine();
        Console.WriteLine($"{label}: {count} turns");
        Console.WriteLine($"  POST turn → plan preview:      p50 {report.toPlanPreviewMs.P50,7:0} ms   p95 {report.toPlanPreviewMs.P95,7:0} ms");
        Console.WriteLine($"  POST turn → waiting approval:  p50 {report.toApprovalWaitMs.P50,7:0} ms   p95 {report.toApprovalWaitMs.P95,7:0} ms");
        Console.WriteLine($"  POST turn → completed:         p50 {report.toCompletionMs.P50,7:0} ms   p95 {report.toCompletionMs.P95,7:0} ms   (approved as soon as asked)");
        Console.WriteLine($"  approval → completed:          p50 {report.approvalToCompletionMs.P50,7:0} ms   p95 {report.approvalToCompletionMs.P95,7:0} ms");
        Console.WriteLine($"  {(slack is null ? "API decision" : "signed Slack click"),-20} → turn resumed: p50 {report.decisionToTurnResumedMs.P50,7:0} ms   p95 {report.decisionToTurnResumedMs.P95,7:0} ms");
        if (output is not null)
        {
            Directory.CreateDirectory(output.DirectoryName!);
            await File.AppendAllTextAsync(output.FullName, JsonSerializer.Serialize(report, JsonDefaults.Web) + "\n", ct);
            Console.WriteLine($"  appended to {output.FullName}");
        }

        return 0;
    }

    static LatencyStats Stats(List<double> values) => LatencyStats.Of(values);
}
