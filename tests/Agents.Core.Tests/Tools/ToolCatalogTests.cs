using Agents.Core.Activities;
using Agents.Core.Contracts;
using Agents.Core.Credentials;
using Agents.Core.Load;
using Agents.Core.Policy;
using Agents.Core.Storage;
using Agents.Core.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.Tools;

/// <summary>What the planner is offered: the catalog's entries, minus what the policy forbids outright for this principal and resource.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ToolCatalogTests(PlatformFixture platform)
{
    const string Policy = """
        version: catalog-test-1
        mode: enforce
        rules:
          - id: forbid-tests-for-acme
            effect: forbid
            when: action.tool == 'run_tests' && principal.org == 'acme'
            reason: acme runs its own CI
          - id: forbid-secret-paths
            effect: forbid
            when: resource.paths_text.matches('(?m)(^|/)secrets/')
            reason: no secrets
          - id: permit-most
            effect: permit
            when: action.tool in ['list_files', 'read_file', 'run_tests', 'draft_patch', 'open_pull_request']
        """;

    static readonly RepositoryWorkspace Workspace = new(Options.Create(new WorkspaceOptions()));

    static readonly ToolCatalog Catalog = new(
        [new ListFilesTool(Workspace), new ReadFileTool(Workspace), new SearchCodeTool(Workspace), new RunTestsTool(Workspace), new OpenPullRequestTool(Workspace)]);

    static PolicyEvaluator Evaluator(ToolCatalog catalog) => new(
        new PolicyStore(Options.Create(new PolicyOptions { Document = Policy }), NullLogger<PolicyStore>.Instance), catalog, Workspace, new NoLoad(), Agents.Core.Browser.NoBrowserFacts.Instance);

    static SessionMetadata Session(string org) => new(
        "s-catalog", "dana", org, RiskTier.Medium, DataSensitivity.Internal, "inventory-service", null, new BudgetLimits(8000, 2000, 40000, 1_000_000), DateTime.UtcNow);

    [Theory]
    [InlineData("acme", new[] { "list_files", "open_pull_request", "read_file" })]
    [InlineData("contoso", new[] { "list_files", "open_pull_request", "read_file", "run_tests" })]
    public void ForbidsOutright_PerPrincipal_WithholdsForbiddenAndUnpermittedTools(string org, string[] offered)
    {
        PolicyEvaluator evaluator = Evaluator(Catalog);

        ToolCatalog visible = Catalog.Without(tool => evaluator.ForbidsOutright(Session(org), tool, PolicyBudget.None));

        // search_code: no rule permits it (default deny); run_tests: forbidden for acme only; read_file stays although
        // some of its paths are forbidden, because that depends on the call, which is checked when it is planned.
        Assert.Equal(offered, visible.Definitions.Select(d => d.Name));
    }

    [Fact]
    public void Definitions_EveryEntry_DeclaresWhatGovernsItsExecution()
    {
        Assert.All(platform.Services.GetRequiredService<ToolCatalog>().Definitions, d =>
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Description));
            Assert.NotNull(Json.Schema.JsonSchema.FromText(d.ArgumentsSchema));
            Assert.InRange(d.TimeLimit, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
            Assert.InRange(d.MemoryLimitBytes, 1L << 20, 4L << 30);
        });
        Dictionary<string, ToolDefinition> byName = platform.Services.GetRequiredService<ToolCatalog>().Definitions.ToDictionary(d => d.Name);
        Assert.Equal(CredentialScope.PullRequestCreate, byName["open_pull_request"].CredentialScope);
        Assert.True(byName["open_pull_request"].RequiresApproval);
        Assert.Equal(CredentialScope.RepositoryRead, byName["read_file"].CredentialScope);
        Assert.Equal(ToolRuntime.Wasm, byName["read_file"].Runtime);
        Assert.Equal(ToolRuntime.Job, byName["run_tests"].Runtime);
    }

    [Fact]
    public async Task PlanTurn_ToolForbiddenForThePrincipal_IsNotOfferedToThePlanner()
    {
        string sessionId = $"s-plan{Guid.NewGuid():N}"[..20];
        IPayloadStore payloads = platform.Services.GetRequiredService<IPayloadStore>();
        PayloadRef ticket = await payloads.PutTextAsync(sessionId, SessionDriver.Ticket101);
        var plan = ActivatorUtilities.CreateInstance<PlanTurnActivity>(platform.Services, Evaluator(platform.Services.GetRequiredService<ToolCatalog>()));

        PlanTurnResult result = await plan.ExecuteAsync(new PlanTurnRequest(Session("acme") with { SessionId = sessionId }, 1, 0, ticket, null, null, new TokenAllotment(8000, 2000, false)));

        IReadOnlyList<AgentEvent> events = await platform.Events.ReadAsync(sessionId);
        AgentEvent planned = events.Single(e => e.Type is EventTypes.PlanPreviewed or EventTypes.PlanRejected);
        string prompt = await payloads.GetTextAsync(sessionId, planned.Refs![0]);
        Assert.Contains("- read_file:", prompt);
        Assert.DoesNotContain("- run_tests:", prompt);
        Assert.DoesNotContain("- search_code:", prompt);
        // The recorded plan for this ticket uses run_tests: it cannot pass as a plan for acme.
        Assert.True(result.Plan is null || result.Plan.Steps.All(s => s.Tool != "run_tests"), result.Error);
    }

    sealed class NoLoad : ILoadState
    {
        public LoadSnapshot Current => LoadSnapshot.Idle;
    }
}
