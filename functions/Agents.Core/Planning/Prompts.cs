using System.Text;
using Agents.Core.Contracts;
using Agents.Core.LongTermMemory;
using Agents.Core.Models;
using Agents.Core.Tools;
using Microsoft.Extensions.AI;

namespace Agents.Core.Planning;

/// <summary>
/// Prompt templates. Each system message starts with <c>purpose: ...</c>, which the offline provider matches on
/// and which is harmless to live models.
/// </summary>
public static class Prompts
{
    public const string PlanPurpose = "plan";
    public const string PatchPurpose = "draft_patch";
    public const string SummaryPurpose = "summarize";

    public static IReadOnlyList<ChatMessage> Plan(
        SessionMetadata session,
        string ticket,
        IReadOnlyCollection<ToolDefinition> tools,
        IReadOnlyList<string> files,
        string? previousPlanJson,
        string? reviewerRationale,
        IReadOnlyList<MemoryHit>? memory = null)
    {
        var system = new StringBuilder()
            .Append(OfflineChatClient.PurposePrefix).Append(PlanPurpose).Append('\n')
            .Append("You are the planning stage of a PR-prep agent. Turn the ticket into a small plan of tool calls.\n")
            .Append("Answer with one JSON object and nothing else:\n")
            .Append("{\"goal\": string, \"rationale\": string, \"steps\": [{\"id\": string, \"tool\": string, \"args\": object, \"depends_on\": [string], \"why\": string}]}\n")
            .Append("Rules: step ids are short lowercase words; steps without a dependency between them run in parallel; ")
            .Append("read before you draft; draft a patch before you run tests; open a pull request last. ")
            .Append("Use only these tools:\n");
        foreach (ToolDefinition tool in tools)
        {
            system.Append("- ").Append(tool.Name).Append(": ").Append(tool.Description).Append(" Arguments: ").Append(tool.ArgumentsSchema).Append('\n');
        }

        var user = new StringBuilder()
            .Append("Repository: ").Append(session.Repository).Append('\n')
            .Append("Files:\n").AppendJoin('\n', files.Take(200)).Append("\n\n");
        if (memory is { Count: > 0 })
        {
            user.Append("Relevant code (retrieved from the repository, path:first-last line):\n");
            foreach (MemoryHit hit in memory)
            {
                user.Append(MemoryBlock(hit));
            }

            user.Append('\n');
        }

        user.Append("Ticket:\n").Append(ticket.Trim()).Append('\n');
        if (reviewerRationale is not null)
        {
            user.Append("\nThe reviewer asked for a revision of the previous plan.\n")
                .Append("Previous plan:\n").Append(previousPlanJson).Append('\n')
                .Append("Reviewer rationale: ").Append(reviewerRationale.Trim()).Append('\n');
        }

        return [new ChatMessage(ChatRole.System, system.ToString()), new ChatMessage(ChatRole.User, user.ToString())];
    }

    /// <summary>How one retrieved chunk appears in the planner's prompt.</summary>
    public static string MemoryBlock(MemoryHit hit) => $"--- {hit.Path}:{hit.StartLine}-{hit.EndLine}\n{hit.Text.TrimEnd()}\n";

    /// <summary>
    /// The hits, best first, whose blocks fit in <paramref name="maxTokens"/> together; a hit too large for what is left
    /// is left out and smaller ones after it may still fit.
    /// </summary>
    public static IReadOnlyList<MemoryHit> FitMemory(IReadOnlyList<MemoryHit> hits, int maxTokens, Func<string, int> countTokens)
    {
        var kept = new List<MemoryHit>(hits.Count);
        int left = maxTokens;
        foreach (MemoryHit hit in hits)
        {
            int tokens = countTokens(MemoryBlock(hit));
            if (tokens <= left)
            {
                kept.Add(hit);
                left -= tokens;
            }
        }

        return kept;
    }

    public static IReadOnlyList<ChatMessage> Patch(SessionMetadata session, string ticket, string instructions, IEnumerable<string> context)
    {
        string system = OfflineChatClient.PurposePrefix + PatchPurpose + "\n" +
            "You write patches. Answer with a unified diff only (--- a/path, +++ b/path, @@ hunks), relative to the repository root, no prose.";
        var user = new StringBuilder()
            .Append("Repository: ").Append(session.Repository).Append('\n')
            .Append("Ticket:\n").Append(ticket.Trim()).Append("\n\n")
            .Append("Instructions: ").Append(instructions.Trim()).Append("\n\n")
            .Append("Context:\n").AppendJoin("\n\n", context).Append('\n');
        return [new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, user.ToString())];
    }

    public static IReadOnlyList<ChatMessage> Summary(string ticket, TurnOutcome outcome, string facts)
    {
        string system = OfflineChatClient.PurposePrefix + SummaryPurpose + "\n" +
            "Summarise what the agent did for the ticket in two or three sentences for the reviewer. " +
            "Answer with one JSON object: {\"summary\": string}.";
        string user = $"Ticket:\n{ticket.Trim()}\n\nOUTCOME: {outcome.Snake()}\n\nSteps:\n{facts}";
        return [new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, user)];
    }
}
