using Agents.Core.Budgets;
using Agents.Core.Storage;
using Agents.Testing;

namespace Agents.Core.Tests;

/// <summary>The org's daily budget blob under many turns of one org at once, on Azurite.</summary>
public sealed class OrgBudgetTests : IAsyncLifetime
{
    TestEnvironment? environment;

    public async Task InitializeAsync() => this.environment = await TestEnvironment.StartAsync();

    public async Task DisposeAsync() => await this.environment!.DisposeAsync();

    [Fact]
    public async Task TryReserve_SixtyTurnsOfOneOrgAtOnce_EachAnsweredAndTheCapHoldsExactly()
    {
        // Arrange: room for 50 reservations of 100 tokens
        var budget = new BlobOrgBudget(new BlobContainers(Microsoft.Extensions.Options.Options.Create(new StorageOptions
        {
            ConnectionString = this.environment!.Azurite.ConnectionString,
            BudgetsContainer = "budgets-" + Guid.NewGuid().ToString("N")[..10],
        })));
        var day = new DateTime(2026, 11, 26, 0, 0, 0, DateTimeKind.Utc);

        // Act: a load run's burst, every turn of the same org at the same moment
        OrgBudgetRefusal?[] answers = await Task.WhenAll(
            Enumerable.Range(1, 60).Select(i => budget.TryReserveAsync("hot-org", $"s-x:t-{i}", day, tokens: 100, dailyLimit: 5_000)));

        // Assert: no request failed on the race for the blob, and exactly the cap was reserved
        Assert.Equal(50, answers.Count(a => a is null));
        Assert.Equal(10, answers.Count(a => a is not null));
    }
}
