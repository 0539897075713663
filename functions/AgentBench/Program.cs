using AgentBench;

string what = args.FirstOrDefault() ?? "all";
if (what == "stream")
{
    // Needs Azurite (scripts/bench-stream.sh starts it), so it is not part of "all".
    object stream = await StreamBench.RunAsync("UseDevelopmentStorage=true", appends: 200, sessions: 50);
    Results.Write("stream-bench.json", stream);
    return 0;
}

var report = new Dictionary<string, object>();
if (what is "router" or "all")
{
    report["router"] = await RouterBench.RunAsync(calls: 20_000);
}

if (what is "tokens" or "all")
{
    report["tokens"] = TokenBench.Run(TimeSpan.FromSeconds(3));
}

if (what is "cost" or "all")
{
    report["cost"] = await CostBench.RunAsync();
}

if (what is "policy" or "all")
{
    report["policy"] = PolicyBench.Run();
}

if (what is "wasm" or "all")
{
    report["wasm"] = WasmBench.Run();
}

if (what is "browser" or "all")
{
    // agent-bench browser [rounds] [png|jpeg]: needs Debian's Chromium at /usr/bin/chromium.
    int rounds = args.Length > 1 && int.TryParse(args[1], out int n) ? n : 30;
    string format = args.Length > 2 ? args[2] : "png";
    report["browser"] = await BrowserBench.RunAsync(rounds, format);
}

if (what is "edge" or "all")
{
    report["edge"] = await EdgeBench.RunAsync();
}

// Not part of "all": it starts its own Azurite and embeds the repository with MiniLM (a minute or more on 2 cores).
if (what is "retrieval")
{
    Results.Write("memory-bench.json", await MemoryBench.RunAsync());
    return 0;
}

if (what is "redaction" or "all")
{
    report["redaction"] = RedactionBench.Run(TimeSpan.FromSeconds(3));
}

if (what is "telemetry")
{
    report["telemetry"] = await TelemetryBench.RunAsync(turnsPerMode: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30);
}

// Not part of "all": it starts its own Azurite and runs real turns on both engines.
if (what is "overhead")
{
    // agent-bench overhead [turns per backend] [both|in-memory|azure-storage]
    if (!OverheadArguments.TryParse(args.Skip(1).ToList(), out int turns, out IReadOnlyList<AgentHost.DurableBackend> backends, out string? problem))
    {
        Console.Error.WriteLine($"agent-bench overhead: {problem}");
        return 2;
    }

    Results.Write("overhead.json", await OverheadBench.RunAsync(turns, backends));
    return 0;
}

if (report.Count == 0)
{
    Console.Error.WriteLine("usage: agent-bench [router|tokens|cost|policy|wasm|redaction|stream|browser [rounds] [png|jpeg]|edge|all] | agent-bench retrieval | agent-bench telemetry [turns per mode] | agent-bench overhead [turns per backend] [both|in-memory|azure-storage]");
    return 2;
}

Results.Write(what switch { "telemetry" => "telemetry-bench.json", "redaction" => "redaction-bench.json", _ => "router-bench.json" }, report);
return 0;
