using System.Text.Json;
using System.Text.Json.Serialization;
using Agents.Core.Hosting;

namespace Agents.Testing;

/// <summary>
/// The guardrail suite's scenario catalog (tests/guardrails/scenarios.json): each adversarial scenario's id, category
/// and expected decision, and, for the scenarios a catalog theory runs, what its layer needs to run and check it.
/// scripts/guardrails.sh reports the same catalog against the test results.
/// </summary>
public static class GuardrailCatalog
{
    /// <summary>The trait every guardrail test carries: <c>[Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]</c>.</summary>
    public const string Trait = "Category";

    public const string Category = "Guardrail";

    public static readonly string Path = System.IO.Path.Combine(RepositoryPaths.Root, "tests", "guardrails", "scenarios.json");

    static readonly Lazy<GuardrailCatalogFile> File = new(() =>
        JsonSerializer.Deserialize<GuardrailCatalogFile>(System.IO.File.ReadAllText(Path), new JsonSerializerOptions(JsonSerializerDefaults.Web))
        ?? throw new InvalidDataException($"{Path} is empty"));

    public static IReadOnlyDictionary<string, string> Categories => File.Value.Categories;

    public static IReadOnlyList<GuardrailScenario> Scenarios => File.Value.Scenarios;

    public static GuardrailScenario Get(string id) =>
        Scenarios.SingleOrDefault(s => s.Id == id) ?? throw new KeyNotFoundException($"no scenario '{id}' in {Path}");

    /// <summary>The ids of the scenarios a layer's catalog theory runs (<c>layer</c> in the catalog).</summary>
    public static IEnumerable<string> IdsOfLayer(string layer) => Scenarios.Where(s => s.Layer == layer).Select(s => s.Id);
}

public sealed record GuardrailCatalogFile(string Description, IReadOnlyDictionary<string, string> Categories, IReadOnlyList<GuardrailScenario> Scenarios);

/// <summary>
/// One scenario: run by the catalog theory of <see cref="Layer"/>, or by the test whose reported name matches
/// <see cref="Test"/> (a substring, <c>*</c> for anything).
/// </summary>
public sealed record GuardrailScenario(string Id, string Category, string Expected, string? Test, string? Layer, TurnScenario? Turn, SlackScenario? Slack);

/// <summary>
/// A turn driven by an adversarial recording (tests/recordings/adversarial.json, matched on the ticket's marker): how it
/// must end, each step's final status, the policy rule that decided, the plan rejection, what the router said when it
/// rejected the model's answer, and whether a human is asked first.
/// </summary>
public sealed record TurnScenario(
    string Ticket,
    string Outcome,
    IReadOnlyDictionary<string, string> Steps,
    string? Rule,
    string? Rejected,
    string? OutputRejected,
    [property: JsonPropertyName("approval")] bool AsksForApproval);

/// <summary>A Slack interaction: what the webhook answers the clicker, and how many approvals the turn records.</summary>
public sealed record SlackScenario(string Says, int Approvals);
