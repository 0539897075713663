using System.Diagnostics;
using Agents.Core.Models;
using Agents.Testing;
using Microsoft.Extensions.AI;

namespace Agents.Core.Tests.Models;

/// <summary>The SDK clients behind the router, as the platform configures them.</summary>
[Collection(ModelRouterCollection.Name)]
public sealed class ProviderClientsTests(ModelRouterFixture fixture)
{
    /// <summary>
    /// The router's per-attempt timeout must be what ends a slow attempt: it is classified as a timeout and fails over.
    /// When the SDK's own network timeout ended it first, its TaskCanceledException escaped the router as a
    /// cancellation, with no failover (seen intermittently while both were set to the same value).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task For_SlowProvider_SdkNetworkTimeoutLeavesTheRoutersAttemptTimeoutTimeToFire(bool azure)
    {
        await using var server = await ScriptedOpenAIServer.StartAsync();
        server.Enqueue(ScriptedReply.Answer("warm-up")).Otherwise(ScriptedReply.Answer("too late").After(TimeSpan.FromSeconds(10)));
        await WarmUpAsync(server, azure); // a cold SDK's first call can take most of a second: keep JIT out of the measurement
        var settings = new ModelSettings().Set("Resilience:AttemptTimeoutSeconds", 0.5);
        settings = azure ? settings.AzureOpenAI("p", server) : settings.OpenAICompatible("p", server);
        await using RouterUnderTest router = fixture.Start(settings.Candidate(ModelTier.Small, "p", "model-a"));
        IChatClient client = router.Clients.For(router.Options.CandidatesFor(ModelTier.Small)[0]);
        TimeSpan attemptTimeout = TimeSpan.FromSeconds(router.Options.Resilience.AttemptTimeoutSeconds);
        using var safety = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();

        Exception? failure = await Record.ExceptionAsync(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: safety.Token));

        Assert.IsAssignableFrom<OperationCanceledException>(failure);
        Assert.True(
            clock.Elapsed >= attemptTimeout + TimeSpan.FromSeconds(0.25),
            $"the SDK gave up on its own after {clock.Elapsed.TotalSeconds:0.00} s, racing the router's {attemptTimeout.TotalSeconds} s attempt timeout: {failure!.Message}");
    }

    async Task WarmUpAsync(ScriptedOpenAIServer server, bool azure)
    {
        var settings = new ModelSettings().Set("Resilience:AttemptTimeoutSeconds", 30);
        settings = azure ? settings.AzureOpenAI("p", server) : settings.OpenAICompatible("p", server);
        await using RouterUnderTest router = fixture.Start(settings.Candidate(ModelTier.Small, "p", "model-a"));
        await router.Clients.For(router.Options.CandidatesFor(ModelTier.Small)[0]).GetResponseAsync([new ChatMessage(ChatRole.User, "warm up")]);
    }
}
