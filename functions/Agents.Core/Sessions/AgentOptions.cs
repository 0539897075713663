using System.ComponentModel.DataAnnotations;

namespace Agents.Core.Sessions;

/// <summary>Section <c>Agent</c>: defaults and limits for sessions and turns.</summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>A session with no turn for this long ends (durable timer).</summary>
    [Range(1, 2_592_000)]
    public int IdleTtlSeconds { get; set; } = 3600;

    /// <summary>How long a step waits for a human before it is denied.</summary>
    [Range(1, 604_800)]
    public int ApprovalTimeoutSeconds { get; set; } = 3600;

    /// <summary>How many times a reviewer may send a plan back before a further revise counts as deny.</summary>
    [Range(0, 10)]
    public int MaxRevisions { get; set; } = 2;

    /// <summary>Largest turn input accepted; larger ones get 413 with a hint to split them.</summary>
    [Range(256, 4_194_304)]
    public int MaxTurnInputBytes { get; set; } = 32 * 1024;

    /// <summary>With explicit consent an input up to this size runs on the cheaper, larger-context tier.</summary>
    [Range(256, 16_777_216)]
    public int MaxLongContextInputBytes { get; set; } = 512 * 1024;

    /// <summary>Where people reach this platform (API and replay UI); links in pull requests point under it.</summary>
    [Required]
    public Uri PublicBaseUrl { get; set; } = new("http://localhost:7071");

    /// <summary>The session's page in the replay UI.</summary>
    public Uri SessionPageOf(string sessionId) =>
        new($"{this.PublicBaseUrl.ToString().TrimEnd('/')}/ui/session.html?id={Uri.EscapeDataString(sessionId)}");
}
