using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Storage;
using Azure.Messaging;
using Azure.Messaging.ServiceBus;

namespace Agents.Core.Streaming;

/// <summary>
/// Turns a logged <see cref="AgentEvent"/> into a CloudEvents 1.0 event in a Service Bus message, in the AMQP binding's
/// <em>structured</em> content mode: the body is the whole CloudEvent as JSON (<c>application/cloudevents+json</c>), written
/// by Azure.Core's <see cref="CloudEvent"/>, so a consumer in any Azure SDK language reads it with
/// <c>CloudEvent.Parse(message.Body)</c>, and the event keeps every attribute when a message is forwarded, dead-lettered or
/// bridged elsewhere (Event Grid delivers CloudEvents to Service Bus the same way: one event as the body). Filtering does
/// not need the body: <c>SessionId</c> and the application properties <c>type</c>, <c>turn</c> and <c>org</c> are set.
/// </summary>
public static class EventStreamMessages
{
    public const string TypePrefix = "agentfunctions.";

    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    public const string DataContentType = "application/json";

    /// <summary>Service Bus refuses longer message ids; longer event ids go by a stable hash (see <see cref="MessageIdOf"/>).</summary>
    public const int MaxMessageIdLength = 128;

    /// <summary>The CloudEvents type of a log event: <c>agentfunctions.</c> + the event's type (<c>agentfunctions.turn.completed</c>).</summary>
    public static string TypeOf(AgentEvent e) => TypePrefix + e.Type;

    /// <summary>The CloudEvents <c>source</c>: the session, as the API names it (<c>/sessions/{id}</c>).</summary>
    public static string SourceOf(AgentEvent e) => "/sessions/" + e.SessionId;

    /// <summary>What in the session the event is about, relative to its source: <c>turns/{n}[/steps/{step}]</c>, or <c>session</c>.</summary>
    public static string SubjectOf(AgentEvent e)
    {
        if (e.Turn is not int turn)
        {
            return "session";
        }

        var subject = new StringBuilder("turns/").Append(turn.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(e.Step))
        {
            subject.Append("/steps/").Append(e.Step);
        }

        return subject.ToString();
    }

    /// <summary>The event id itself (deterministic, so a resend is a duplicate); beyond 128 characters <c>sha256:</c> + its hash.</summary>
    public static string MessageIdOf(string eventId) =>
        eventId.Length <= MaxMessageIdLength
            ? eventId
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)));

    /// <summary>
    /// The CloudEvent: id = the event's id, source = the session, type, subject, time = when it happened, data = the event as logged
    /// (already redacted; nothing is added). Data larger than <paramref name="maxDataBytes"/> is left out and
    /// <c>dataref</c> (CloudEvents claim-check extension) points at the event's line in the log instead.
    /// </summary>
    public static CloudEvent ToCloudEvent(AgentEvent e, Uri logLocation, int maxDataBytes)
    {
        byte[] data = JsonSerializer.SerializeToUtf8Bytes(e, JsonDefaults.Web);
        bool inline = data.Length <= maxDataBytes;
        var cloudEvent = new CloudEvent(SourceOf(e), TypeOf(e), inline ? BinaryData.FromBytes(data) : null, DataContentType, CloudEventDataFormat.Json)
        {
            Id = e.Id,
            Subject = SubjectOf(e),
            Time = e.Time is DateTime time ? new DateTimeOffset(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc)) : null,
        };
        if (!inline)
        {
            cloudEvent.ExtensionAttributes["dataref"] = new UriBuilder(logLocation) { Fragment = "seq=" + e.Seq.ToString(CultureInfo.InvariantCulture) }.Uri.AbsoluteUri;
        }

        return cloudEvent;
    }

    /// <summary>The Service Bus message: the CloudEvent (structured), MessageId for duplicate detection, SessionId for per-session order.</summary>
    public static ServiceBusMessage ToMessage(AgentEvent e, string? org, EventStreamOptions options, Uri logLocation)
    {
        CloudEvent cloudEvent = ToCloudEvent(e, logLocation, options.MaxDataBytes);
        var message = new ServiceBusMessage(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(cloudEvent)))
        {
            MessageId = MessageIdOf(e.Id),
            SessionId = e.SessionId,
            ContentType = ContentType,
        };
        message.ApplicationProperties["type"] = cloudEvent.Type;
        if (e.Turn is int turn)
        {
            message.ApplicationProperties["turn"] = turn;
        }

        if (!string.IsNullOrEmpty(org))
        {
            message.ApplicationProperties["org"] = org;
        }

        return message;
    }

    /// <summary>The org a session belongs to, from its <c>session.created</c> event (routing only: it is not added to data).</summary>
    public static string? OrgOf(AgentEvent e) =>
        e.Type == EventTypes.SessionCreated && e.Inputs?.TryGetValue("org", out string? org) == true ? org : null;
}
