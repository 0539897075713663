using System.Text.Json;
using System.Text.Json.Serialization;
using Agents.Core.Contracts;

namespace Agents.Core.Storage;

[JsonConverter(typeof(SnakeCaseEnum<ChainProblemKind>))]
public enum ChainProblemKind
{
    /// <summary>The line is not an event (truncated, garbled).</summary>
    Malformed,

    /// <summary>The event's content no longer matches its hash.</summary>
    Edited,

    /// <summary>One or more events are missing before this one.</summary>
    Dropped,

    /// <summary>An event id (or sequence number) appears a second time.</summary>
    Duplicated,

    /// <summary>The event is out of order: its sequence number is below its predecessor's.</summary>
    Reordered,

    /// <summary>The event does not link to its predecessor's hash, for a reason the checks above do not explain.</summary>
    Unlinked,
}

/// <summary>One finding: the line (1-based), the event as stored, and what is wrong with it.</summary>
public sealed record ChainProblem(int Line, long? Seq, string? EventId, ChainProblemKind Kind, string Detail);

/// <summary>The outcome of verifying a session's log: valid only when no problem was found.</summary>
public sealed record ChainVerification(string SessionId, bool Valid, int Events, string? HeadHash, IReadOnlyList<ChainProblem> Problems);

/// <summary>
/// Checks a session's event log line by line: each event's hash is recomputed over its content and its predecessor's hash,
/// its link to the previous event is followed, and its sequence number and id are checked for gaps, repeats and order.
/// Any edit, drop, duplicate or reordering shows up at the line where it happened.
/// </summary>
public static class EventChain
{
    public static ChainVerification Verify(string sessionId, IEnumerable<string> lines)
    {
        var problems = new List<ChainProblem>();
        var parsed = lines.Select(line => (Line: line, Event: TryParse(line))).ToList();
        var allSeqs = parsed.Where(p => p.Event is not null).Select(p => p.Event!.Seq).ToHashSet();
        var seenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var seenSeqs = new HashSet<long>();
        AgentEvent? previous = null;
        int lineNo = 0, events = 0;
        foreach ((string raw, AgentEvent? e) in parsed)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(raw))
            {
                continue;
            }

            if (e is null)
            {
                problems.Add(new ChainProblem(lineNo, null, null, ChainProblemKind.Malformed, "not an event: the line is not valid event JSON"));
                continue;
            }

            events++;
            string expectedPrev = previous?.Hash ?? string.Empty;
            bool contentIntact = EventLogHash.Compute(e, e.PrevHash) == e.Hash;
            if (!contentIntact)
            {
                problems.Add(new ChainProblem(lineNo, e.Seq, e.Id, ChainProblemKind.Edited,
                    $"event {e.Seq} ({e.Type}) does not match its hash: its content was changed after it was written"));
            }

            if (seenIds.TryGetValue(e.Id, out int firstLine))
            {
                problems.Add(new ChainProblem(lineNo, e.Seq, e.Id, ChainProblemKind.Duplicated, $"event id '{e.Id}' already appeared on line {firstLine}"));
            }
            else if (!seenSeqs.Add(e.Seq))
            {
                problems.Add(new ChainProblem(lineNo, e.Seq, e.Id, ChainProblemKind.Duplicated, $"sequence number {e.Seq} appears a second time"));
            }
            else if (previous is not null && e.Seq < previous.Seq)
            {
                problems.Add(new ChainProblem(lineNo, e.Seq, e.Id, ChainProblemKind.Reordered,
                    $"event {e.Seq} comes after event {previous.Seq}: the log is out of order here"));
            }
            else if (e.Seq != (previous?.Seq ?? 0) + 1)
            {
                long from = (previous?.Seq ?? 0) + 1;
                var elsewhere = allSeqs.Where(s => s >= from && s < e.Seq).Order().ToList();
                problems.Add(elsewhere.Count > 0
                    ? new ChainProblem(lineNo, e.Seq, e.Id, ChainProblemKind.Reordered,
                        $"event {e.Seq} follows event {from - 1}, but event(s) {string.Join(", ", elsewhere)} stand elsewhere in the log")
                    : new ChainProblem(lineNo, e.Seq, e.Id, ChainProblemKind.Dropped,
                        e.Seq - from == 1 ? $"event {from} is missing before event {e.Seq}" : $"events {from}..{e.Seq - 1} are missing before event {e.Seq}"));
            }
            else if (contentIntact && e.PrevHash != expectedPrev)
            {
                problems.Add(new ChainProblem(lineNo, e.Seq, e.Id, ChainProblemKind.Unlinked,
                    $"event {e.Seq} links to {Short(e.PrevHash)} but its predecessor's hash is {Short(expectedPrev)}"));
            }

            seenIds.TryAdd(e.Id, lineNo);
            previous = e;
        }

        return new ChainVerification(sessionId, problems.Count == 0, events, previous?.Hash, problems);
    }

    static AgentEvent? TryParse(string line)
    {
        try
        {
            return string.IsNullOrWhiteSpace(line) ? null : JsonSerializer.Deserialize<AgentEvent>(line, JsonDefaults.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static string Short(string hash) => hash.Length == 0 ? "(start of log)" : hash[..Math.Min(12, hash.Length)];
}

/// <summary>The chain's hash function, shared by the writer and the verifier.</summary>
public static class EventLogHash
{
    /// <summary>SHA-256 over the previous hash and the event's JSON with an empty hash field.</summary>
    public static string Compute(AgentEvent e, string previousHash)
    {
        string body = JsonSerializer.Serialize(e with { PrevHash = previousHash, Hash = string.Empty }, JsonDefaults.Web);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(previousHash + "\n" + body)));
    }
}
