using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Agents.Core.Telemetry;

/// <summary>
/// One trace per turn across the orchestration's activities. Orchestrators cannot hold an Activity across replays, so
/// the turn's trace context is derived from (session, turn): every activity parents its span on it, and the turn span
/// itself is recorded at the end with the same predetermined span id and the turn's own start and end times.
/// </summary>
public static class TurnTrace
{
    static readonly FieldInfo? SpanIdField = typeof(Activity).GetField("_spanId", BindingFlags.Instance | BindingFlags.NonPublic);
    static readonly FieldInfo? IdField = typeof(Activity).GetField("_id", BindingFlags.Instance | BindingFlags.NonPublic);
    static readonly FieldInfo? ParentSpanIdField = typeof(Activity).GetField("_parentSpanId", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>The first 16 bytes of SHA-256("trace:{session}:{turn}").</summary>
    public static ActivityTraceId TraceId(string sessionId, int turn) =>
        ActivityTraceId.CreateFromBytes(SHA256.HashData(Encoding.UTF8.GetBytes($"trace:{sessionId}:{turn}")).AsSpan(0, 16));

    /// <summary>The first 8 bytes of SHA-256("span:{session}:{turn}").</summary>
    public static ActivitySpanId TurnSpanId(string sessionId, int turn) =>
        ActivitySpanId.CreateFromBytes(SHA256.HashData(Encoding.UTF8.GetBytes($"span:{sessionId}:{turn}")).AsSpan(0, 8));

    /// <summary>The context an activity's span parents on: the turn span.</summary>
    public static ActivityContext TurnContext(string sessionId, int turn) =>
        new(TraceId(sessionId, turn), TurnSpanId(sessionId, turn), ActivityTraceFlags.Recorded, isRemote: true);

    /// <summary>
    /// Starts a span of the turn (a child of the turn span, whatever <see cref="Activity.Current"/> is: the Durable Task
    /// SDK's own spans, when something listens to them, stay out of this tree). Null when nobody listens.
    /// </summary>
    public static Activity? Start(string name, string sessionId, int turn, ActivityKind kind = ActivityKind.Internal, DateTimeOffset startTime = default)
    {
        Activity? activity = AgentTelemetry.Source.StartActivity(name, kind, TurnContext(sessionId, turn), startTime: startTime);
        activity?.SetTag(SpanAttributes.SessionId, sessionId);
        activity?.SetTag(SpanAttributes.Turn, turn);
        return activity;
    }

    /// <summary>Records a finished span of the turn from its start and end (for example the wait for an approval).</summary>
    public static void Record(string name, string sessionId, int turn, DateTime startUtc, DateTime endUtc, IEnumerable<KeyValuePair<string, object?>> tags)
    {
        using Activity? activity = Start(name, sessionId, turn, startTime: Utc(startUtc));
        if (activity is null)
        {
            return;
        }

        foreach ((string key, object? value) in tags)
        {
            activity.SetTag(key, value);
        }

        activity.SetEndTime(Utc(endUtc).UtcDateTime);
    }

    /// <summary>
    /// Records the turn span: the trace's root, with the predetermined span id its children already name as parent.
    /// .NET has no API to choose a span id, so it is set on the started Activity by reflection; if the runtime's fields
    /// ever move, the span is still recorded in the turn's trace (as a child of the id) and says so.
    /// </summary>
    public static void RecordTurn(string sessionId, int turn, DateTime startUtc, DateTime endUtc, IEnumerable<KeyValuePair<string, object?>> tags)
    {
        ActivitySpanId spanId = TurnSpanId(sessionId, turn);
        ActivityTraceId traceId = TraceId(sessionId, turn);
        Activity? previous = Activity.Current;
        Activity.Current = null;
        try
        {
            using Activity? activity = AgentTelemetry.Source.StartActivity(
                "turn", ActivityKind.Internal, new ActivityContext(traceId, spanId, ActivityTraceFlags.Recorded, isRemote: true), startTime: Utc(startUtc));
            if (activity is null)
            {
                return;
            }

            bool overridden = SpanIdField is not null && IdField is not null && ParentSpanIdField is not null;
            if (overridden)
            {
                SpanIdField!.SetValue(activity, spanId.ToHexString());
                ParentSpanIdField!.SetValue(activity, null);
                IdField!.SetValue(activity, $"00-{traceId.ToHexString()}-{spanId.ToHexString()}-01");
            }

            activity.SetTag("agentfunctions.turn.span_id_predetermined", overridden);
            activity.SetTag(SpanAttributes.SessionId, sessionId);
            activity.SetTag(SpanAttributes.Turn, turn);
            foreach ((string key, object? value) in tags)
            {
                activity.SetTag(key, value);
            }

            activity.SetEndTime(Utc(endUtc).UtcDateTime);
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
