using Agents.Core.Contracts;
using Agents.Core.Redaction;
using Agents.Core.Storage;
using Agents.Core.Tools;
using Microsoft.Extensions.Logging;

namespace Agents.Core.Activities;

/// <summary>
/// Writes a running step's output to the session's log as <see cref="EventTypes.StepProgress"/> events, redacted. Ids
/// are deterministic per chunk, so a retried activity does not log the same chunk twice. A failed write is logged and
/// dropped: progress is a view of the job, never a reason to fail it (the full output is the step's result).
/// </summary>
public sealed class StepProgressLog(IEventLog events, ILogger logger, string sessionId, int turn, int revision, PlanStep step) : IStepProgress
{
    const int SummaryChars = 240;

    public async Task ReportAsync(ProgressChunk chunk, CancellationToken cancellationToken)
    {
        string text = Redactor.Default.Redact(string.Join('\n', chunk.Lines));
        string last = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? string.Empty;
        string summary = last.Length <= SummaryChars ? last : last[..SummaryChars] + "…";
        var outputs = new Dictionary<string, string>
        {
            ["output"] = text,
            ["chunk"] = chunk.Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (chunk.Cut)
        {
            outputs["cut"] = "progress output stops here (Workspace:MaxProgressChars); the step's result holds the full output";
        }

        var draft = new EventDraft($"{Ids.TurnInstanceId(sessionId, turn)}/r{revision}/{EventTypes.StepProgress}/{step.Id}/{chunk.Number}", EventTypes.StepProgress, sessionId, summary)
        {
            Turn = turn,
            Revision = revision,
            Step = step.Id,
            Inputs = new Dictionary<string, string> { ["tool"] = step.Tool },
            Outputs = outputs,
        };
        try
        {
            await events.AppendAsync(sessionId, [draft], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not log progress chunk {Chunk} of step {Step} in {Session} turn {Turn}", chunk.Number, step.Id, sessionId, turn);
        }
    }
}
