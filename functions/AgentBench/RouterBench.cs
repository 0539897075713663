using System.Diagnostics;
using Agents.Core.Models;
using Agents.Core.Planning;
using Agents.Core.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentBench;

/// <summary>
/// The router's own time per call with a model that answers at once: tier choice, sensitivity filter, prompt token
/// count, allotment check, resilience pipeline, usage settlement, cost, events, and (for the JSON variant) schema validation.
/// </summary>
static class RouterBench
{
    public static async Task<object> RunAsync(int calls)
    {
        var tokens = new TokenCounter();
        var workspace = new RepositoryWorkspace(Options.Create(new WorkspaceOptions()));
        var catalog = new ToolCatalog([new ListFilesTool(workspace), new ReadFileTool(workspace), new SearchCodeTool(workspace), new RunTestsTool(workspace), new OpenPullRequestTool(workspace)]);
        IReadOnlyList<ChatMessage> prompt = Prompts.Plan(Sample.Session, Sample.Ticket, catalog.Definitions, workspace.Files(workspace.RootOf("inventory-service")), null, null);
        int promptTokens = tokens.Count(string.Join("\n", prompt.Select(m => m.Text)));

        var results = new Dictionary<string, object>();
        foreach ((string name, OutputContract? contract) in new[] { ("text", (OutputContract?)null), ("json_schema", OutputSchemas.Summary) })
        {
            var router = new ModelRouter(
                new FixedClients(new ZeroLatencyModel("""{"summary":"Fixed the off-by-one in paginate; tests pass; PR opened."}""")),
                tokens,
                new IdleLoad(),
                Options.Create(new ModelOptions()),
                TimeProvider.System);
            var request = new ModelRequest("plan", ModelTier.Small, prompt, 400, Sample.Context("bench")) { Output = contract };
            for (int i = 0; i < 2_000; i++)
            {
                await router.CompleteAsync(request);
            }

            var times = new List<double>(calls);
            for (int i = 0; i < calls; i++)
            {
                long start = Stopwatch.GetTimestamp();
                await router.CompleteAsync(request);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }

            times.Sort();
            var figures = new { calls, promptTokens, p50Us = Math.Round(Sample.Percentile(times, 0.5), 1), p99Us = Math.Round(Sample.Percentile(times, 0.99), 1), meanUs = Math.Round(times.Average(), 1) };
            Console.WriteLine($"router overhead ({name} answer, {promptTokens}-token prompt, zero-latency model): p50 {figures.p50Us} µs, p99 {figures.p99Us} µs, mean {figures.meanUs} µs over {calls} calls");
            results[name] = figures;
        }

        return results;
    }
}
