using Agents.Core.Contracts;
using Agents.Core.Credentials;
using Agents.Core.Models;
using Agents.Core.Planning;

namespace Agents.Core.Tools;

/// <summary>Drafts a unified diff with the frontier tier, from the ticket and everything upstream steps read.</summary>
public sealed class DraftPatchTool(IModelGateway models, RepositoryWorkspace workspace) : IAgentTool
{
    public const string Name = "draft_patch";

    public ToolDefinition Definition { get; } = new(
        Name,
        "Draft a unified diff that implements the ticket, from the outputs of the steps it depends on.",
        """{"type":"object","properties":{"instructions":{"type":"string"}},"required":["instructions"],"additionalProperties":false}""",
        RiskTier.Low,
        RequiresApproval: false,
        ToolRuntime.Model)
    {
        OutputTokens = 2000,
        CredentialScope = CredentialScope.ModelInvoke,
        // Above the router's own per-call limit (Models:Resilience:CallTimeoutSeconds, 120 by default).
        TimeLimit = TimeSpan.FromSeconds(180),
        MemoryLimitBytes = 256L * 1024 * 1024,
    };

    /// <summary>Under budget backoff each upstream output is cut to this many characters (a shorter context).</summary>
    public const int BackoffContextChars = 4000;

    public async Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        string instructions = invocation.Arguments.RequiredString("instructions");
        ModelCallContext model = invocation.ModelContext
            ?? throw new InvalidOperationException("draft_patch calls a model and the step carries no token allotment");
        var context = new List<string>();
        foreach (StepInput input in invocation.Inputs)
        {
            string content = await invocation.LoadInput(input, cancellationToken).ConfigureAwait(false);
            if (model.Allotment.Backoff && content.Length > BackoffContextChars)
            {
                content = content[..BackoffContextChars] + "\n[cut: the session is near its token cap]";
            }

            context.Add($"[{input.StepId} · {input.Tool}]\n{content}");
        }

        // Escalation is explicit: code synthesis asks for the frontier tier (the router may still step down under backoff or load).
        ModelResponse response = await models.CompleteAsync(
            new ModelRequest(Prompts.PatchPurpose, ModelTier.Frontier, Prompts.Patch(invocation.Session, invocation.TurnInput, instructions, context), this.Definition.OutputTokens, model),
            cancellationToken).ConfigureAwait(false);

        string diff = StripFences(response.Text);
        string root = workspace.RootOf(invocation.Session.Repository);
        (IReadOnlyList<string> files, string? error) = UnifiedDiff.Validate(diff, path => File.Exists(Path.Combine(root, path)));
        if (error is not null)
        {
            return ToolOutput.Failure($"the model's patch was rejected: {error}", diff) with { Model = response.Info, Events = response.Events };
        }

        int added = diff.Split('\n').Count(l => l.StartsWith('+') && !l.StartsWith("+++", StringComparison.Ordinal));
        int removed = diff.Split('\n').Count(l => l.StartsWith('-') && !l.StartsWith("---", StringComparison.Ordinal));
        return ToolOutput.Success(diff, $"patch: {string.Join(", ", files)} (+{added} -{removed})", "text/x-diff; charset=utf-8", response.Info) with { Events = response.Events };
    }

    static string StripFences(string text)
    {
        string trimmed = text.Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            int firstNewline = trimmed.IndexOf('\n');
            int lastFence = trimmed.LastIndexOf("```", StringComparison.Ordinal);
            if (firstNewline > 0 && lastFence > firstNewline)
            {
                trimmed = trimmed[(firstNewline + 1)..lastFence];
            }
        }

        return trimmed.TrimEnd() + "\n";
    }
}
