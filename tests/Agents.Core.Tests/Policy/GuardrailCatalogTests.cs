using Agents.Testing;

namespace Agents.Core.Tests.Policy;

/// <summary>The guardrail scenario catalog is complete and every scenario in it can be run and reported.</summary>
public sealed class GuardrailCatalogTests
{
    static readonly string[] Layers = ["turn", "slack"];

    [Fact]
    public void Catalog_Scenarios_AreAtLeastThirtyWithUniqueIdsAndCoverEveryCategory()
    {
        IReadOnlyList<GuardrailScenario> scenarios = GuardrailCatalog.Scenarios;

        Assert.True(scenarios.Count >= 30, $"{scenarios.Count} scenarios; the suite needs at least 30");
        Assert.Equal(scenarios.Count, scenarios.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(scenarios, s => Assert.Contains(s.Category, GuardrailCatalog.Categories.Keys));
        Assert.All(GuardrailCatalog.Categories.Keys, c => Assert.Contains(scenarios, s => s.Category == c));
        Assert.All(scenarios, s => Assert.False(string.IsNullOrWhiteSpace(s.Expected), $"{s.Id} states no expected decision"));
    }

    [Fact]
    public void Catalog_EachScenario_IsRunByATestOrByItsLayersTheoryWithItsData()
    {
        Assert.All(GuardrailCatalog.Scenarios, s =>
        {
            Assert.True(s.Test is not null ^ s.Layer is not null, $"{s.Id}: give either 'test' or 'layer'");
            if (s.Layer is not null)
            {
                Assert.Contains(s.Layer, Layers);
                Assert.True(s.Layer == "turn" ? s.Turn is not null : s.Slack is not null, $"{s.Id}: layer '{s.Layer}' needs its '{s.Layer}' data");
            }
        });
    }

    [Fact]
    public void Catalog_TurnScenarios_EachTicketSelectsAnAdversarialRecording()
    {
        string recordings = File.ReadAllText(Path.Combine(TestSettings.RecordingsOfTests, "adversarial.json"));

        Assert.All(GuardrailCatalog.Scenarios.Where(s => s.Turn is not null), s =>
        {
            string marker = s.Turn!.Ticket.Split(':')[0];
            Assert.Contains($"\"{marker}\"", recordings, StringComparison.Ordinal);
        });
    }
}
