using AgentCli.Chaos;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>
/// The crash-recovery run (<c>agent chaos</c>, <c>scripts/chaos.sh</c>) in small: the same driver kills the portable host
/// on Azurite four times, once in each phase (a run_tests job running, a turn waiting for approval, an event-log append,
/// a random moment), restarts it on the same task hub, and every turn still completes exactly once with each side
/// effect exactly once.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    TestEnvironment? environment;
    string? work;

    public async Task InitializeAsync() => this.environment = await TestEnvironment.StartAsync();

    public async Task DisposeAsync()
    {
        await this.environment!.DisposeAsync();
        if (this.work is not null && Directory.Exists(this.work))
        {
            Directory.Delete(this.work, recursive: true);
        }
    }

    [Fact]
    public async Task Host_KilledInEachPhase_EveryTurnCompletesOnceAndNoSideEffectRepeats()
    {
        this.work = Directory.CreateTempSubdirectory("agentfn-chaos-").FullName;
        var plan = new ChaosPlan(
            Kills: 4,
            Seed: 20261126,
            HostDll: Path.Combine(AppContext.BaseDirectory, "AgentHost.dll"),
            WorkDirectory: Path.Combine(this.work, "run"),
            TicketText: Api.Ticket101,
            Settings: this.environment!.Settings(ChaosPlan.EngineSettings("chaos" + Guid.NewGuid().ToString("N")[..8])))
        {
            Sessions = 2,
            TurnsPerSession = 2,
            RandomKillMs = (300, 2000),
            MaxExitAppend = 6,

            // Only a safety net: each phase's moment comes within seconds on an idle machine (a first turn is slower).
            PhaseWait = TimeSpan.FromMinutes(3),
            FinishWithin = TimeSpan.FromMinutes(4),
        };

        ChaosReport report = await new ChaosDriver(plan, TextWriter.Null).RunAsync(CancellationToken.None);

        Assert.True(report.Passed, report.Markdown());
        Assert.Equal(4, report.Restarts);
        Assert.All([KillPhase.Tool, KillPhase.Approval, KillPhase.Append], phase => Assert.Equal(1, report.KillsIn(phase)));
        Assert.NotEmpty(report.Turns);
    }
}
