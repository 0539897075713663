using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Load;
using Agents.Core.Models;
using Agents.Core.Planning;
using Agents.Core.Tools;
using Microsoft.Extensions.Options;

namespace AgentBench;

/// <summary>
/// Cost of the sample PR-prep turn (TICKET-101: plan, patch, summary) at the default price table: as routed (small plan
/// and summary, frontier patch), and with every call on one tier. Usage is the offline model's real token counts.
/// </summary>
static class CostBench
{
    public static async Task<object> RunAsync()
    {
        var tokens = new TokenCounter();
        var options = new ModelOptions();
        var router = new ModelRouter(new ProviderClients(Options.Create(options), tokens, new DefaultAzureCredentials()), tokens, new IdleLoad(), Options.Create(options), TimeProvider.System);
        var workspace = new RepositoryWorkspace(Options.Create(new WorkspaceOptions()));
        string root = workspace.RootOf("inventory-service");
        var catalog = new ToolCatalog([new ListFilesTool(workspace), new ReadFileTool(workspace), new SearchCodeTool(workspace), new DraftPatchTool(router, workspace), new RunTestsTool(workspace), new OpenPullRequestTool(workspace)]);
        string ticket = Sample.Ticket;

        ModelResponse plan = await router.CompleteAsync(new ModelRequest(Prompts.PlanPurpose, ModelTier.Small,
            Prompts.Plan(Sample.Session, ticket, catalog.Definitions, workspace.Files(root), null, null), 1500, Sample.Context("cost/plan")) { Output = PlanParser.ContractFor(catalog) });
        string[] files = ["inventory/pagination.py", "tests/test_pagination.py"];
        var context = files.Select(f => $"==> {f} <==\n{File.ReadAllText(Path.Combine(root, f))}").ToList();
        string instructions = PlanParser.Build(plan.Json!.Value, catalog).Steps.Single(s => s.Tool == DraftPatchTool.Name).Arguments;
        ModelResponse patch = await router.CompleteAsync(new ModelRequest(Prompts.PatchPurpose, ModelTier.Frontier,
            Prompts.Patch(Sample.Session, ticket, instructions, context), 2000, Sample.Context("cost/patch")));
        ModelResponse summary = await router.CompleteAsync(new ModelRequest(Prompts.SummaryPurpose, ModelTier.Small,
            Prompts.Summary(ticket, TurnOutcome.Completed, "- search: succeeded\n- draft: succeeded\n- test: succeeded\n- pr: succeeded"), 400, Sample.Context("cost/summary")) { Output = OutputSchemas.Summary });

        TokenUsage[] usage = [plan.Info.Tokens, patch.Info.Tokens, summary.Info.Tokens];
        decimal Price(CandidateOptions c, TokenUsage u) => ((u.InputTokens * c.InputPricePerMillion) + (u.OutputTokens * c.OutputPricePerMillion)) / 1_000_000m;
        CandidateOptions small = options.CandidatesFor(ModelTier.Small)[0], frontier = options.CandidatesFor(ModelTier.Frontier)[0], longContext = options.CandidatesFor(ModelTier.LongContext)[0];
        var rows = new Dictionary<string, decimal>
        {
            [$"as routed (plan {small.Model}, patch {frontier.Model}, summary {small.Model})"] = Price(small, usage[0]) + Price(frontier, usage[1]) + Price(small, usage[2]),
            [$"all small ({small.Model})"] = usage.Sum(u => Price(small, u)),
            [$"all frontier ({frontier.Model})"] = usage.Sum(u => Price(frontier, u)),
            [$"all long-context ({longContext.Model})"] = usage.Sum(u => Price(longContext, u)),
        };
        Console.WriteLine($"cost per turn of the sample PR-prep session (plan {usage[0].InputTokens}+{usage[0].OutputTokens}, patch {usage[1].InputTokens}+{usage[1].OutputTokens}, summary {usage[2].InputTokens}+{usage[2].OutputTokens} tokens):");
        foreach ((string label, decimal cost) in rows)
        {
            Console.WriteLine($"  {label,-70} ${cost:0.000000}");
        }

        return new { usage = new { plan = usage[0], patch = usage[1], summary = usage[2] }, costUsd = rows };
    }
}
