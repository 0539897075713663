using System.Diagnostics;
using Agents.Core.Sandbox;
using Agents.Core.Tools;
using Xunit.Abstractions;

namespace Agents.Core.Tests.Sandbox;

/// <summary>
/// The caps: time, memory and output, plus traps and exit codes, each ending in a clear result, never an exception,
/// and each followed by a normal call through the same sandbox.
/// </summary>
public sealed class SandboxLimitTests(SandboxFixture fixture, ITestOutputHelper output) : IClassFixture<SandboxFixture>
{
    /// <summary>How late a stop may come after its cap: the epoch tick (5 ms) plus scheduling on a loaded 2-core CI machine.</summary>
    static readonly TimeSpan StopTolerance = TimeSpan.FromMilliseconds(500);

    /// <summary>If containment broke, a call would never return: the test fails after this instead of hanging.</summary>
    static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(100)]
    [InlineData(400)]
    public async Task Run_InfiniteLoop_StoppedAtTheTimeCap(int capMilliseconds)
    {
        // Arrange
        WasmModuleSource module = HostileModules.InfiniteLoop($"loop-{capMilliseconds}");
        TimeSpan cap = TimeSpan.FromMilliseconds(capMilliseconds);
        fixture.Sandbox.Prepare(module);

        // Act
        SandboxResult result = await this.RunWithWatchdogAsync(module, cap);

        // Assert
        output.WriteLine($"cap {capMilliseconds} ms: {result}");
        Assert.Equal(SandboxOutcome.TimeLimitExceeded, result.Outcome);
        Assert.Contains($"time cap of {capMilliseconds} ms", result.Error, StringComparison.Ordinal);
        Assert.InRange(result.Elapsed, cap, cap + StopTolerance);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task Run_InfiniteLoopWhileInstantiating_StoppedAtTheTimeCap()
    {
        // Arrange
        WasmModuleSource module = HostileModules.InfiniteLoopWhileInstantiating("loop-in-start");
        TimeSpan cap = TimeSpan.FromMilliseconds(150);

        // Act
        SandboxResult result = await this.RunWithWatchdogAsync(module, cap);

        // Assert
        output.WriteLine(result.ToString());
        Assert.Equal(SandboxOutcome.TimeLimitExceeded, result.Outcome);
        Assert.InRange(result.Elapsed, cap, cap + StopTolerance);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task Run_InfiniteLoopCancelledByCaller_Cancelled()
    {
        // Arrange
        WasmModuleSource module = HostileModules.InfiniteLoop("loop-cancelled");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        // Act
        SandboxResult result = await Task.Run(() => fixture.RunHostileCancellable(module, cancellation.Token)).WaitAsync(Watchdog);

        // Assert
        Assert.Equal(SandboxOutcome.Cancelled, result.Outcome);
        Assert.True(result.Elapsed < TimeSpan.FromMilliseconds(SandboxFixture.TimeLimitMilliseconds), result.ToString());
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task Run_MemoryBomb_RefusedAtTheMemoryCap()
    {
        // Arrange
        WasmModuleSource module = HostileModules.MemoryBomb("memory-bomb");

        // Act
        SandboxResult result = await this.RunWithWatchdogAsync(module);

        // Assert
        output.WriteLine(result.ToString());
        Assert.Equal(SandboxOutcome.MemoryLimitExceeded, result.Outcome);
        Assert.Contains("ran out of memory at the cap of 33554432 bytes", result.Error, StringComparison.Ordinal);
        Assert.InRange(result.MemoryBytes, SandboxFixture.MemoryLimitBytes - (16 * 65536), SandboxFixture.MemoryLimitBytes);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task Run_SingleGrowPastTheCap_RefusedWithMinusOne()
    {
        // Arrange
        WasmModuleSource module = HostileModules.GrowsPast("memory-one-grow", SandboxFixture.MemoryLimitBytes);

        // Act
        SandboxResult result = await this.RunWithWatchdogAsync(module);

        // Assert: the module saw the refusal (exit 3) and its memory never went past its first page
        Assert.Equal(SandboxOutcome.NonZeroExit, result.Outcome);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal(65536, result.MemoryBytes);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task Run_ModuleDeclaringMoreMemoryThanTheCap_RefusedBeforeInstantiation()
    {
        // Arrange
        WasmModuleSource module = HostileModules.DeclaresMemory("memory-declared", 2 * SandboxFixture.MemoryLimitBytes);

        // Act
        SandboxResult result = await this.RunWithWatchdogAsync(module);

        // Assert
        Assert.Equal(SandboxOutcome.MemoryLimitExceeded, result.Outcome);
        Assert.Contains("declares 67108864 bytes of initial memory", result.Error, StringComparison.Ordinal);
        await fixture.AssertStillServesAsync();
    }

    [Theory]
    [InlineData(1, SandboxFixture.MaxOutputBytes, "stdout")]
    [InlineData(2, SandboxFixture.MaxErrorBytes, "stderr")]
    public async Task Run_OutputFlood_CutAtTheCapAndStopped(int fd, int cap, string stream)
    {
        // Arrange
        WasmModuleSource module = HostileModules.Flood($"flood-{stream}", fd);

        // Act
        SandboxResult result = await this.RunWithWatchdogAsync(module);

        // Assert
        output.WriteLine(result.ToString());
        Assert.Equal(SandboxOutcome.OutputLimitExceeded, result.Outcome);
        Assert.Contains($"more than {cap} bytes to {stream}", result.Error, StringComparison.Ordinal);
        Assert.Equal(cap, fd == 1 ? result.Stdout.Length : result.Stderr.Length);
        Assert.True(result.Elapsed < TimeSpan.FromMilliseconds(SandboxFixture.TimeLimitMilliseconds), "stopped at the output cap, not at the time cap");
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task Run_Trap_Trapped()
    {
        // Arrange
        WasmModuleSource module = HostileModules.Unreachable("trap-unreachable");

        // Act
        SandboxResult result = await this.RunWithWatchdogAsync(module);

        // Assert
        Assert.Equal(SandboxOutcome.Trapped, result.Outcome);
        Assert.Contains("unreachable", result.Error, StringComparison.Ordinal);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task Run_NonZeroExit_ReportsTheCode()
    {
        // Arrange
        WasmModuleSource module = HostileModules.Exits("exit-7", 7);

        // Act
        SandboxResult result = await this.RunWithWatchdogAsync(module);

        // Assert
        Assert.Equal(SandboxOutcome.NonZeroExit, result.Outcome);
        Assert.Equal(7, result.ExitCode);
        Assert.Equal("exited with code 7", result.Error);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task Run_InvalidModule_Rejected()
    {
        // Arrange
        WasmModuleSource module = WasmModuleSource.FromBinary("not-wasm", "\0asm-but-not-really"u8.ToArray());

        // Act
        SandboxResult result = await this.RunWithWatchdogAsync(module);

        // Assert
        Assert.Equal(SandboxOutcome.ModuleRejected, result.Outcome);
        Assert.StartsWith("module 'not-wasm' was rejected: it does not compile", result.Error, StringComparison.Ordinal);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task Run_RunawayBesideNormalCalls_OthersSucceedMeanwhile()
    {
        // Arrange
        WasmModuleSource loop = HostileModules.InfiniteLoop("loop-concurrent");
        TimeSpan cap = TimeSpan.FromMilliseconds(1_000);

        // Act
        Task<SandboxResult> runaway = Task.Run(() => fixture.RunHostile(loop, cap));
        var clock = Stopwatch.StartNew();
        ToolOutput[] reads = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => fixture.RunAsync(fixture.ReadFile, """{"path":"README.md"}"""))));
        TimeSpan readsTook = clock.Elapsed;
        SandboxResult stopped = await runaway.WaitAsync(Watchdog);

        // Assert
        Assert.All(reads, r => Assert.True(r.Succeeded, r.Error));
        Assert.True(readsTook < cap, $"16 reads took {readsTook.TotalMilliseconds:0} ms beside a runaway module");
        Assert.Equal(SandboxOutcome.TimeLimitExceeded, stopped.Outcome);
    }

    [Fact]
    public async Task Run_SameModuleTwice_CompiledOnce()
    {
        // Arrange
        WasmModuleSource module = HostileModules.Exits("exit-0-compiled-once", 0);
        int before = fixture.Sandbox.Compilations;

        // Act
        SandboxResult first = await this.RunWithWatchdogAsync(module);
        SandboxResult second = await this.RunWithWatchdogAsync(module);

        // Assert
        Assert.Equal(SandboxOutcome.Succeeded, first.Outcome);
        Assert.Equal(SandboxOutcome.Succeeded, second.Outcome);
        Assert.Equal(before + 1, fixture.Sandbox.Compilations);
    }

    Task<SandboxResult> RunWithWatchdogAsync(WasmModuleSource module, TimeSpan? timeLimit = null) =>
        Task.Run(() => fixture.RunHostile(module, timeLimit)).WaitAsync(Watchdog);
}
