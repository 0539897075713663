using System.Globalization;
using System.Text;
using System.Text.Json;
using Agents.Core.Hosting;
using Agents.Core.Storage;

namespace AgentCli;

/// <summary>A load run's report: printed, and written as results/{name}.md and results/{name}.json.</summary>
public static class LoadReportText
{
    public static string Markdown(LoadReport r)
    {
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line).Append('\n');
        string Ms(LatencyStats s) => string.Create(CultureInfo.InvariantCulture, $"| {s.Count} | {s.P50:0} | {s.P95:0} | {s.P99:0} | {s.Max:0} |");

        Line($"# Load run: {r.Label}");
        Line();
        Line(string.Create(CultureInfo.InvariantCulture, $"{r.At:u}, host {r.Host}. Arrival: {r.Arrival}. {r.Settings.Sessions} sessions × up to {r.Settings.TurnsPerSession} turn(s), users starting over {r.Settings.Ramp.TotalSeconds:0} s, arrivals for {r.Settings.Duration.TotalSeconds:0} s, drain up to {r.Settings.DrainTimeout.TotalSeconds:0} s, poll every {r.Settings.Poll.TotalMilliseconds:0} ms (completion times are as seen by polling), a 429's Retry-After honoured up to {r.Settings.MaxRetries} time(s) when ≤ {r.Settings.MaxRetryWait.TotalSeconds:0} s."));
        Line();
        Line("| latency (ms) | n | p50 | p95 | p99 | max |");
        Line("|---|---:|---:|---:|---:|---:|");
        Line($"| POST turn → 202 | {Ms(r.AckMs)[2..]}");
        Line($"| POST turn → final | {Ms(r.CompletionMs)[2..]}");
        Line();
        Line(string.Create(CultureInfo.InvariantCulture,
            $"Sessions {r.SessionsOpened}; submissions {r.Submissions}: accepted {r.Accepted}, shed (429) {r.ShedResponses} ({r.ShedWithoutRetryAfter} without Retry-After), retried after 429 {r.RetriesAfterShed}, turns given up as shed {r.TurnsGivenUp}, answers lost (timeout; sent again under the same Idempotency-Key) {r.LostAnswers}, other refusals or failures {r.OtherRefusals}."));
        Line(string.Create(CultureInfo.InvariantCulture,
            $"Final {r.Final} ({string.Join(", ", r.Outcomes.Select(o => $"{o.Key} {o.Value}"))}); throughput {r.ThroughputTurnsPerSecond:0.00} turns/s (final turns ÷ seconds from the first submission to the last final); wall {r.WallSeconds:0.0} s; highest degrade level {r.MaxDegradeLevel}."));
        Line();
        Line("Degrade timeline (per second: L level, in-flight turns per the host, and the client's accepted / shed / final so far):");
        Line();
        Line("```");
        foreach (LoadSample s in r.Timeline)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"{s.AtSeconds,6:0.0}s  L{s.Level}  in-flight {s.TurnsInFlight,4}  util {s.Utilization,5:0.00}  accepted {s.Accepted,4}  shed {s.Shed,4}  final {s.Final,4}"));
        }

        Line("```");
        Line();
        Line("| check | result | detail |");
        Line("|---|---|---|");
        foreach (LoadCheck c in r.Checks)
        {
            Line($"| {c.Name} | {(c.Passed ? "pass" : "**FAIL**")} | {c.Detail.Replace("|", "/", StringComparison.Ordinal)} |");
        }

        Line();
        Line(r.Passed ? "All checks passed." : "SOME CHECKS FAILED.");
        return text.ToString();
    }

    /// <summary>Writes results/{name}.md and results/{name}.json under the repository root; returns the markdown path.</summary>
    public static async Task<string> WriteAsync(LoadReport report, string name, CancellationToken ct)
    {
        string folder = Path.Combine(RepositoryPaths.Root, "results");
        Directory.CreateDirectory(folder);
        string markdown = Path.Combine(folder, name + ".md");
        await File.WriteAllTextAsync(markdown, Markdown(report), ct);
        await File.WriteAllTextAsync(Path.Combine(folder, name + ".json"), JsonSerializer.Serialize(report, JsonDefaults.Indented), ct);
        return markdown;
    }
}
