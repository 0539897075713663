using Agents.Core.Contracts;
using Agents.Core.Storage;

namespace Agents.Core.Tests;

public static class EventLogAssert
{
    /// <summary>Sequence 1..n without gaps, unique ids, and every hash chained to the one before it.</summary>
    public static void IsIntactAndExactlyOnce(IReadOnlyList<AgentEvent> events)
    {
        Assert.NotEmpty(events);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        string previous = string.Empty;
        foreach (AgentEvent e in events)
        {
            Assert.Equal(previous, e.PrevHash);
            Assert.Equal(BlobEventLog.ComputeHash(e, previous), e.Hash);
            previous = e.Hash;
        }
    }
}
