using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Storage;
using Agents.Core.Streaming;
using Azure.Messaging;
using Azure.Messaging.ServiceBus;

namespace Agents.Core.Tests.Streaming;

/// <summary>The CloudEvent and the Service Bus message built from events a real log appended (Azurite).</summary>
[Collection(StreamingCollection.Name)]
public sealed class EventStreamMessagesTests(StreamingFixture fixture)
{
    [Fact]
    public async Task ToMessage_TurnCompletedFromTheLog_IsAStructuredCloudEvent10WithEveryRequiredAttribute()
    {
        // Arrange
        Streams streams = fixture.NewStreams();
        string session = Streams.NewSession();
        IReadOnlyList<AgentEvent> events = await streams.AppendTurnAsync(streams.NewLog(), session);
        AgentEvent completed = events.Single(e => e.Type == EventTypes.TurnCompleted);
        Uri location = streams.NewStore().LogLocation(session);

        // Act
        ServiceBusMessage message = EventStreamMessages.ToMessage(completed, "contoso", streams.Options, location);
        using JsonDocument body = JsonDocument.Parse(message.Body.ToMemory());
        JsonElement ce = body.RootElement;

        // Assert: the CloudEvent (JSON format, structured mode)
        Assert.Equal("1.0", ce.GetProperty("specversion").GetString());
        Assert.Equal(completed.Id, ce.GetProperty("id").GetString());
        Assert.Equal($"/sessions/{session}", ce.GetProperty("source").GetString());
        Assert.Equal("agentfunctions.turn.completed", ce.GetProperty("type").GetString());
        Assert.Equal("turns/1", ce.GetProperty("subject").GetString());
        Assert.Equal("application/json", ce.GetProperty("datacontenttype").GetString());
        Assert.Equal(new DateTimeOffset(completed.Time!.Value), DateTimeOffset.Parse(ce.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(ce.TryGetProperty("data_base64", out _));
        Assert.Equal(JsonSerializer.Serialize(completed, JsonDefaults.Web), ce.GetProperty("data").GetRawText());
        Assert.Equal(completed.Hash, ce.GetProperty("data").GetProperty("hash").GetString());

        // Assert: the message
        Assert.Equal(completed.Id, message.MessageId);
        Assert.Equal(session, message.SessionId);
        Assert.Equal("application/cloudevents+json; charset=utf-8", message.ContentType);
        Assert.Equal("agentfunctions.turn.completed", message.ApplicationProperties["type"]);
        Assert.Equal(1, message.ApplicationProperties["turn"]);
        Assert.Equal("contoso", message.ApplicationProperties["org"]);

        // Assert: a consumer reads it back with Azure.Core
        CloudEvent parsed = CloudEvent.Parse(message.Body)!;
        Assert.Equal(completed.Id, parsed.Id);
        Assert.Equal("agentfunctions.turn.completed", parsed.Type);
        Assert.Equal(completed.Seq, parsed.Data!.ToObjectFromJson<AgentEvent>(JsonDefaults.Web)!.Seq);
    }

    [Fact]
    public async Task ToMessage_StepEventWithoutOrg_SubjectNamesTheStepAndOrgIsAbsent()
    {
        // Arrange
        Streams streams = fixture.NewStreams();
        string session = Streams.NewSession();
        IReadOnlyList<AgentEvent> events = await streams.AppendTurnAsync(streams.NewLog(), session);
        AgentEvent step = events.First(e => e.Type == EventTypes.StepCompleted);

        // Act
        ServiceBusMessage message = EventStreamMessages.ToMessage(step, null, streams.Options, streams.NewStore().LogLocation(session));
        CloudEvent ce = CloudEvent.Parse(message.Body)!;

        // Assert
        Assert.Equal("turns/1/steps/s0", ce.Subject);
        Assert.Equal($"/sessions/{session}", ce.Source);
        Assert.Equal("agentfunctions.step.completed", ce.Type);
        Assert.Equal(step.Time, ce.Time!.Value.UtcDateTime);
        Assert.False(message.ApplicationProperties.ContainsKey("org"));
        Assert.Equal(1, message.ApplicationProperties["turn"]);
    }

    [Fact]
    public async Task ToMessage_EventLargerThanMaxDataBytes_CarriesADataRefToItsLogLineInsteadOfData()
    {
        // Arrange
        Streams streams = fixture.NewStreams(o => o.MaxDataBytes = 1024);
        string session = Streams.NewSession();
        IReadOnlyList<AgentEvent> appended = await streams.NewLog().AppendAsync(session,
        [
            new EventDraft($"s-{session}:t-1/r0/step.completed/big", EventTypes.StepCompleted, session, new string('x', 4000)) { Turn = 1, Step = "big" },
        ]);
        Uri location = streams.NewStore().LogLocation(session);

        // Act
        ServiceBusMessage message = EventStreamMessages.ToMessage(appended[0], null, streams.Options, location);
        using JsonDocument body = JsonDocument.Parse(message.Body.ToMemory());

        // Assert
        Assert.False(body.RootElement.TryGetProperty("data", out _));
        Assert.Equal($"{location.AbsoluteUri}#seq=1", body.RootElement.GetProperty("dataref").GetString());
        Assert.Equal(appended[0].Id, body.RootElement.GetProperty("id").GetString());
        Assert.True(message.Body.ToMemory().Length < 2048);
    }

    [Fact]
    public void MessageIdOf_IdLongerThanServiceBusAllows_IsAStableHashWithinTheLimit()
    {
        // Arrange
        string shortId = "s-abc:t-1/turn.completed";
        string longId = "s-" + new string('a', 40) + ":t-12/r2/a3/failover/1/" + new string('b', 100);

        // Act
        string first = EventStreamMessages.MessageIdOf(longId);
        string again = EventStreamMessages.MessageIdOf(longId);

        // Assert
        Assert.Equal(shortId, EventStreamMessages.MessageIdOf(shortId));
        Assert.Equal(first, again);
        Assert.StartsWith("sha256:", first);
        Assert.True(first.Length <= EventStreamMessages.MaxMessageIdLength);
        Assert.Equal(first, new ServiceBusMessage { MessageId = first }.MessageId);
    }

    [Theory]
    [InlineData("turn.accepted", true)]
    [InlineData("turn.completed", true)]
    [InlineData("step.completed", true)]
    [InlineData("step.skipped", true)]
    [InlineData("approval.requested", true)]
    [InlineData("plan.previewed", true)]
    [InlineData("plan.rejected", true)]
    [InlineData("session.created", false)]
    [InlineData("model.called", false)]
    [InlineData("policy.evaluated", false)]
    [InlineData("budget.backoff", false)]
    public void IsPublished_DefaultTypes_TurnStepApprovalAndPlanEventsOnly(string type, bool published)
    {
        Assert.Equal(published, new EventStreamOptions().IsPublished(type));
    }

    [Fact]
    public void IsPublished_ConfiguredTypes_ReplaceTheDefaults()
    {
        // Arrange
        var options = new EventStreamOptions { Types = ["session.", "model.called"] };

        // Act / Assert
        Assert.True(options.IsPublished("session.created"));
        Assert.True(options.IsPublished("model.called"));
        Assert.False(options.IsPublished("model.failover"));
        Assert.False(options.IsPublished("turn.completed"));
    }

    [Theory]
    [InlineData(null, true, null)]
    [InlineData("", true, null)]
    [InlineData("sb-x.servicebus.windows.net", false, null)]
    [InlineData("sb://sb-x.servicebus.windows.net/", false, null)]
    [InlineData("Endpoint=sb://sb-x.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=abc", false, "never a connection string")]
    [InlineData("not a host", false, "is not a host name")]
    public void Problem_Namespace_OnlyAHostOrNothing(string? value, bool disabled, string? problem)
    {
        // Arrange
        var options = new EventStreamOptions { FullyQualifiedNamespace = value };

        // Act
        string? found = options.Problem();

        // Assert
        Assert.Equal(disabled, !options.IsEnabled);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found);
        }
    }

    [Fact]
    public void LogLocation_IsWhereBlobEventLogWritesTheSession()
    {
        // Arrange
        Streams streams = fixture.NewStreams();
        string session = Streams.NewSession();

        // Act
        Uri expected = streams.NewLog().LocationOf(session);

        // Assert
        Assert.Equal(expected, streams.NewStore().LogLocation(session));
    }
}

public sealed class EventStreamBackoffTests
{
    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 10)]
    [InlineData(3, 40)]
    [InlineData(5, 120)]
    [InlineData(40, 120)]
    public void Backoff_ConsecutiveFailedSweeps_DoublesThePollIntervalUpToTwoMinutes(int failures, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), EventStreamPublisher.Backoff(pollSeconds: 5, failures));
    }
}
