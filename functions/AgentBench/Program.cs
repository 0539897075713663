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

if (what is "edge" or "all")
{
    report["edge"] = await EdgeBench.RunAsync();
}

if (report.Count == 0)
{
    Console.Error.WriteLine("usage: agent-bench [router|tokens|cost|policy|wasm|edge|all]");
    return 2;
}

Results.Write("router-bench.json", report);
return 0;
