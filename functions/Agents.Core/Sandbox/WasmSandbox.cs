using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Wasmtime;

namespace Agents.Core.Sandbox;

/// <summary>
/// Runs WASM command modules (WASI preview 1) in Wasmtime. One engine; each module is compiled once and the compiled
/// module reused; every call gets a new store and instance holding only what its <see cref="SandboxRequest"/> grants:
/// arguments, environment variables and at most one host folder, preopened read-only as <c>/</c>. Nothing else: no
/// inherited environment or standard streams, no network (preview 1 cannot create sockets and none is preopened).
/// Each call runs under a wall-clock cap (epoch interruption), an optional fuel budget, a memory cap (store limits)
/// and caps on the stdout and stderr it may write, which are captured. What the module does comes back as a
/// <see cref="SandboxResult"/>; no Wasmtime type or exception leaves this class.
/// </summary>
public sealed class WasmSandbox : IDisposable
{
    const string WasiModule = "wasi_snapshot_preview1";
    const string GuestRoot = "/";
    const int PageSize = 64 * 1024;
    const int MaxErrorLines = 3;

    static readonly Lazy<WasmSandbox> DefaultSandbox = new(() => new WasmSandbox(Microsoft.Extensions.Options.Options.Create(new SandboxOptions())));

    readonly SandboxOptions options;
    readonly Engine engine;
    readonly Linker linker;
    readonly EpochTicker ticker;
    readonly ConcurrentDictionary<string, Lazy<CompiledModule>> modules = new(StringComparer.Ordinal);
    int disposed;

    public WasmSandbox(IOptions<SandboxOptions> options)
    {
        this.options = options.Value;
        Config config = new Config()
            .WithEpochInterruption(true)
            .WithFuelConsumption(this.options.FuelPerCall > 0)
            .WithWasmThreads(false);
        this.engine = new Engine(config);
        this.linker = new Linker(this.engine);
        this.linker.DefineWasi();
        this.ticker = new EpochTicker(this.engine, TimeSpan.FromMilliseconds(this.options.EpochTickMilliseconds));
    }

    /// <summary>A process-wide sandbox with the default options, for callers without dependency injection.</summary>
    public static WasmSandbox Default => DefaultSandbox.Value;

    public SandboxOptions Options => this.options;

    /// <summary>How many modules this sandbox has compiled (each name once).</summary>
    public int Compilations => this.modules.Values.Count(m => m.IsValueCreated);

    /// <summary>Compiles the module now unless it already is (a warm-up); null when it compiled, otherwise why not.</summary>
    public string? Prepare(WasmModuleSource source) => this.Compile(source).Error;

    /// <summary>Runs the module's <c>_start</c> in a new instance under the caps. Blocks the calling thread until the call ends.</summary>
    public SandboxResult Run(WasmModuleSource source, SandboxRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref this.disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();

        long started = Stopwatch.GetTimestamp();
        CompiledModule compiled = this.Compile(source);
        if (compiled.Error is not null)
        {
            return Result(SandboxOutcome.ModuleRejected, null, [], [], $"module '{source.Name}' was rejected: {compiled.Error}", started, 0);
        }

        long memoryLimit = Math.Min(request.MemoryLimitBytes ?? this.options.MemoryLimitBytes, this.options.MemoryLimitBytes);
        if (compiled.DeclaredMemoryBytes > memoryLimit)
        {
            return Result(
                SandboxOutcome.MemoryLimitExceeded, null, [], [],
                $"module '{source.Name}' declares {compiled.DeclaredMemoryBytes} bytes of initial memory; the cap is {memoryLimit} (Sandbox:MemoryLimitBytes)",
                started, 0);
        }

        TimeSpan timeLimit = request.TimeLimit ?? TimeSpan.FromMilliseconds(this.options.TimeLimitMilliseconds);
        var call = new Call(
            timeLimit, cancellationToken, new OutputCapture(request.MaxOutputBytes ?? this.options.MaxOutputBytes), new OutputCapture(this.options.MaxErrorBytes));

        using var store = new Store(this.engine);
        store.SetLimits(memorySize: memoryLimit, tableElements: 100_000, instances: 1, tables: 4, memories: 1);
        if (this.options.FuelPerCall > 0)
        {
            store.Fuel = (ulong)this.options.FuelPerCall;
        }

        try
        {
            store.SetWasiConfiguration(Wasi(source, request, call));
        }
        catch (WasmtimeException e)
        {
            throw new InvalidOperationException($"the sandbox could not be set up for '{source.Name}': {Summary(e)}");
        }

        store.SetEpochDeadline(1);
        store.SetEpochDeadlineCallback(call.OnEpochDeadline);

        Instance? instance = null;
        int? exitCode = null;
        WasmtimeException? failure = null;
        this.ticker.Enter();
        call.Start();
        try
        {
            instance = this.linker.Instantiate(store, compiled.Module!);
            Action? start = instance.GetAction("_start");
            if (start is null)
            {
                return Result(SandboxOutcome.ModuleRejected, null, [], [], $"module '{source.Name}' was rejected: it exports no _start function (a WASI command)", call.Started, 0);
            }

            start();
            exitCode = 0;
        }
        catch (WasmtimeException e) when (e.ExitCode is int code)
        {
            exitCode = code;
        }
        catch (WasmtimeException e)
        {
            failure = e;
        }
        finally
        {
            this.ticker.Exit();
        }

        long memoryBytes = MemoryInUse(instance);
        byte[] stdout = call.Stdout.ToArray(), stderr = call.Stderr.ToArray();
        (SandboxOutcome outcome, string? error) = this.Classify(source, call, instance is not null, exitCode, failure, memoryBytes, memoryLimit, timeLimit);
        return Result(outcome, exitCode, stdout, stderr, error, call.Started, memoryBytes);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref this.disposed, 1) != 0)
        {
            return;
        }

        this.ticker.Dispose();
        foreach (Lazy<CompiledModule> module in this.modules.Values)
        {
            if (module.IsValueCreated)
            {
                module.Value.Module?.Dispose();
            }
        }

        this.linker.Dispose();
        this.engine.Dispose();
    }

    (SandboxOutcome Outcome, string? Error) Classify(
        WasmModuleSource source, Call call, bool instantiated, int? exitCode, WasmtimeException? failure, long memoryBytes, long memoryLimit, TimeSpan timeLimit)
    {
        double elapsedMs = Stopwatch.GetElapsedTime(call.Started).TotalMilliseconds;
        string ms = elapsedMs.ToString("0.0", CultureInfo.InvariantCulture);
        switch (call.StopReason)
        {
            case SandboxOutcome.TimeLimitExceeded:
                return (SandboxOutcome.TimeLimitExceeded, $"stopped at the time cap of {timeLimit.TotalMilliseconds:0} ms (Sandbox:TimeLimitMilliseconds) after {ms} ms");
            case SandboxOutcome.Cancelled:
                return (SandboxOutcome.Cancelled, $"cancelled after {ms} ms");
            case SandboxOutcome.OutputLimitExceeded:
                break;
            default:
                if (failure is TrapException { Type: TrapCode.OutOfFuel })
                {
                    return (SandboxOutcome.TimeLimitExceeded, $"ran out of fuel ({this.options.FuelPerCall} units, Sandbox:FuelPerCall) after {ms} ms");
                }

                break;
        }

        if (call.Stdout.Exceeded || call.Stderr.Exceeded)
        {
            OutputCapture stream = call.Stdout.Exceeded ? call.Stdout : call.Stderr;
            string name = call.Stdout.Exceeded ? "stdout" : "stderr";
            string setting = call.Stdout.Exceeded ? "Sandbox:MaxOutputBytes" : "Sandbox:MaxErrorBytes";
            return (SandboxOutcome.OutputLimitExceeded, $"wrote more than {stream.Limit} bytes to {name} ({setting}); the stream was closed and the call stopped after {ms} ms");
        }

        if (exitCode == 0)
        {
            return (SandboxOutcome.Succeeded, null);
        }

        string what = exitCode is int code ? $"exited with code {code}" : $"trapped: {Summary(failure!)}";
        if (instantiated && memoryBytes + Math.Max(PageSize, memoryLimit / 16) > memoryLimit)
        {
            return (SandboxOutcome.MemoryLimitExceeded,
                $"ran out of memory at the cap of {memoryLimit} bytes (Sandbox:MemoryLimitBytes or the tool's limit): it ended with {memoryBytes} bytes, too close to the cap to grow further, and {what}");
        }

        if (exitCode is int nonZero)
        {
            return (SandboxOutcome.NonZeroExit, $"exited with code {nonZero}");
        }

        if (!instantiated)
        {
            return (SandboxOutcome.ModuleRejected, $"module '{source.Name}' could not be instantiated: {Summary(failure!)}");
        }

        return (SandboxOutcome.Trapped, what);
    }

    CompiledModule Compile(WasmModuleSource source) =>
        this.modules.GetOrAdd(source.Name, _ => new Lazy<CompiledModule>(() => CompiledModule.From(this.engine, source))).Value;

    static WasiConfiguration Wasi(WasmModuleSource source, SandboxRequest request, Call call)
    {
        WasiConfiguration wasi = new WasiConfiguration()
            .WithArgs([source.Name, .. request.Arguments])
            .WithEnvironmentVariables(request.Environment.Select(kv => (kv.Key, kv.Value)))
            .WithStandardOutputCallback(call.Stdout.Write)
            .WithStandardErrorCallback(call.Stderr.Write);
        if (request.ReadOnlyDirectory is not null)
        {
            if (!Directory.Exists(request.ReadOnlyDirectory))
            {
                throw new DirectoryNotFoundException($"the folder to preopen, '{request.ReadOnlyDirectory}', does not exist");
            }

            wasi.WithPreopenedDirectory(request.ReadOnlyDirectory, GuestRoot, mutable: false);
        }

        return wasi;
    }

    static long MemoryInUse(Instance? instance)
    {
        if (instance is null)
        {
            return 0;
        }

        long total = 0;
        foreach ((string _, Memory memory) in instance.GetMemories())
        {
            total += memory.GetLength();
        }

        return total;
    }

    static SandboxResult Result(SandboxOutcome outcome, int? exitCode, byte[] stdout, byte[] stderr, string? error, long started, long memoryBytes) =>
        new(outcome, outcome == SandboxOutcome.Succeeded ? 0 : exitCode, stdout, stderr, error, Stopwatch.GetElapsedTime(started), memoryBytes);

    /// <summary>Wasmtime's message without its backtrace, at most a few lines.</summary>
    static string Summary(Exception e)
    {
        string[] lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] kept = lines.Where(l => !l.StartsWith("wasm backtrace", StringComparison.Ordinal) && !char.IsDigit(l[0])).Take(MaxErrorLines).ToArray();
        return kept.Length > 0 ? string.Join("; ", kept) : lines.FirstOrDefault() ?? e.GetType().Name;
    }

    /// <summary>A compiled module, or why it cannot run here.</summary>
    sealed record CompiledModule(Module? Module, long DeclaredMemoryBytes, string? Error)
    {
        public static CompiledModule From(Engine engine, WasmModuleSource source)
        {
            Module module;
            try
            {
                byte[] bytes = source.Load();
                module = source.IsText
                    ? Module.FromText(engine, source.Name, Encoding.UTF8.GetString(bytes))
                    : Module.FromBytes(engine, source.Name, bytes);
            }
            catch (WasmtimeException e)
            {
                return new CompiledModule(null, 0, $"it does not compile: {Summary(e)}");
            }

            Import? foreign = module.Imports.FirstOrDefault(i => i.ModuleName != WasiModule);
            if (foreign is not null)
            {
                module.Dispose();
                return new CompiledModule(null, 0, $"it imports {foreign.ModuleName}::{foreign.Name}; the sandbox provides only {WasiModule}");
            }

            long declared = module.Exports.OfType<MemoryExport>().Select(m => m.Minimum * PageSize).DefaultIfEmpty(0).Max();
            return new CompiledModule(module, declared, null);
        }
    }

    /// <summary>One call's clock, streams and the reason it was stopped, checked at every epoch tick on the module's thread.</summary>
    sealed class Call(TimeSpan timeLimit, CancellationToken cancellation, OutputCapture stdout, OutputCapture stderr)
    {
        /// <summary>When instantiation began: the cap covers instantiation and the run, not compiling.</summary>
        public long Started { get; private set; }

        public OutputCapture Stdout { get; } = stdout;

        public OutputCapture Stderr { get; } = stderr;

        public SandboxOutcome? StopReason { get; private set; }

        public void Start() => this.Started = Stopwatch.GetTimestamp();

        public ulong OnEpochDeadline(Store store)
        {
            if (cancellation.IsCancellationRequested)
            {
                this.StopReason = SandboxOutcome.Cancelled;
            }
            else if (this.Stdout.Exceeded || this.Stderr.Exceeded)
            {
                this.StopReason = SandboxOutcome.OutputLimitExceeded;
            }
            else if (Stopwatch.GetElapsedTime(this.Started) >= timeLimit)
            {
                this.StopReason = SandboxOutcome.TimeLimitExceeded;
            }

            return this.StopReason is null ? 1UL : throw new CallStoppedException();
        }
    }

    sealed class CallStoppedException() : Exception("the sandbox stopped the call");
}
