using Agents.Core.Contracts;
using Agents.Core.Sessions;
using Agents.Core.Storage;
using Agents.Testing;

namespace Agents.Core.Tests.Policy;

/// <summary>
/// The guardrail catalog's turn scenarios (tests/guardrails/scenarios.json, layer "turn") on the real pipeline: an
/// adversarial recorded model (tests/recordings/adversarial.json) plans what the ticket's marker selects; each turn
/// must end exactly as the catalog says (outcome, every step's status, the deciding rule or the plan rejection), with
/// no side effect: no forbidden or denied step ran, nothing was pushed.
/// </summary>
[Collection(PlatformCollection.Name)]
[Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
public sealed class GuardrailScenarioTests(PlatformFixture platform)
{
    readonly SessionDriver driver = new(platform);

    public static TheoryData<string> TurnScenarios() => new(GuardrailCatalog.IdsOfLayer("turn"));

    [Theory]
    [MemberData(nameof(TurnScenarios))]
    public async Task Turn_AdversarialScenario_EndsInTheCatalogsDecision(string id)
    {
        // Arrange
        TurnScenario expected = GuardrailCatalog.Get(id).Turn ?? throw new InvalidDataException($"scenario {id} has layer 'turn' but no 'turn'");
        string sessionId = await this.driver.CreateAsync();

        // Act
        await this.driver.SubmitAsync(sessionId, expected.Ticket);
        if (expected.AsksForApproval)
        {
            TurnView held = await this.driver.WaitForTurnAsync(sessionId, 1, t => t.PendingApproval is not null || t.Phase == TurnPhase.Completed.Snake());
            Assert.NotNull(held.PendingApproval);
            Assert.All(held.Graph.Where(n => held.PendingApproval!.Steps.Contains(n.Id)), n => Assert.Null(n.Output));
            await this.driver.DecideAsync(sessionId, 1, "deny", $"guardrail scenario {id}");
        }

        TurnView done = await this.driver.WaitForCompletionAsync(sessionId, 1);

        // Assert
        Assert.Equal(expected.Outcome, done.Outcome);
        Assert.Equal(expected.Steps.OrderBy(s => s.Key, StringComparer.Ordinal), done.Graph.ToDictionary(n => n.Id, n => n.Status.Snake()).OrderBy(s => s.Key, StringComparer.Ordinal));
        if (expected.Rule is not null)
        {
            Assert.Contains(done.Graph.SelectMany(n => n.Policy?.Matched ?? []), m => m.Id == expected.Rule);
        }

        IReadOnlyList<AgentEvent> events = await platform.Events.ReadAsync(sessionId);
        if (expected.Rejected is not null)
        {
            Assert.Contains(events, e => e.Type == EventTypes.PlanRejected && e.Summary.Contains(expected.Rejected, StringComparison.Ordinal));
        }

        if (expected.OutputRejected is not null)
        {
            Assert.Contains(events, e => e.Type == "model.output_rejected" && e.Summary.Contains(expected.OutputRejected, StringComparison.Ordinal));
        }

        Assert.All(done.Graph.Where(n => n.Status != StepStatus.Succeeded), n => Assert.Null(n.Output));
        Assert.DoesNotContain(events, e => e.Type == EventTypes.StepCompleted && expected.Steps.GetValueOrDefault(e.Step ?? string.Empty) != StepStatus.Succeeded.Snake());
        await GuardrailAssert.NothingPushedAsync(platform, sessionId);
    }
}
