using Agents.Core.Contracts;
using Agents.Core.Tools;

namespace Agents.Core.Replay;

/// <summary>
/// Tool calls in a replay: outputs served from the original's log when the replay asks for recorded tools, and
/// always for tools with effects outside the platform (a replay never pushes, opens a PR or acts in a browser).
/// </summary>
public sealed class ReplayTools(ReplaySource source)
{
    /// <summary>Tools whose effects leave the platform: never run by a replay, whatever its tool mode.</summary>
    public static readonly IReadOnlySet<string> SideEffectTools = new HashSet<string>(StringComparer.Ordinal)
    {
        "open_pull_request", "git_push", "browser_open", "browser_click", "browser_type", "browser_scroll",
    };

    /// <summary>The recorded output to use instead of running the tool, or null to run it.</summary>
    public async Task<ToolOutput?> ServeAsync(RunStepRequest input, CancellationToken cancellationToken = default)
    {
        if (input.Session.Replay is not { } replay)
        {
            return null;
        }

        bool sideEffect = SideEffectTools.Contains(input.Step.Tool);
        if (!sideEffect && (replay.Tools == ReplayToolMode.Rerun || input.ReplayLive))
        {
            return null;
        }

        string original = replay.OriginalSession;
        AgentEvent? recorded = await source.StepResultAsync(original, input.Turn, input.Revision, input.Step.Id, cancellationToken).ConfigureAwait(false);
        if (recorded is null)
        {
            return ToolOutput.Failure(sideEffect
                ? $"{input.Step.Tool} has effects outside the platform and is never run in a replay; {original} has no recorded result for step {input.Step.Id} (turn {input.Turn}, revision {input.Revision})"
                : $"{original} has no recorded output for step {input.Step.Id} (turn {input.Turn}, revision {input.Revision}): the replay diverged from the original here");
        }

        PayloadRef? output = recorded.Refs?.FirstOrDefault();
        string content = output is null ? string.Empty : await source.TextAsync(original, output.Sha256, cancellationToken).ConfigureAwait(false) ?? string.Empty;
        string note = $"served from the recording of {original}";
        return recorded.Type == EventTypes.StepCompleted
            ? new ToolOutput(true, content, output?.ContentType ?? "text/plain; charset=utf-8", $"{recorded.Summary} ({note})")
            : ToolOutput.Failure($"{recorded.Summary} ({note})");
    }
}
