using Agents.Core.Hosting;
using Agents.Core.Models;
using Microsoft.Extensions.AI;

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

    static List<ChatMessage> Messages(string purpose, string user) =>
        [new(ChatRole.System, $"{OfflineChatClient.PurposePrefix}{purpose}\nrules"), new(ChatRole.User, user)];
}
