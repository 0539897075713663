namespace Agents.Core.Contracts;

/// <summary>
/// A claim check: large content (prompts, model responses, file contents, tool output) is stored once,
/// content-addressed by SHA-256, and only this reference travels through orchestration history and events.
/// </summary>
public sealed record PayloadRef(string Sha256, long Bytes, string ContentType)
{
    /// <summary>What the payload is to a viewer, when it matters (<c>screenshot</c> for the browser's before and after images).</summary>
    public string? Kind { get; init; }

    public override string ToString() => $"sha256:{Sha256}";
}
