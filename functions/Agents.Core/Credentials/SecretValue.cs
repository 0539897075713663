namespace Agents.Core.Credentials;

/// <summary>
/// A secret's value, held so it does not leak by accident: <see cref="ToString"/>, string interpolation, structured
/// logging and JSON serialization show only its name. Call <see cref="Reveal"/> exactly where the value is handed to
/// the system that needs it (an Authorization header, a git process's environment), nowhere else.
/// </summary>
public sealed class SecretValue
{
    readonly string value;

    public SecretValue(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrEmpty(value);
        this.Name = name;
        this.value = value;
    }

    public string Name { get; }

    public string Reveal() => this.value;

    /// <summary>Replaces every occurrence of the value in <paramref name="text"/> (for output of a process that was given it).</summary>
    public string Scrub(string text) => text.Replace(this.value, $"[{this.Name}]", StringComparison.Ordinal);

    public override string ToString() => $"[secret {this.Name}]";
}
