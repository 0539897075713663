using System.Text.RegularExpressions;
using Agents.Core.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Policy;

/// <summary>
/// Tools that read many files at once (search) must not carry out what the policy forbids reading one by one: each
/// result's file is checked as a <c>read_file</c> of that path, and results from files the policy forbids are dropped.
/// One definition of what is secret: the policy's.
/// </summary>
public sealed partial class ReadGuard(IServiceProvider services)
{
    // Resolved on first use: the evaluator needs the tool catalog, which holds the tools that use this guard.
    PolicyEvaluator Evaluator => services.GetRequiredService<PolicyEvaluator>();

    public bool MayRead(SessionMetadata session, string path)
    {
        var step = new PlanStep("read-guard", "read_file", System.Text.Json.JsonSerializer.Serialize(new { path }), [], null, false);
        return this.Evaluator.Evaluate(session, 0, step, [], PolicyBudget.None).Effective != PolicyEffect.Forbid;
    }

    /// <summary>Drops the lines of <c>path:line: text</c> output whose file the policy forbids reading; returns how many.</summary>
    public (string Output, int Dropped) FilterSearchResults(SessionMetadata session, string output)
    {
        var allowed = new Dictionary<string, bool>(StringComparer.Ordinal);
        int dropped = 0;
        var kept = new List<string>();
        foreach (string line in output.Split('\n'))
        {
            Match match = ResultLine().Match(line);
            if (match.Success)
            {
                string path = match.Groups["path"].Value;
                if (!allowed.TryGetValue(path, out bool ok))
                {
                    allowed[path] = ok = this.MayRead(session, path);
                }

                if (!ok)
                {
                    dropped++;
                    continue;
                }
            }

            kept.Add(line);
        }

        return (string.Join('\n', kept), dropped);
    }

    [GeneratedRegex(@"^(?<path>[^\n]+?):\d+: ")]
    private static partial Regex ResultLine();
}
