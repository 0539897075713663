using AgentBench;

string what = args.FirstOrDefault() ?? "all";
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

// Not part of "all": it starts its own Azurite and embeds the repository with MiniLM (a minute or more on 2 cores).
if (what is "retrieval")
{
    Results.Write("memory-bench.json", await MemoryBench.RunAsync());
    return 0;
}

if (report.Count == 0)
{
    Console.Error.WriteLine("usage: agent-bench [router|tokens|cost|policy|wasm|all|retrieval]");
    return 2;
}

Results.Write("router-bench.json", report);
return 0;
