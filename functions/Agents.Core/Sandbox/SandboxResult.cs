using System.Text;

namespace Agents.Core.Sandbox;

/// <summary>How a call into the sandbox ended.</summary>
public enum SandboxOutcome
{
    /// <summary>The module ran to the end of <c>_start</c> or called <c>proc_exit(0)</c>.</summary>
    Succeeded,

    /// <summary>The module exited with a non-zero code (<see cref="SandboxResult.ExitCode"/>).</summary>
    NonZeroExit,

    /// <summary>Stopped at the wall-clock cap (or, when configured, out of fuel).</summary>
    TimeLimitExceeded,

    /// <summary>
    /// The module needed more memory than the cap: it declares more, or it failed (trap or non-zero exit) with its memory
    /// within max(64 KiB, cap / 16) of the cap. Wasmtime refuses a grow past the cap by returning -1 to the module and
    /// reports nothing to the host, so this is inferred from where the memory ended.
    /// </summary>
    MemoryLimitExceeded,

    /// <summary>The module wrote more than the cap to stdout or stderr; the output kept is cut at the cap.</summary>
    OutputLimitExceeded,

    /// <summary>The module trapped (unreachable, out-of-bounds access, stack overflow, ...).</summary>
    Trapped,

    /// <summary>The caller cancelled the call while it ran.</summary>
    Cancelled,

    /// <summary>The module could not be compiled or linked (for example it imports something the sandbox does not provide).</summary>
    ModuleRejected,
}

/// <summary>What the sandbox grants one call: arguments, environment, at most one read-only folder, and optional tighter or looser caps.</summary>
public sealed record SandboxRequest
{
    /// <summary>Arguments after the module's name (which is argv[0]).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The only host folder the module can see, preopened read-only as <c>/</c>; null: no file system at all.</summary>
    public string? ReadOnlyDirectory { get; init; }

    /// <summary>Overrides <see cref="SandboxOptions.TimeLimitMilliseconds"/> for this call.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Overrides <see cref="SandboxOptions.MaxOutputBytes"/> for this call.</summary>
    public int? MaxOutputBytes { get; init; }

    /// <summary>A tighter memory cap for this call (a tool's catalog entry); never looser than <see cref="SandboxOptions.MemoryLimitBytes"/>.</summary>
    public long? MemoryLimitBytes { get; init; }
}

/// <summary>
/// The result of one call: never an exception for what the module did. <see cref="Elapsed"/> is the time the cap
/// applies to (instantiation and run; a first call's compiling comes before it); <see cref="MemoryBytes"/> is the
/// module's linear memory at the end.
/// </summary>
public sealed record SandboxResult(
    SandboxOutcome Outcome,
    int? ExitCode,
    byte[] Stdout,
    byte[] Stderr,
    string? Error,
    TimeSpan Elapsed,
    long MemoryBytes)
{
    public bool Succeeded => this.Outcome == SandboxOutcome.Succeeded;

    public string StdoutText => Encoding.UTF8.GetString(this.Stdout);

    public string StderrText => Encoding.UTF8.GetString(this.Stderr);

    public override string ToString() =>
        $"{this.Outcome}{(this.ExitCode is int code ? $" (exit {code})" : "")} after {this.Elapsed.TotalMilliseconds:0.0} ms, "
        + $"{this.Stdout.Length} bytes out, {this.Stderr.Length} bytes err, {this.MemoryBytes} bytes of memory{(this.Error is null ? "" : ": " + this.Error)}";
}
