using System.Text;
using Agents.Core.Contracts;
using Agents.Core.Load;
using Agents.Core.Sessions;
using Agents.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Tests;

/// <summary>Admission of oversized inputs with consent, and what the pipeline does under load.</summary>
[Collection(PlatformCollection.Name)]
public sealed class AdmissionAndLoadTests(PlatformFixture platform)
{
    readonly SessionDriver driver = new(platform);

    static string Oversized()
    {
        var text = new StringBuilder(SessionDriver.Ticket101).Append("\nAttached log:\n");
        while (text.Length < 40 * 1024)
        {
            text.Append("2026-11-20T10:00:00Z GET /items?page=1 returned items 21-40 (expected 1-20)\n");
        }

        return text.ToString();
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task SubmitTurn_OversizedWithoutConsent_Returns413NamingTheConsentOption()
    {
        string sessionId = await this.driver.CreateAsync();

        ApiResult<TurnAcceptedView> refused = await platform.Sessions.SubmitTurnAsync(sessionId, new SubmitTurnBody(Oversized(), null), null, SessionDriver.Dana);

        Assert.Equal(ApiErrorKind.TooLarge, refused.Error!.Kind);
        Assert.Contains("consentToLongContextModel", refused.Error.Detail);
    }

    [Fact]
    public async Task SubmitTurn_OversizedWithConsent_RunsOnTheLongContextTierAndRecordsTheConsent()
    {
        string sessionId = await this.driver.CreateAsync();

        ApiResult<TurnAcceptedView> accepted = await platform.Sessions.SubmitTurnAsync(
            sessionId, new SubmitTurnBody(Oversized(), null) { ConsentToLongContextModel = true }, null, SessionDriver.Dana);
        await this.driver.WaitForTurnAsync(sessionId, 1, t => t.Plan is not null);

        Assert.Null(accepted.Error);
        var events = await platform.Events.ReadAsync(sessionId);
        AgentEvent admitted = Assert.Single(events, e => e.Type == EventTypes.TurnAccepted);
        Assert.Equal("admitted_with_consent", admitted.Decision);
        Assert.Equal("True", admitted.Inputs!["consentToLongContextModel"]);
        Assert.Contains(events, e => e.Type == EventTypes.ModelCalled && e.Inputs!["purpose"] == "plan" && e.Inputs["tier"] == "long_context");
    }

    [Fact]
    public async Task Turn_UnderLoad_SeesFewerToolsAndDraftsOnTheSmallTier()
    {
        // Bring the turns in flight to 42 of a capacity of 50 (other tests may have left turns waiting): utilisation 0.84, level 2.
        var load = platform.Services.GetRequiredService<ITurnsInFlight>();
        var state = platform.Services.GetRequiredService<ILoadState>();
        int existing = await load.CountAsync(TimeSpan.FromHours(1));
        Assert.True(existing < 41, $"{existing} turns already in flight");
        string[] others = Enumerable.Range(0, 41 - existing).Select(i => $"loadtest{i:D3}").ToArray();
        await Task.WhenAll(others.Select(id => load.MarkAsync(id, 1)));
        try
        {
            await Eventually.MatchAsync(() => Task.FromResult(state.Current), s => s.Level == 2, TimeSpan.FromSeconds(10), "degrade level 2");
            string sessionId = await this.driver.CreateAsync();
            await this.driver.SubmitAsync(sessionId, SessionDriver.Ticket101);

            TurnView waiting = await this.driver.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null);

            Assert.DoesNotContain(waiting.Plan!.Plan.Steps, s => s.Tool is "search_code" or "list_files");
            var events = await platform.Events.ReadAsync(sessionId);
            AgentEvent previewed = Assert.Single(events, e => e.Type == EventTypes.PlanPreviewed);
            Assert.Equal("2", previewed.Inputs!["degradeLevel"]);
            Assert.DoesNotContain("search_code", previewed.Inputs["tools"]);
            Assert.Contains(events, e => e.Type == "model.routed" && e.Step == "draft" && e.Summary.Contains("degrade level 2"));
            SessionView session = (await platform.Sessions.GetSessionAsync(sessionId, SessionDriver.Dana)).Value!;
            Assert.Equal(2, session.Load.DegradeLevel);
            await this.driver.DecideAsync(sessionId, 1, "deny", "load test");
        }
        finally
        {
            await Task.WhenAll(others.Select(id => load.ClearAsync(id, 1)));
        }

        await Eventually.MatchAsync(() => Task.FromResult(state.Current), s => s.Level == 0, TimeSpan.FromSeconds(10), "degrade level released");
    }

    [Fact]
    public void AvailableAt_LevelThree_StillOffersTheLevelTwoToolsToAcceptedTurns()
    {
        var catalog = platform.Services.GetRequiredService<Agents.Core.Tools.ToolCatalog>();

        var level2 = catalog.AvailableAt(2).Definitions.Select(d => d.Name).ToList();
        var level3 = catalog.AvailableAt(3).Definitions.Select(d => d.Name).ToList();

        Assert.Equal(level2, level3);
        Assert.Contains("read_file", level3);
        Assert.DoesNotContain("search_code", level3);
        Assert.Contains("search_code", catalog.AvailableAt(0).Definitions.Select(d => d.Name));
    }

    [Theory]
    [InlineData(0, 0.59, 0)]
    [InlineData(0, 0.6, 1)]
    [InlineData(0, 0.85, 2)]
    [InlineData(1, 1.2, 3)]
    [InlineData(3, 0.95, 3)] // within hysteresis of level 3's threshold: holds
    [InlineData(3, 0.85, 2)]
    [InlineData(2, 0.75, 2)] // holds until below 0.8 − 0.1
    [InlineData(2, 0.69, 1)]
    [InlineData(2, 0.3, 0)]
    public void NextLevel_EngagesAtThresholdsAndReleasesWithHysteresis(int current, double utilization, int expected)
    {
        Assert.Equal(expected, LoadMonitor.NextLevel(current, utilization, new LoadOptions()));
    }
}
