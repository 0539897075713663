using Agents.Core.Contracts;

namespace Agents.Core.Tests.Policy;

/// <summary>Side effects a guardrail scenario must not have had.</summary>
public static class GuardrailAssert
{
    /// <summary>No pull request was opened for the session in the local remote and no publishing step completed.</summary>
    public static async Task NothingPushedAsync(PlatformFixture platform, string sessionId)
    {
        string pulls = Path.Combine(platform.RemotesRoot, "inventory-service.pulls");
        Assert.False(Directory.Exists(pulls) && Directory.EnumerateFiles(pulls, $"*{sessionId}*").Any(), "a pull request was opened");
        var events = await platform.Events.ReadAsync(sessionId);
        Assert.DoesNotContain(events, e => e.Step == "pr" && e.Type == EventTypes.StepCompleted);
    }
}
