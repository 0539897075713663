using System.Diagnostics;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Sandbox;
using Agents.Core.Tools;
using Microsoft.Extensions.Options;

namespace AgentBench;

/// <summary>
/// The WASM sandbox: what a read_file call costs through it (cold: new engine, module compiled; warm: compiled module
/// reused, new store and instance per call) against the same read in plain C#, what fuel metering adds, and how close
/// to its cap an infinite loop is stopped.
/// </summary>
static class WasmBench
{
    const string Repository = "inventory-service";
    const string File = "inventory/pagination.py";
    const int WarmUp = 20;
    const int Calls = 500;
    const int ColdRuns = 5;
    const int CapRuns = 5;

    static readonly int[] CapsMs = [25, 50, 100, 250, 500, 1000];
    static readonly int[] TicksMs = [1, 5, 10];

    public static object Run()
    {
        var workspace = new RepositoryWorkspace(Options.Create(new WorkspaceOptions()));
        ToolInvocation invocation = Invocation("read_file", $$"""{"path":"{{File}}"}""");

        // Cold: the first call of a new sandbox compiles the module. The very first one in the process also JIT-compiles the sandbox's code.
        var cold = new List<double>();
        var compileOnly = new List<double>();
        for (int i = 0; i < ColdRuns; i++)
        {
            using (var sandbox = NewSandbox())
            {
                cold.Add(Time(() => Read(new ReadFileTool(workspace, sandbox), invocation)));
            }

            using (var sandbox = NewSandbox())
            {
                compileOnly.Add(Time(() => sandbox.Prepare(WasmModuleSource.Tool("read_file"))));
            }
        }

        List<double> wasm, plain, fuel;
        using (var sandbox = NewSandbox())
        {
            wasm = Measure(() => Read(new ReadFileTool(workspace, sandbox), invocation));
        }

        plain = Measure(() => PlainRead(workspace));
        using (var sandbox = NewSandbox(fuel: 10_000_000_000))
        {
            fuel = Measure(() => Read(new ReadFileTool(workspace, sandbox), invocation));
        }

        // The fixed cost of a call: new store, WASI context (with the preopen) and instance, an empty _start.
        List<double> empty;
        using (var sandbox = NewSandbox())
        {
            WasmModuleSource nothing = WasmModuleSource.FromText("bench-empty", """(module (memory (export "memory") 1) (func (export "_start")))""");
            string root = workspace.RootOf(Repository);
            empty = Measure(() => sandbox.Run(nothing, new SandboxRequest { ReadOnlyDirectory = root }));
        }

        List<double> search, plainSearch;
        ToolInvocation searchInvocation = Invocation("search_code", """{"query":"def"}""");
        using (var sandbox = NewSandbox())
        {
            search = Measure(() => Read(new SearchCodeTool(workspace, sandbox), searchInvocation));
        }

        plainSearch = Measure(() => PlainSearch(workspace, "def"));

        double coldFirst = cold[0];
        double coldMedian = Median(cold.Skip(1).ToList());
        double compileMedian = Median(compileOnly);
        Console.WriteLine($"wasm read_file cold: first call in the process {coldFirst:0.0} ms, later new-engine first calls median {coldMedian:0.0} ms (compiling read_file.wasm alone {compileMedian:0.0} ms)");
        Console.WriteLine($"wasm read_file warm: p50 {P(wasm, 0.5):0.000} ms, p95 {P(wasm, 0.95):0.000} ms over {Calls} calls; plain C# read p50 {P(plain, 0.5):0.000} ms, p95 {P(plain, 0.95):0.000} ms; overhead p50 {P(wasm, 0.5) - P(plain, 0.5):0.000} ms");
        Console.WriteLine($"wasm call fixed cost (empty module, repository preopened): p50 {P(empty, 0.5):0.000} ms, p95 {P(empty, 0.95):0.000} ms");
        Console.WriteLine($"wasm read_file warm with fuel metering: p50 {P(fuel, 0.5):0.000} ms, p95 {P(fuel, 0.95):0.000} ms");
        Console.WriteLine($"wasm search_code \"def\" warm: p50 {P(search, 0.5):0.000} ms, p95 {P(search, 0.95):0.000} ms; plain C# p50 {P(plainSearch, 0.5):0.000} ms, p95 {P(plainSearch, 0.95):0.000} ms");

        var caps = new List<object>();
        foreach (int tick in TicksMs)
        {
            using var sandbox = NewSandbox(tickMs: tick);
            WasmModuleSource loop = Loop($"bench-loop-{tick}");
            sandbox.Prepare(loop);
            foreach (int capMs in tick == 5 ? CapsMs : new[] { 100, 1000 })
            {
                var overshoot = new List<double>();
                for (int i = 0; i < CapRuns; i++)
                {
                    SandboxResult result = sandbox.Run(loop, new SandboxRequest { TimeLimit = TimeSpan.FromMilliseconds(capMs) });
                    if (result.Outcome != SandboxOutcome.TimeLimitExceeded)
                    {
                        throw new InvalidOperationException($"the loop was not stopped at its cap: {result}");
                    }

                    overshoot.Add(result.Elapsed.TotalMilliseconds - capMs);
                }

                overshoot.Sort();
                Console.WriteLine($"time cap {capMs,5} ms (epoch tick {tick,2} ms): stopped after cap + {Median(overshoot):0.00} ms median, + {overshoot[^1]:0.00} ms worst of {CapRuns}");
                caps.Add(new { capMs, tickMs = tick, medianOvershootMs = Round(Median(overshoot)), worstOvershootMs = Round(overshoot[^1]), runs = CapRuns });
            }
        }

        // Fuel as a time cap: how fast the loop burns fuel. A module blocked in host calls (file reads) burns none.
        const long FuelBudget = 2_000_000_000;
        double fuelLoopMs;
        using (var sandbox = NewSandbox(fuel: FuelBudget))
        {
            SandboxResult result = sandbox.Run(Loop("bench-loop-fuel"), new SandboxRequest { TimeLimit = TimeSpan.FromSeconds(60) });
            fuelLoopMs = result.Elapsed.TotalMilliseconds;
            Console.WriteLine($"fuel cap: {FuelBudget:N0} units stopped the loop after {fuelLoopMs:0} ms ({FuelBudget / fuelLoopMs:N0} units/ms for this loop): {result.Error}");
        }

        return new
        {
            readFile = new
            {
                file = $"{Repository}/{File}",
                coldFirstCallInProcessMs = Round(coldFirst),
                coldNewEngineFirstCallMedianMs = Round(coldMedian),
                compileModuleMedianMs = Round(compileMedian),
                warm = Stats(wasm),
                warmWithFuel = Stats(fuel),
                plainCSharp = Stats(plain),
                overheadP50Ms = Round(P(wasm, 0.5) - P(plain, 0.5)),
            },
            emptyModuleCall = Stats(empty),
            searchCode = new { query = "def", warm = Stats(search), plainCSharp = Stats(plainSearch) },
            timeCap = caps,
            fuel = new { units = FuelBudget, loopStoppedAfterMs = Round(fuelLoopMs), unitsPerMs = Math.Round(FuelBudget / fuelLoopMs) },
        };
    }

    static WasmSandbox NewSandbox(long fuel = 0, int tickMs = 5) =>
        new(Options.Create(new SandboxOptions { FuelPerCall = fuel, EpochTickMilliseconds = tickMs }));

    static WasmModuleSource Loop(string name) =>
        WasmModuleSource.FromText(name, """(module (memory (export "memory") 1) (func (export "_start") (loop $forever (br $forever))))""");

    static void Read(IAgentTool tool, ToolInvocation invocation)
    {
        ToolOutput output = tool.RunAsync(invocation, CancellationToken.None).GetAwaiter().GetResult();
        if (!output.Succeeded)
        {
            throw new InvalidOperationException(output.Error);
        }
    }

    /// <summary>What the in-process read_file did: confine the path, check the size, read, add the header.</summary>
    static void PlainRead(RepositoryWorkspace workspace)
    {
        string root = workspace.RootOf(Repository);
        string full = workspace.ResolveInside(root, File);
        var info = new FileInfo(full);
        if (!System.IO.File.Exists(full) || info.Length > workspace.Options.MaxReadBytes)
        {
            throw new InvalidOperationException(full);
        }

        string content = System.IO.File.ReadAllText(full);
        GC.KeepAlive($"{ReadFileTool.HeaderPrefix}{File} <==\n{content}");
    }

    /// <summary>What the in-process search_code did.</summary>
    static void PlainSearch(RepositoryWorkspace workspace, string query)
    {
        string root = workspace.RootOf(Repository);
        var result = new System.Text.StringBuilder();
        foreach (string file in workspace.Files(root))
        {
            string full = Path.Combine(root, file);
            if (new FileInfo(full).Length > workspace.Options.MaxReadBytes)
            {
                continue;
            }

            string[] lines = System.IO.File.ReadAllLines(full);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Contains(query, StringComparison.OrdinalIgnoreCase))
                {
                    result.Append(file).Append(':').Append(i + 1).Append(": ").Append(lines[i].Trim()).Append('\n');
                }
            }
        }

        GC.KeepAlive(result.ToString());
    }

    static ToolInvocation Invocation(string tool, string arguments) => new(
        Sample.Session, 1, new PlanStep("bench", tool, arguments, [], null, false), JsonDocument.Parse(arguments).RootElement.Clone(), "", [],
        (_, _) => Task.FromResult(""), null);

    static List<double> Measure(Action call)
    {
        for (int i = 0; i < WarmUp; i++)
        {
            call();
        }

        var samples = new List<double>(Calls);
        for (int i = 0; i < Calls; i++)
        {
            samples.Add(Time(call));
        }

        samples.Sort();
        return samples;
    }

    static double Time(Action call)
    {
        long start = Stopwatch.GetTimestamp();
        call();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : Sample.Percentile(sorted, 0.5);
    }

    static double P(List<double> sorted, double p) => Sample.Percentile(sorted, p);

    static object Stats(List<double> sorted) => new { calls = sorted.Count, p50Ms = Round(P(sorted, 0.5)), p95Ms = Round(P(sorted, 0.95)), maxMs = Round(sorted[^1]) };

    static double Round(double ms) => Math.Round(ms, 3);
}
