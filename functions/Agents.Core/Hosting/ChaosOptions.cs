using System.Text.Json.Serialization;

namespace Agents.Core.Hosting;

[JsonConverter(typeof(JsonStringEnumConverter<AppendExitPoint>))]
public enum AppendExitPoint
{
    /// <summary>Right before the append reaches the blob: the events are not in the log.</summary>
    Before,

    /// <summary>Right after the blob accepted the append, before the activity that wrote it could report back.</summary>
    After,
}

/// <summary>
/// Section <c>Chaos</c>: a fault-injection hook for the crash-recovery run (<c>agent chaos</c>, <c>scripts/chaos.sh</c>)
/// and its test; the portable host applies it. Off by default and never set outside those runs. With <see cref="ExitOnAppend"/> = N the portable host
/// kills itself (SIGKILL, no shutdown, exactly like an outside kill) at the N-th event-log append of its life, so a crash
/// lands between an append and the durable record of the activity that made it, which random timing rarely hits.
/// </summary>
public sealed class ChaosOptions
{
    public const string Section = "Chaos";

    /// <summary>The append (1-based, counted from the start of this process) at which the process kills itself; 0 = off.</summary>
    public int ExitOnAppend { get; set; }

    public AppendExitPoint ExitAt { get; set; } = AppendExitPoint.Before;

    /// <summary>The line the process writes to standard error just before it kills itself (the driver classifies the exit by it).</summary>
    public const string ExitMarker = "chaos: killing this process at event-log append";
}
