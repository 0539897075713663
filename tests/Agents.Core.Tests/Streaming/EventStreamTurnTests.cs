using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Core.Streaming;
using Agents.Testing;
using Azure.Messaging;
using Azure.Messaging.ServiceBus;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Agents.Core.Tests.Streaming;

/// <summary>A real turn on the real engine with the event stream on; the topic at the seam.</summary>
[Collection(StreamingCollection.Name)]
public sealed class EventStreamTurnTests(StreamingFixture platform)
{
    static readonly string Ticket101 = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "tickets", "TICKET-101.md"));

    [Fact]
    public async Task Turn_ServiceBusDownThroughoutTheTurn_TurnCompletesAndOnceBackEveryEventIsPublishedOnceInOrderAsACloudEvent()
    {
        // Arrange: every send fails while the turn runs.
        platform.Topic.FailNext = int.MaxValue;
        ApiResult<SessionCreatedView> created = await platform.Sessions.CreateSessionAsync(new CreateSessionBody("dana", "contoso", "medium", null, "stream", 3600, 300, 2), SessionDriver.Dana);
        string session = created.Value!.SessionId;

        // Act: the turn, approved when asked
        Assert.Null((await platform.Sessions.SubmitTurnAsync(session, new SubmitTurnBody(Ticket101, "dana"), null, SessionDriver.Dana)).Error);
        await Eventually.MatchAsync(() => platform.Sessions.GetTurnAsync(session, 1, SessionDriver.Dana), t => t.Value?.PendingApproval is not null, TimeSpan.FromSeconds(60), "approval request");
        Assert.Null((await platform.Sessions.SubmitApprovalAsync(session, 1, new ApprovalBody("approve", "lee", null, null), "api", SessionDriver.Lee)).Error);
        TurnView done = (await Eventually.MatchAsync(() => platform.Sessions.GetTurnAsync(session, 1, SessionDriver.Dana), t => t.Value?.Phase == "completed", TimeSpan.FromSeconds(60), "turn completed")).Value!;
        await Eventually.MatchAsync(() => Task.FromResult(platform.Topic.Failures), f => f >= 2, TimeSpan.FromSeconds(30), "publish attempts while down");
        int deliveredWhileDown = platform.Topic.Delivered.Count(m => m.SessionId == session);

        // Act: Service Bus is back
        platform.Topic.FailNext = 0;
        IEventLog log = platform.Services.GetRequiredService<IEventLog>();
        (IReadOnlyList<AgentEvent> Log, IReadOnlyList<ServiceBusMessage> Delivered) final = await Eventually.MatchAsync(
            async () => (Log: await log.ReadAsync(session), Delivered: (IReadOnlyList<ServiceBusMessage>)platform.Topic.Delivered.Where(m => m.SessionId == session).ToList()),
            s => s.Delivered.Count > 0 && s.Delivered.Count == s.Log.Count(e => Published(e.Type)),
            TimeSpan.FromSeconds(60),
            "every published event delivered");

        // Assert: the turn did not notice
        Assert.Equal("completed", done.Outcome);
        Assert.All(done.Graph, n => Assert.Equal(StepStatus.Succeeded, n.Status));
        Assert.Equal(0, deliveredWhileDown);

        // Assert: every turn and step event, once, in log order
        AgentEvent[] expected = final.Log.Where(e => Published(e.Type)).ToArray();
        ServiceBusMessage[] accepted = platform.Topic.Accepted.Where(m => m.SessionId == session).Take(expected.Length).ToArray();
        Assert.Equal(accepted.Length, accepted.DistinctBy(m => m.MessageId).Count());
        Assert.Equal(expected.Select(e => e.Id), accepted.Select(m => m.MessageId));
        Assert.Contains(expected, e => e.Type == EventTypes.TurnCompleted);
        Assert.Contains(expected, e => e.Type == EventTypes.StepProgress);
        Assert.Contains(expected, e => e.Type == EventTypes.PlanPreviewed);

        // Assert: each message is the CloudEvent of the event as logged
        foreach ((AgentEvent e, ServiceBusMessage message) in expected.Zip(accepted))
        {
            CloudEvent ce = CloudEvent.Parse(message.Body)!;
            Assert.Equal(e.Id, ce.Id);
            Assert.Equal($"/sessions/{session}", ce.Source);
            Assert.Equal("agentfunctions." + e.Type, ce.Type);
            Assert.Equal(e.Step is null ? $"turns/{e.Turn}" : $"turns/{e.Turn}/steps/{e.Step}", ce.Subject);
            Assert.Equal(e.Time, ce.Time!.Value.UtcDateTime);
            Assert.Equal(JsonSerializer.Serialize(e, JsonDefaults.Web), JsonSerializer.Serialize(ce.Data!.ToObjectFromJson<AgentEvent>(JsonDefaults.Web), JsonDefaults.Web));
            Assert.Equal("application/cloudevents+json; charset=utf-8", message.ContentType);
            Assert.Equal(session, message.SessionId);
        }

        // Assert: the cursor is at the head of the log
        EventStreamStore store = platform.Services.GetRequiredService<EventStreamStore>();
        (StreamCheckpoint Checkpoint, AgentEvent Head) cursor = await Eventually.MatchAsync(
            async () => (Checkpoint: await store.ReadCheckpointAsync(session, CancellationToken.None), Head: (await log.ReadAsync(session))[^1]),
            c => c.Checkpoint.Seq == c.Head.Seq,
            TimeSpan.FromSeconds(30),
            "checkpoint at the head");
        Assert.Equal(cursor.Head.Hash, cursor.Checkpoint.Hash);
        Assert.True(cursor.Checkpoint.Published >= expected.Length);
    }

    static bool Published(string type) => new EventStreamOptions().IsPublished(type);
}
