using System.Text.Json;
using System.Text.Json.Nodes;

namespace Agents.Core.Policy;

public sealed record PolicyPrincipal(string User, string Org, IReadOnlyList<string> Roles);

public sealed record PolicyAction(string Tool, string Risk, string Arguments);

public sealed record PolicyResource(string Repository, string Environment, string Sensitivity, IReadOnlyList<string> Paths, IReadOnlyList<string> DataTags)
{
    /// <summary>For browser tools: where the call acts, the session's allowlist and where forms on the page submit (empty for other tools).</summary>
    public Browser.BrowserFacts Browser { get; init; } = Agents.Core.Browser.BrowserFacts.None;
}

public sealed record PolicyContext(long BudgetLeft, long TurnTokens, double TurnCostUsd, double SessionCostUsd, int DegradeLevel, int Revision);

/// <summary>What a rule can see: <c>principal</c>, <c>action</c>, <c>resource</c> and <c>context</c>.</summary>
public sealed record PolicyInput(PolicyPrincipal Principal, PolicyAction Action, PolicyResource Resource, PolicyContext Context);

/// <summary>Turns a <see cref="PolicyInput"/> into CEL variables (nested dictionaries, lists, long, double) and canonical JSON.</summary>
public static class PolicyInputs
{
    /// <summary>
    /// Representative inputs every rule must evaluate on at load (a stand-in for a type checker): a rule that touches a
    /// field some tool does not have must guard it with <c>has(...)</c>.
    /// </summary>
    public static readonly IReadOnlyList<IDictionary<string, object?>> Samples =
    [
        .. new[]
        {
            ("read_file", "low", """{"path":"src/app.py"}""", new[] { "src/app.py" }, Array.Empty<string>()),
            ("list_files", "low", "{}", Array.Empty<string>(), Array.Empty<string>()),
            ("search_code", "low", """{"query":"def main","path":"src"}""", new[] { "src" }, Array.Empty<string>()),
            ("draft_patch", "low", """{"instructions":"fix it"}""", Array.Empty<string>(), Array.Empty<string>()),
            ("run_tests", "low", "{}", Array.Empty<string>(), Array.Empty<string>()),
            ("open_pull_request", "high", """{"title":"Fix","body":"Details"}""", new[] { "src/app.py", "tests/test_app.py" }, new[] { "pii" }),
        }.Select(s => Variables(new PolicyInput(
            new PolicyPrincipal("sample-user", "sample-org", ["developer"]),
            new PolicyAction(s.Item1, s.Item2, s.Item3),
            new PolicyResource("sample-repo", "stage", "internal", s.Item4, s.Item5),
            new PolicyContext(10_000, 1_000, 0.01, 0.02, 0, 0)))),
        .. new[]
        {
            ("browser_open", """{"url":"https://docs.example.com/a"}""", new Browser.BrowserFacts(["https://docs.example.com"], ["https://docs.example.com"], [], [])),
            ("browser_open", """{"url":"file:///etc/passwd"}""", new Browser.BrowserFacts(["file:"], ["https://docs.example.com"], [], [])),
            ("browser_click", """{"x":1,"y":2,"width":3,"height":4}""", new Browser.BrowserFacts(["https://docs.example.com"], ["https://docs.example.com"], ["https://forms.example.net"], ["https://forms.example.net"])),
            ("browser_type", """{"text":"hello"}""", new Browser.BrowserFacts(["https://docs.example.com"], ["https://docs.example.com"], [], [])),
        }.Select(s => Variables(new PolicyInput(
            new PolicyPrincipal("sample-user", "sample-org", ["developer"]),
            new PolicyAction(s.Item1, "medium", s.Item2),
            new PolicyResource("sample-repo", "stage", "internal", [], []) { Browser = s.Item3 },
            new PolicyContext(10_000, 1_000, 0.01, 0.02, 0, 0)))),
    ];

    public static IDictionary<string, object?> Variables(PolicyInput input) => new Dictionary<string, object?>
    {
        ["principal"] = new Dictionary<string, object?>
        {
            ["user"] = input.Principal.User,
            ["org"] = input.Principal.Org,
            ["roles"] = input.Principal.Roles.Cast<object?>().ToList(),
        },
        ["action"] = new Dictionary<string, object?>
        {
            ["tool"] = input.Action.Tool,
            ["risk"] = input.Action.Risk,
            ["args"] = Convert(JsonNode.Parse(input.Action.Arguments)),
            ["args_text"] = input.Action.Arguments,
        },
        ["resource"] = new Dictionary<string, object?>
        {
            ["repository"] = input.Resource.Repository,
            ["environment"] = input.Resource.Environment,
            ["sensitivity"] = input.Resource.Sensitivity,
            ["paths"] = input.Resource.Paths.Cast<object?>().ToList(),
            ["paths_text"] = string.Join('\n', input.Resource.Paths),
            ["data_tags"] = input.Resource.DataTags.Cast<object?>().ToList(),
            ["origins"] = input.Resource.Browser.Origins.Cast<object?>().ToList(),
            ["allowed_origins"] = input.Resource.Browser.AllowedOrigins.Cast<object?>().ToList(),
            ["submits_to"] = input.Resource.Browser.SubmitsTo.Cast<object?>().ToList(),
            ["page_submits_to"] = input.Resource.Browser.PageSubmitsTo.Cast<object?>().ToList(),
        },
        ["context"] = new Dictionary<string, object?>
        {
            ["budget_left"] = input.Context.BudgetLeft,
            ["turn_tokens"] = input.Context.TurnTokens,
            ["turn_cost_usd"] = input.Context.TurnCostUsd,
            ["session_cost_usd"] = input.Context.SessionCostUsd,
            ["degrade_level"] = (long)input.Context.DegradeLevel,
            ["revision"] = (long)input.Context.Revision,
        },
    };

    /// <summary>The input as canonical JSON (sorted keys), as recorded with the decision.</summary>
    public static string Json(PolicyInput input) => Canonical(JsonSerializer.SerializeToNode(Variables(input)));

    /// <summary>JSON with object keys sorted at every level and no whitespace: equal content, equal text.</summary>
    public static string Canonical(JsonNode? node) => Sort(node)?.ToJsonString() ?? "null";

    public static string CanonicalArguments(string json) => Canonical(JsonNode.Parse(json));

    static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sort(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Sort).ToArray()),
        null => null,
        _ => JsonNode.Parse(node.ToJsonString()),
    };

    static object? Convert(JsonNode? node) => node switch
    {
        JsonObject o => o.ToDictionary(kv => kv.Key, kv => Convert(kv.Value)),
        JsonArray a => a.Select(Convert).ToList(),
        JsonValue v when v.TryGetValue(out bool b) => b,
        JsonValue v when v.TryGetValue(out long l) => l,
        JsonValue v when v.TryGetValue(out double d) => d,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => null,
    };
}
