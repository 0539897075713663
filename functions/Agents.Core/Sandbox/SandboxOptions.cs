using System.ComponentModel.DataAnnotations;

namespace Agents.Core.Sandbox;

/// <summary>Section <c>Sandbox</c>: the caps every call into the WASM sandbox runs under.</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>Wall-clock cap per call (instantiation and run), enforced by epoch interruption.</summary>
    [Range(10, 600_000)]
    public int TimeLimitMilliseconds { get; set; } = 10_000;

    /// <summary>How often the engine's epoch advances while calls run: a call is stopped at most about one tick after its cap.</summary>
    [Range(1, 1_000)]
    public int EpochTickMilliseconds { get; set; } = 5;

    /// <summary>
    /// Optional instruction budget per call (Wasmtime fuel); 0 turns fuel metering off. Deterministic, but it does not
    /// count time spent in host calls and costs throughput, so the wall-clock cap above is the time cap.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long FuelPerCall { get; set; }

    /// <summary>Cap on a module's linear memory; a request to grow past it is refused (memory.grow returns -1).</summary>
    [Range(1L << 20, 4L << 30)]
    public long MemoryLimitBytes { get; set; } = 64L << 20;

    /// <summary>Cap on what a call may write to stdout; past it the stream is closed and the call stopped.</summary>
    [Range(1_024, 256 << 20)]
    public int MaxOutputBytes { get; set; } = 1 << 20;

    /// <summary>Cap on what a call may write to stderr.</summary>
    [Range(256, 16 << 20)]
    public int MaxErrorBytes { get; set; } = 64 << 10;
}
