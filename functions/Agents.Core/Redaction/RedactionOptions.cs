namespace Agents.Core.Redaction;

/// <summary>Section <c>Redaction</c>: patterns to scrub besides the built-in detectors (for example internal customer ids).</summary>
public sealed class RedactionOptions
{
    public const string Section = "Redaction";

    /// <summary>.NET regular expressions; every match becomes <c>[redacted]</c>. Empty entries are ignored.</summary>
    public List<string> Patterns { get; set; } = [];
}
