using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Load;
using Agents.Core.LongTermMemory;
using Agents.Core.Storage;
using Agents.Core.Tools;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.Activities;

/// <summary>
/// Retrieval for a turn: re-indexes the session's repository incrementally (cheap when nothing changed), searches it
/// with the turn's input, stores the hits (claim check) and logs a <c>memory.retrieved</c> event. Only files the
/// session may read and that carry no data tags (PII) are indexed or returned (<see cref="MemoryAccess"/>). Never
/// fails the turn: when the index cannot be built or searched it returns no hits and says why.
/// </summary>
public sealed class RetrieveMemoryActivity(
    IMemoryIndex index,
    RepositoryCorpus corpus,
    RepositoryWorkspace workspace,
    MemoryAccess access,
    IPayloadStore payloads,
    IEventLog events,
    ILoadState load,
    IOptions<MemoryOptions> options,
    ILogger<RetrieveMemoryActivity> logger) : TaskActivity<RetrieveRequest, RetrieveResult>
{
    public const int MaxK = 50;

    public override Task<RetrieveResult> RunAsync(TaskActivityContext context, RetrieveRequest input) => this.ExecuteAsync(input);

    public async Task<RetrieveResult> ExecuteAsync(RetrieveRequest input, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        SessionMetadata session = input.Session;
        string repository = session.Repository;
        int degradeLevel = load.Current.Level;
        bool degraded = input.Backoff || degradeLevel >= 2;
        int k = Math.Clamp(input.K ?? (degraded ? options.Value.DegradedTopK : options.Value.TopK), 1, MaxK);
        string ticket = await payloads.GetTextAsync(session.SessionId, input.Input, cancellationToken).ConfigureAwait(false);
        Func<string, bool> mayIndex = access.For(session);
        using System.Diagnostics.Activity? span = Telemetry.TurnSpans.StartRetrieval(session.SessionId, input.Turn, $"top {k} over {repository}");

        IReadOnlyList<MemoryHit> hits = [];
        IndexReport? report = null;
        string? note = null;
        long indexMs = 0, searchMs = 0;
        try
        {
            if (!workspace.Exists(repository))
            {
                note = $"no memory: repository '{repository}' is not in the workspace";
            }
            else
            {
                CorpusScan scan = corpus.Scan(repository, mayIndex);
                report = await index.IndexAsync(repository, scan.Files, cancellationToken).ConfigureAwait(false);
                indexMs = clock.ElapsedMilliseconds;
                hits = await index.SearchAsync(repository, ticket, k, mayIndex, cancellationToken).ConfigureAwait(false);
                searchMs = clock.ElapsedMilliseconds - indexMs;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Retrieval is an aid, not a precondition: the turn goes on without it.
            logger.LogWarning(e, "Retrieval failed for {Session} turn {Turn} on {Repository}", session.SessionId, input.Turn, repository);
            note = $"no memory: the index of '{repository}' could not be built or searched ({e.GetType().Name}: {e.Message})";
            hits = [];
        }

        PayloadRef hitsRef = await payloads.PutTextAsync(
            session.SessionId,
            JsonSerializer.Serialize(new RetrievedMemory(repository, k, hits), JsonDefaults.Web),
            "application/json",
            cancellationToken).ConfigureAwait(false);
        long latency = clock.ElapsedMilliseconds;
        var inputs = new Dictionary<string, string>
        {
            ["repository"] = repository,
            ["k"] = k.ToString(CultureInfo.InvariantCulture),
            ["store"] = index.Store,
            ["indexMs"] = indexMs.ToString(CultureInfo.InvariantCulture),
            ["searchMs"] = searchMs.ToString(CultureInfo.InvariantCulture),
            ["backoff"] = input.Backoff ? "true" : "false",
            ["degradeLevel"] = degradeLevel.ToString(CultureInfo.InvariantCulture),
        };
        if (report is not null)
        {
            inputs["index"] = report.ToString();
        }

        await events.AppendAsync(
            session.SessionId,
            [
                new EventDraft(EventId(session.SessionId, input.Turn), EventTypes.MemoryRetrieved, session.SessionId, note ?? Summary(hits))
                {
                    Turn = input.Turn,
                    LatencyMs = latency,
                    Decision = note is null ? null : "unavailable",
                    Inputs = inputs,
                    Outputs = hits.Select((h, i) => (h, i)).ToDictionary(x => (x.i + 1).ToString(CultureInfo.InvariantCulture), x => x.h.ToString()),
                    Refs = [input.Input, hitsRef],
                },
            ],
            cancellationToken).ConfigureAwait(false);

        int preview = options.Value.PreviewChars;
        return new RetrieveResult(
            hits.Select(h => new RetrievedHit(h.Path, h.StartLine, h.EndLine, h.Score, Preview(h.Text, preview))).ToList(),
            hitsRef,
            note,
            latency)
        {
            Index = report,
        };
    }

    /// <summary>Deterministic, so a retried activity appends the event once.</summary>
    public static string EventId(string sessionId, int turn) => $"{Ids.TurnInstanceId(sessionId, turn)}/retrieve";

    static string Summary(IReadOnlyList<MemoryHit> hits) =>
        hits.Count == 0 ? "no relevant code found" : $"{hits.Count} chunks, best {hits[0]}";

    static string Preview(string text, int chars)
    {
        string trimmed = text.Trim();
        return trimmed.Length <= chars ? trimmed : trimmed[..chars] + "…";
    }
}
