using System.Security.Cryptography;
using System.Text;
using Agents.Core.Browser;
using Agents.Core.Contracts;
using Agents.Core.Load;
using Agents.Core.Tools;

namespace Agents.Core.Policy;

/// <summary>Builds what the policy sees of one planned tool call and asks the policy in force (or a named version).</summary>
public sealed class PolicyEvaluator(IPolicyStore store, ToolCatalog catalog, RepositoryWorkspace workspace, ILoadState load, IBrowserFacts browser, Storage.IPayloadStore? payloads = null)
{
    /// <summary>
    /// A replay runs under the policy version it names; after a restart that version may not be loaded here yet, so
    /// it is loaded from the copy the replay keeps in its payloads.
    /// </summary>
    public async Task EnsureLoadedAsync(SessionMetadata session, CancellationToken cancellationToken = default)
    {
        if (session.Replay is { PolicyRef: { } reference } replay && payloads is not null && store.Version(replay.PolicyVersion) is null)
        {
            string text = await Storage.PayloadStoreExtensions.GetTextAsync(payloads, session.SessionId, reference, cancellationToken).ConfigureAwait(false);
            store.Pin(text, $"replay {session.SessionId}");
        }
    }

    /// <summary>Tools that act on the turn's drafted patch: the files it changes are their resource paths.</summary>
    static readonly HashSet<string> PatchConsumers = new(StringComparer.Ordinal) { "run_tests", "open_pull_request", "git_push" };

    public PolicyDecision Evaluate(SessionMetadata session, int revision, PlanStep step, IReadOnlyList<string> patchFiles, PolicyBudget budget, string? version = null)
    {
        version ??= session.Replay?.PolicyVersion;
        CompiledPolicy policy = version is null ? store.Current : store.Version(version) ?? throw new InvalidOperationException($"policy version '{version}' is not loaded");
        IReadOnlyList<string> paths = PathsOf(step, patchFiles);
        string risk = catalog.TryGet(step.Tool, out IAgentTool? tool) ? tool.Definition.Risk.Snake() : "high";
        var input = new PolicyInput(
            new PolicyPrincipal(session.User, session.Org, session.Roles),
            new PolicyAction(step.Tool, risk, PolicyInputs.CanonicalArguments(step.Arguments)),
            new PolicyResource(session.Repository, workspace.EnvironmentOf(session.Repository), session.Sensitivity.Snake(), paths, workspace.TagsFor(session.Repository, paths))
            {
                Browser = browser.Describe(session, step),
            },
            new PolicyContext(budget.SessionTokensLeft, budget.TurnTokens, (double)budget.TurnCostUsd, (double)budget.SessionCostUsd, load.Current.Level, revision));
        PolicyDecision decision = policy.Evaluate(PolicyInputs.Variables(input), PolicyInputs.Json(input));

        // A floor under the policy: a step the catalog marks as needing approval, or that the planner asked approval for, gets it.
        if (decision.Effective == PolicyEffect.Permit && step.RequiresApproval)
        {
            decision = decision with
            {
                Decision = PolicyEffect.RequireApproval,
                Effective = PolicyEffect.RequireApproval,
                Matched = [.. decision.Matched, new MatchedRule("catalog-or-planner-requires-approval", PolicyEffect.RequireApproval, PolicyMode.Enforce, "the tool's catalog entry or the planner asks for approval")],
                Reason = $"{decision.Reason}; the tool's catalog entry or the planner asks for approval",
            };
        }

        return decision.Effective == PolicyEffect.RequireApproval
            ? decision with { Binding = Binding(step.Tool, step.Arguments, policy.Version, budget.Snapshot) }
            : decision;
    }

    /// <summary>
    /// True when the policy in force forbids <paramref name="tool"/> for this session's principal and resource whatever
    /// the call: the tool evaluated with no arguments and no paths comes out forbidden (an explicit forbid, or default
    /// deny because no rule permits it). Such a tool is not offered to the planner. A rule that forbids only some
    /// arguments or paths does not match the bare call, so that tool stays offered and each call is still checked.
    /// </summary>
    public bool ForbidsOutright(SessionMetadata session, ToolDefinition tool, PolicyBudget budget)
    {
        var bare = new PlanStep("catalog", tool.Name, "{}", [], null, tool.RequiresApproval);
        return this.Evaluate(session, 0, bare, [], budget).Effective == PolicyEffect.Forbid;
    }

    /// <summary>What an approval binds to: SHA-256 over the tool, its canonical arguments, the policy version and the budget snapshot.</summary>
    public static string Binding(string tool, string arguments, string policyVersion, long budgetSnapshot) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{tool}\n{PolicyInputs.CanonicalArguments(arguments)}\n{policyVersion}\n{budgetSnapshot}")));

    static IReadOnlyList<string> PathsOf(PlanStep step, IReadOnlyList<string> patchFiles)
    {
        var paths = new List<string>();
        using (var args = System.Text.Json.JsonDocument.Parse(step.Arguments))
        {
            if (args.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                foreach (var property in args.RootElement.EnumerateObject())
                {
                    if (property.Name is "path" or "file" && property.Value.ValueKind == System.Text.Json.JsonValueKind.String)
                    {
                        paths.Add(property.Value.GetString()!);
                    }
                    else if (property.Name is "paths" or "files" && property.Value.ValueKind == System.Text.Json.JsonValueKind.Array)
                    {
                        paths.AddRange(property.Value.EnumerateArray().Where(v => v.ValueKind == System.Text.Json.JsonValueKind.String).Select(v => v.GetString()!));
                    }
                }
            }
        }

        if (PatchConsumers.Contains(step.Tool))
        {
            paths.AddRange(patchFiles);
        }

        return paths.Distinct(StringComparer.Ordinal).ToList();
    }
}
