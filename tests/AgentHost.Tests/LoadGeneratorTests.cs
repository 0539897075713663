using AgentCli;
using Agents.Core.Sessions;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>
/// The load generator of <c>agent load</c>, small, against a real host process with a low turn capacity and an offline
/// model that takes time: some turns are shed with 429 + Retry-After, every accepted turn still finishes, and each
/// session's log holds each accepted turn exactly once and nothing of a shed one.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class LoadGeneratorTests : IAsyncLifetime
{
    TestEnvironment? environment;
    HostProcess? host;
    string keyFile = string.Empty;

    public async Task InitializeAsync()
    {
        this.environment = await TestEnvironment.StartAsync();
        Dictionary<string, string?> settings = this.environment.Settings(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "InMemory",
            ["Backpressure:TurnCapacity"] = "2",
            ["Backpressure:SampleSeconds"] = "0.2",
            ["Backpressure:RetryAfterSeconds"] = "1",
            ["Models:Providers:offline:Kind"] = "Offline",
            ["Models:Providers:offline:LatencyMs"] = "150",
            ["Models:Providers:offline:LatencyJitterMs"] = "50",
        });
        this.keyFile = settings["Auth:DevIssuer:KeyFile"]!;
        this.host = await HostProcess.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await this.host!.DisposeAsync();
        await this.environment!.DisposeAsync();
    }

    [Fact]
    public async Task Run_OverCapacity_ShedsWith429AndEveryAcceptedTurnIsFinalAndLoggedExactlyOnce()
    {
        // Arrange: 12 users starting over 3 s against a capacity of 2 turns in flight.
        using AgentClient client = AgentClient.For(this.host!.Address.ToString(), new Caller("load", "contoso", ["approver"]), this.keyFile);
        var settings = new LoadSettings(
            Sessions: 12, TurnsPerSession: 1, Duration: TimeSpan.FromSeconds(8), DrainTimeout: TimeSpan.FromSeconds(120),
            MaxRetries: 1, MaxRetryWait: TimeSpan.FromSeconds(5), Poll: TimeSpan.FromMilliseconds(100), Ramp: TimeSpan.FromSeconds(3), Input: Api.Ticket101);

        // Act
        using var progress = new StringWriter();
        LoadReport report = await new LoadGenerator(client, settings, TextWriter.Synchronized(progress)).RunAsync("ci", CancellationToken.None);

        // Assert
        Assert.All(report.Checks, check => Assert.True(check.Passed, $"{check.Name}: {check.Detail}\n{LoadReportText.Markdown(report)}\n{progress}"));
        Assert.True(report.ShedResponses > 0, $"nothing was shed\n{LoadReportText.Markdown(report)}");
        Assert.All(report.Shed, shed => Assert.Equal("The platform is shedding load", shed.Problem));
        Assert.Equal(0, report.ShedWithoutRetryAfter);
        Assert.Equal(report.Accepted, report.Final);
        Assert.Equal(report.Accepted, report.CompletionMs.Count);
        Assert.Equal(12, report.SessionsOpened);
        Assert.Contains(report.Timeline, sample => sample.Level == 3);
    }
}

/// <summary>The generator refuses what it must not do, before sending anything.</summary>
public sealed class LoadGeneratorGuardTests
{
    [Theory]
    [InlineData("http://127.0.0.1:7071/", true)]
    [InlineData("http://localhost:7071/", true)]
    [InlineData("http://[::1]:7071/", true)]
    [InlineData("http://10.1.2.3:7071/", false)]
    [InlineData("https://agents.example.com/", false)]
    public void RefuseUnlessLoopback_OnlyThisMachine(string host, bool allowed)
    {
        string? refusal = LoadGenerator.RefuseUnlessLoopback(new Uri(host));

        Assert.Equal(allowed, refusal is null);
    }

    [Fact]
    public async Task Run_NonLoopbackHost_RefusesBeforeSendingAnything()
    {
        using AgentClient client = AgentClient.For("http://10.1.2.3:7071", new Caller("load", "contoso", ["approver"]));
        var settings = new LoadSettings(1, 1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 0, TimeSpan.Zero, TimeSpan.FromMilliseconds(100), TimeSpan.Zero, "x");

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => new LoadGenerator(client, settings, TextWriter.Null).RunAsync("ci", CancellationToken.None));

        Assert.Contains("not a loopback address", refused.Message);
    }

    [Theory]
    [InlineData(0, 1, 10, 0, "--sessions")]
    [InlineData(5, 0, 10, 0, "--turns")]
    [InlineData(5, 1, 0, 0, "--duration")]
    [InlineData(5, 1, 10, 10, "--ramp")]
    public void Problem_OutOfRange_NamesTheOption(int sessions, int turns, int durationSeconds, int rampSeconds, string option)
    {
        var settings = new LoadSettings(sessions, turns, TimeSpan.FromSeconds(durationSeconds), TimeSpan.FromSeconds(30), 1, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(rampSeconds), "ticket");

        Assert.StartsWith(option, settings.Problem());
    }
}
