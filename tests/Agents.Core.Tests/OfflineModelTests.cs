using Agents.Core.Hosting;
using Agents.Core.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Agents.Core.Tests;

public sealed class OfflineModelTests
{
    static readonly OfflineChatClient Client = OfflineChatClient.Load([Path.Combine(RepositoryPaths.Root, "samples", "recordings")], new TokenCounter());

    [Fact]
    public async Task GetResponse_MostSpecificRecordingWins()
    {
        ChatResponse revised = await Client.GetResponseAsync(Messages("plan", "TICKET-101 ... Reviewer rationale: add docs"));
        ChatResponse first = await Client.GetResponseAsync(Messages("plan", "TICKET-101 please"));

        Assert.Contains("read-readme", revised.Text);
        Assert.DoesNotContain("read-readme", first.Text);
        Assert.Equal("TICKET-101 plan, revised", revised.AdditionalProperties!["offline.recording"]);
    }

    [Fact]
    public async Task GetResponse_ReportsRealTokenCounts()
    {
        ChatResponse response = await Client.GetResponseAsync(Messages("plan", "TICKET-101"));

        Assert.Equal(new TokenCounter().Count(response.Text), response.Usage!.OutputTokenCount);
        Assert.True(response.Usage.InputTokenCount > 0);
    }

    [Theory]
    [InlineData("plan", "an unknown ticket")]
    [InlineData("draft_patch", "nothing recorded")]
    [InlineData("no_such_purpose", "TICKET-101")]
    public async Task GetResponse_NothingMatches_FailsAndSaysItNeverInvents(string purpose, string prompt)
    {
        var failure = await Assert.ThrowsAsync<NoRecordingException>(() => Client.GetResponseAsync(Messages(purpose, prompt)));

        Assert.Contains("never invents", failure.Message);
        Assert.Contains(purpose, failure.Message);
    }

    [Fact]
    public async Task GetResponse_WithLatency_AnswersOnlyWhenTheModelTimeHasPassed()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var slow = new OfflineChatClient(Client.Recordings, new TokenCounter(), new OfflineLatency(TimeSpan.FromMilliseconds(200), TimeSpan.Zero, clock));

        // Act
        Task<ChatResponse> answer = slow.GetResponseAsync(Messages("plan", "TICKET-101"));
        clock.Advance(TimeSpan.FromMilliseconds(199));
        bool earlyDone = answer.IsCompleted;
        clock.Advance(TimeSpan.FromMilliseconds(1));
        ChatResponse response = await answer.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        Assert.False(earlyDone, "the answer came before the configured model time");
        Assert.StartsWith("TICKET-101 plan", (string)response.AdditionalProperties!["offline.recording"]!);
    }

    [Fact]
    public async Task GetResponse_CancelledWhileWaiting_Throws()
    {
        // Arrange
        var slow = new OfflineChatClient(Client.Recordings, new TokenCounter(), new OfflineLatency(TimeSpan.FromMinutes(10), TimeSpan.Zero, new FakeTimeProvider()));
        using var cancel = new CancellationTokenSource();

        // Act
        Task<ChatResponse> answer = slow.GetResponseAsync(Messages("plan", "TICKET-101"), cancellationToken: cancel.Token);
        await cancel.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => answer.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData(0.0, 150)]
    [InlineData(0.5, 200)]
    [InlineData(0.999999, 250)]
    public void Next_Jitter_SpreadsUniformlyAroundTheMean(double unit, int expectedMs)
    {
        var latency = new OfflineLatency(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(50), TimeProvider.System);

        Assert.Equal(expectedMs, latency.Next(unit).TotalMilliseconds, precision: 0);
    }

    [Fact]
    public void Next_JitterWiderThanTheMean_NeverNegative()
    {
        var latency = new OfflineLatency(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50), TimeProvider.System);

        Assert.Equal(TimeSpan.Zero, latency.Next(0));
    }

    static List<ChatMessage> Messages(string purpose, string user) =>
        [new(ChatRole.System, $"{OfflineChatClient.PurposePrefix}{purpose}\nrules"), new(ChatRole.User, user)];
}
