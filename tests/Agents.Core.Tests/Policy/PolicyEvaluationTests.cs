using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Policy;
using Agents.Testing;

namespace Agents.Core.Tests.Policy;

/// <summary>The default PR-prep policy and the engine's semantics, on the real policy file.</summary>
public sealed class PolicyEvaluationTests
{
    static readonly CompiledPolicy Default = CompiledPolicy.Load(
        File.ReadAllText(Path.Combine(RepositoryPaths.Root, "policies", "pr-prep.yaml")), "policies/pr-prep.yaml");

    static PolicyDecision Decide(
        CompiledPolicy policy,
        string tool,
        string args = "{}",
        string risk = "low",
        string[]? paths = null,
        string[]? tags = null,
        string environment = "stage",
        string sensitivity = "internal",
        double turnCost = 0)
    {
        var input = new PolicyInput(
            new PolicyPrincipal("dana", "contoso", ["developer"]),
            new PolicyAction(tool, risk, args),
            new PolicyResource("inventory-service", environment, sensitivity, paths ?? [], tags ?? []),
            new PolicyContext(30_000, 2_000, turnCost, turnCost, 0, 0));
        return policy.Evaluate(PolicyInputs.Variables(input), PolicyInputs.Json(input));
    }

    [Theory]
    [InlineData("read_file", """{"path":"inventory/pagination.py"}""", "permit")]
    [InlineData("search_code", """{"query":"def paginate"}""", "permit")]
    [InlineData("run_tests", "{}", "permit")]
    [InlineData("draft_patch", """{"instructions":"fix"}""", "permit")]
    [InlineData("open_pull_request", """{"title":"Fix"}""", "require_approval")]
    [InlineData("delete_branch", "{}", "forbid")]
    public void Evaluate_DefaultPolicy_DecidesAsWrittenDown(string tool, string args, string expected)
    {
        PolicyDecision decision = Decide(Default, tool, args, risk: tool == "open_pull_request" ? "high" : "low", paths: tool == "read_file" ? ["inventory/pagination.py"] : []);

        Assert.Equal(expected, decision.Effective.Snake());
        Assert.Equal("pr-prep-2026.11.26-2", decision.PolicyVersion);
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public void Evaluate_TurnCostOverTheSpendThreshold_RequiresApprovalEvenForAPermittedTool()
    {
        PolicyDecision cheap = Decide(Default, "run_tests", turnCost: 0.10);
        PolicyDecision costly = Decide(Default, "run_tests", turnCost: 0.75);

        Assert.Equal(PolicyEffect.Permit, cheap.Effective);
        Assert.Equal(PolicyEffect.RequireApproval, costly.Effective);
        Assert.Contains(costly.Matched, m => m.Id == "approve-spend");
    }

    [Fact]
    public void Evaluate_NoRuleMatches_DeniesByDefault()
    {
        PolicyDecision decision = Decide(Default, "delete_branch");

        Assert.Equal(PolicyEffect.Forbid, decision.Effective);
        Assert.Contains("default deny", decision.Reason);
        Assert.Empty(decision.Matched);
    }

    [Theory]
    [InlineData(".env")]
    [InlineData(".env.example")]
    [InlineData("config/secrets/db.json")]
    [InlineData("deploy/server.pem")]
    [InlineData("home/.ssh/id_rsa")]
    [InlineData(".git/config")]
    public void Evaluate_SecretPath_IsForbiddenEvenWhereApprovalWouldApply(string path)
    {
        PolicyDecision read = Decide(Default, "read_file", $$"""{"path":"{{path}}"}""", paths: [path]);
        PolicyDecision push = Decide(Default, "open_pull_request", """{"title":"x"}""", risk: "high", paths: ["src/app.py", path]);

        Assert.Equal(PolicyEffect.Forbid, read.Effective);
        Assert.Equal(PolicyEffect.Forbid, push.Effective); // forbid overrides require_approval
        Assert.Contains(push.Matched, m => m.Id == "forbid-secret-paths");
        Assert.Contains(push.Matched, m => m.Id == "approve-publishing");
    }

    [Theory]
    [InlineData("""{"query":"password = hunter2hunter2"}""")]
    [InlineData("""{"query":"AKIAABCDEFGHIJKLMNOP"}""")]
    [InlineData("""{"title":"x","body":"token: ghp_abcdefghijklmnopqrstuvwxyz0123456789"}""")]
    [InlineData("""{"instructions":"-----BEGIN RSA PRIVATE KEY----- MII"}""")]
    public void Evaluate_SecretInArguments_IsForbidden(string args)
    {
        PolicyDecision decision = Decide(Default, "search_code", args);

        Assert.Equal(PolicyEffect.Forbid, decision.Effective);
        Assert.Contains(decision.Matched, m => m.Id == "forbid-secrets-in-arguments");
    }

    [Fact]
    public void Evaluate_ProdPiiOrSpend_RequiresApproval()
    {
        Assert.Equal(PolicyEffect.RequireApproval, Decide(Default, "read_file", """{"path":"a.py"}""", paths: ["a.py"], environment: "prod").Effective);
        Assert.Equal(PolicyEffect.RequireApproval, Decide(Default, "read_file", """{"path":"data/customers.csv"}""", paths: ["data/customers.csv"], tags: ["pii"]).Effective);
        Assert.Equal(PolicyEffect.RequireApproval, Decide(Default, "run_tests", turnCost: 0.75).Effective);
        Assert.Equal(PolicyEffect.Permit, Decide(Default, "run_tests", turnCost: 0.10).Effective);
    }

    [Fact]
    public void Evaluate_ReportOnlyRule_IsRecordedButDoesNotDecide()
    {
        CompiledPolicy policy = CompiledPolicy.Load("""
            version: t-1
            rules:
              - id: permit-reads
                effect: permit
                when: action.tool == 'read_file'
              - id: trial-forbid-tests-dir
                effect: forbid
                mode: report_only
                when: resource.paths.exists(p, p.startsWith('tests/'))
            """, "test");

        PolicyDecision decision = Decide(policy, "read_file", """{"path":"tests/t.py"}""", paths: ["tests/t.py"]);

        Assert.Equal(PolicyEffect.Permit, decision.Effective);
        Assert.Contains(decision.Matched, m => m.Id == "trial-forbid-tests-dir" && m.Mode == PolicyMode.ReportOnly);
        Assert.Contains("would have forbidden", decision.WouldHave);
    }

    [Fact]
    public void Evaluate_ReportOnlyPolicy_ProceedsAndSaysWhatItWouldHaveDone()
    {
        CompiledPolicy policy = CompiledPolicy.Load(
            File.ReadAllText(Path.Combine(RepositoryPaths.Root, "policies", "pr-prep.yaml")).Replace("mode: enforce", "mode: report_only"), "test");

        PolicyDecision decision = Decide(policy, "read_file", """{"path":".env"}""", paths: [".env"]);

        Assert.Equal(PolicyEffect.Permit, decision.Effective);
        Assert.Equal(PolicyEffect.Forbid, decision.Decision);
        Assert.Equal("would have forbidden it", decision.WouldHave);
    }

    [Fact]
    public void Evaluate_RuleFailingAtRuntime_FailsClosed()
    {
        CompiledPolicy policy = CompiledPolicy.Load("""
            version: t-2
            rules:
              - id: permit-all
                effect: permit
                when: 'true'
              - id: fragile
                effect: permit
                when: has(action.args.n) && action.args.n / action.args.d > 1
            """, "test");

        PolicyDecision decision = Decide(policy, "read_file", """{"n":1,"d":0}""");

        Assert.Equal(PolicyEffect.Forbid, decision.Effective);
        Assert.Contains(decision.Errors, e => e.Contains("fragile"));
    }
}
