namespace Agents.Core.Contracts;

/// <summary>
/// A claim check: large content (prompts, model responses, file contents, tool output) is stored once,
/// content-addressed by SHA-256, and only this reference travels through orchestration history and events.
/// </summary>
public sealed record PayloadRef(string Sha256, long Bytes, string ContentType)
{
    public override string ToString() => $"sha256:{Sha256}";
}
