using Agents.Core.Contracts;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Tests.LongTermMemory;

/// <summary>Long-term memory in a real turn: the in-memory Durable Task engine, Azurite, MiniLM and the offline model.</summary>
[Collection(PlatformCollection.Name)]
public sealed class TurnMemoryTests(PlatformFixture platform)
{
    readonly SessionDriver driver = new(platform);

    [Fact]
    public async Task Turn_Ticket101_RecordsTheRetrievedChunksAndPlansWithThem()
    {
        // Arrange
        string sessionId = await this.driver.CreateAsync();

        // Act
        await this.driver.SubmitAsync(sessionId, SessionDriver.Ticket101);
        await this.driver.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);
        IReadOnlyList<AgentEvent> events = await platform.Events.ReadAsync(sessionId);
        await this.driver.DecideAsync(sessionId, 1, "deny", "memory test");

        // Assert: the event names the chunks (path, lines, score), best first, and carries none of their text
        AgentEvent retrieved = Assert.Single(events, e => e.Type == EventTypes.MemoryRetrieved);
        Assert.Equal(1, retrieved.Turn);
        Assert.Equal("blob", retrieved.Inputs!["store"]);
        Assert.Equal("8", retrieved.Inputs["k"]);
        Assert.Matches(@"^inventory/pagination\.py:\d+-\d+ \(0\.\d{3}\)$", retrieved.Outputs!["1"]);
        Assert.InRange(retrieved.Outputs.Count, 2, 8);
        Assert.DoesNotContain(retrieved.Outputs.Values, v => v.Contains("def paginate", StringComparison.Ordinal));
        Assert.DoesNotContain(retrieved.Outputs.Values, v => v.StartsWith(".env", StringComparison.Ordinal) || v.StartsWith("data/customers.csv", StringComparison.Ordinal));

        // retrieval ran before planning, and the planner's prompt carried the chunks with their locations
        var types = events.Select(e => e.Type).ToList();
        Assert.True(types.IndexOf(EventTypes.MemoryRetrieved) < types.IndexOf(EventTypes.PlanPreviewed));
        AgentEvent planned = Assert.Single(events, e => e.Type == EventTypes.PlanPreviewed);
        Assert.StartsWith("inventory/pagination.py:", planned.Inputs!["memory"], StringComparison.Ordinal);
        PayloadRef promptRef = planned.Refs![0];
        string prompt = await platform.Services.GetRequiredService<IPayloadStore>().GetTextAsync(sessionId, promptRef);
        Assert.Contains("Relevant code (retrieved from the repository", prompt, StringComparison.Ordinal);
        Assert.Matches(@"--- inventory/pagination\.py:\d+-\d+\n", prompt);
        Assert.Contains("def paginate", prompt, StringComparison.Ordinal);
    }
}
