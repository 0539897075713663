using System.Diagnostics;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Load;
using Agents.Core.Policy;
using Agents.Core.Tools;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentBench;

/// <summary>
/// Policy evaluation latency per decision with the default PR-prep policy: the CEL rules alone, and the whole
/// evaluator as a step sees it (inputs built from the session and the call, tags and environment looked up, binding hash).
/// </summary>
static class PolicyBench
{
    public static object Run(int decisions = 50_000)
    {
        var workspace = new RepositoryWorkspace(Options.Create(new WorkspaceOptions()));
        var store = new PolicyStore(Options.Create(new PolicyOptions()), NullLogger<PolicyStore>.Instance);
        var catalog = new ToolCatalog([new ListFilesTool(workspace), new ReadFileTool(workspace), new SearchCodeTool(workspace), new RunTestsTool(workspace), new OpenPullRequestTool(workspace)]);
        var evaluator = new PolicyEvaluator(store, catalog, workspace, new IdleLoad(), Agents.Core.Browser.NoBrowserFacts.Instance);
        PlanStep[] steps =
        [
            new("search", "search_code", """{"query":"def paginate"}""", [], null, false),
            new("read", "read_file", """{"path":"inventory/pagination.py"}""", [], null, false),
            new("secret", "read_file", """{"path":".env.example"}""", [], null, false),
            new("tests", "run_tests", "{}", [], null, false),
            new("pr", "open_pull_request", """{"title":"Fix off-by-one in paginate","body":"Adds a regression test."}""", [], null, false),
        ];
        var budget = new PolicyBudget(30_000, 2_000, 0.005m, 0.005m, 2_000);
        string[] patch = ["inventory/pagination.py", "tests/test_pagination.py"];

        var rulesOnly = new List<double>(decisions);
        var whole = new List<double>(decisions);
        var inputs = steps.Select(s => PolicyInputs.Variables(new PolicyInput(
            new PolicyPrincipal("dana", "contoso", ["developer"]),
            new PolicyAction(s.Tool, "low", s.Arguments),
            new PolicyResource("inventory-service", "stage", "internal", ["inventory/pagination.py"], []),
            new PolicyContext(30_000, 2_000, 0.005, 0.005, 0, 0)))).ToArray();
        for (int i = 0; i < 5_000; i++)
        {
            store.Current.Evaluate(inputs[i % inputs.Length], string.Empty);
            evaluator.Evaluate(Sample.Session, 0, steps[i % steps.Length], patch, budget);
        }

        for (int i = 0; i < decisions; i++)
        {
            long start = Stopwatch.GetTimestamp();
            store.Current.Evaluate(inputs[i % inputs.Length], string.Empty);
            rulesOnly.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            start = Stopwatch.GetTimestamp();
            evaluator.Evaluate(Sample.Session, 0, steps[i % steps.Length], patch, budget);
            whole.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        rulesOnly.Sort();
        whole.Sort();
        var figures = new
        {
            decisions,
            rules = store.Current.Rules.Count,
            rulesOnlyUs = new { p50 = Math.Round(Sample.Percentile(rulesOnly, 0.5), 1), p99 = Math.Round(Sample.Percentile(rulesOnly, 0.99), 1) },
            evaluatorUs = new { p50 = Math.Round(Sample.Percentile(whole, 0.5), 1), p99 = Math.Round(Sample.Percentile(whole, 0.99), 1) },
        };
        Console.WriteLine($"policy evaluation ({figures.rules} CEL rules, {decisions} decisions): rules alone p50 {figures.rulesOnlyUs.p50} µs, p99 {figures.rulesOnlyUs.p99} µs; " +
            $"whole evaluator (inputs, tags, binding) p50 {figures.evaluatorUs.p50} µs, p99 {figures.evaluatorUs.p99} µs");
        return figures;
    }
}
