using Agents.Core.Contracts;
using Agents.Core.Models;
using Agents.Testing;

namespace Agents.Core.Tests.Models;

/// <summary>What the router refuses before anything leaves the process: calls over the allotment, data above a provider's clearance.</summary>
[Collection(ModelRouterCollection.Name)]
public sealed class ModelRouterAdmissionTests(ModelRouterFixture fixture)
{
    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    public async Task CompleteAsync_PromptAgainstInputAllotment_RefusedWithoutSendingOnlyWhenItExceeds(int allotmentMinusPrompt, bool refused)
    {
        await using var server = await ScriptedOpenAIServer.StartAsync();
        server.Otherwise(ScriptedReply.Answer("sent"));
        await using RouterUnderTest router = fixture.Start(Single(server));
        SessionMetadata session = ModelCalls.Session();
        var allotment = new TokenAllotment(ModelCalls.CountPrompt(ModelCalls.DefaultPrompt) + allotmentMinusPrompt, 1_000, Backoff: false);

        Exception? failure = await Record.ExceptionAsync(() => router.Gateway.CompleteAsync(ModelCalls.Ask(session, allotment: allotment)));

        if (refused)
        {
            var refusal = Assert.IsType<ModelCallRefusedException>(failure);
            Assert.Equal(RefusalKind.BudgetExceeded, refusal.Kind);
            Assert.Null(refusal.Spent);
            Assert.Equal(0, server.RequestCount);
            Assert.Single(refusal.Events.OfEventType("budget.refused"));
        }
        else
        {
            Assert.Null(failure);
            Assert.Equal(1, server.RequestCount);
        }
    }

    [Theory]
    [InlineData(ModelRouter.MinimumOutputTokens - 1, true)]
    [InlineData(ModelRouter.MinimumOutputTokens, false)]
    public async Task CompleteAsync_OutputAllotmentAgainstMinimum_RefusedWithoutSendingOnlyBelowIt(int outputTokens, bool refused)
    {
        await using var server = await ScriptedOpenAIServer.StartAsync();
        server.Otherwise(ScriptedReply.Answer("sent"));
        await using RouterUnderTest router = fixture.Start(Single(server));
        SessionMetadata session = ModelCalls.Session();

        Exception? failure = await Record.ExceptionAsync(() => router.Gateway.CompleteAsync(
            ModelCalls.Ask(session, maxOutputTokens: 500, allotment: new TokenAllotment(8_000, outputTokens, Backoff: false))));

        if (refused)
        {
            Assert.Equal(RefusalKind.BudgetExceeded, Assert.IsType<ModelCallRefusedException>(failure).Kind);
            Assert.Equal(0, server.RequestCount);
        }
        else
        {
            Assert.Null(failure);
            Assert.Equal(outputTokens, Assert.Single(server.Requests).MaxTokens);
        }
    }

    [Fact]
    public async Task CompleteAsync_RepairPromptExceedsWhatIsLeftOfInputAllotment_RefusedBeforeSendingTheRepair()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync();
        server.Otherwise(ScriptedReply.Answer("not json", promptTokens: 1, completionTokens: 5));
        await using RouterUnderTest router = fixture.Start(Single(server));
        SessionMetadata session = ModelCalls.Session();

        // Room for the first prompt and a few tokens more, but not for the repair, which adds the bad answer and the error.
        var allotment = new TokenAllotment(ModelCalls.CountPrompt(ModelCalls.DefaultPrompt) + 10, 1_000, Backoff: false);
        var refusal = await Assert.ThrowsAsync<ModelCallRefusedException>(
            () => router.Gateway.CompleteAsync(ModelCalls.Ask(session, allotment: allotment, output: OutputSchemas.Summary)));

        Assert.Equal(RefusalKind.BudgetExceeded, refusal.Kind);
        Assert.Equal(1, server.RequestCount);
        Assert.Equal(1, refusal.Spent!.Calls);
        Assert.Equal(new TokenUsage(1, 5), refusal.Spent.Tokens);
    }

    [Theory]
    [InlineData(500, 200, 200)]
    [InlineData(100, 1_000, 100)]
    public async Task CompleteAsync_OutputCapSent_IsSmallerOfRequestAndAllotment(int requested, int allotted, int expected)
    {
        await using var server = await ScriptedOpenAIServer.StartAsync();
        server.Enqueue(ScriptedReply.Answer("sent"));
        await using RouterUnderTest router = fixture.Start(Single(server));

        await router.Gateway.CompleteAsync(ModelCalls.Ask(ModelCalls.Session(), maxOutputTokens: requested, allotment: new TokenAllotment(8_000, allotted, Backoff: false)));

        Assert.Equal(expected, Assert.Single(server.Requests).MaxTokens);
    }

    [Theory]
    [InlineData(DataSensitivity.Confidential, null)]
    [InlineData(DataSensitivity.Confidential, DataSensitivity.Public)] // a request never lowers the session's sensitivity
    [InlineData(DataSensitivity.Internal, DataSensitivity.Confidential)] // but may raise it
    public async Task CompleteAsync_ConfidentialData_SkipsCandidateClearedOnlyForInternal(DataSensitivity session, DataSensitivity? request)
    {
        await using var internalOnly = await ScriptedOpenAIServer.StartAsync();
        await using var confidential = await ScriptedOpenAIServer.StartAsync();
        internalOnly.Otherwise(ScriptedReply.Answer("from the internal-only provider"));
        confidential.Otherwise(ScriptedReply.Answer("from the confidential provider"));
        await using RouterUnderTest router = fixture.Start(new ModelSettings()
            .OpenAICompatible("internal", internalOnly)
            .OpenAICompatible("confidential", confidential)
            .Candidate(ModelTier.Small, "internal", "model-a", maxSensitivity: DataSensitivity.Internal)
            .Candidate(ModelTier.Small, "confidential", "model-b", maxSensitivity: DataSensitivity.Confidential));
        SessionMetadata metadata = ModelCalls.Session(session);

        ModelResponse response = await router.Gateway.CompleteAsync(ModelCalls.Ask(metadata, sensitivity: request));

        Assert.Equal("from the confidential provider", response.Text);
        Assert.Equal(0, internalOnly.RequestCount);
        Assert.Equal(1, confidential.RequestCount);
        EventDraft called = Assert.Single(response.Events.OfEventType(EventTypes.ModelCalled));
        Assert.Equal("confidential", called.Inputs!["sensitivity"]);
    }

    [Fact]
    public async Task CompleteAsync_NoCandidateClearedForSensitivity_RefusesAsNoEligibleProviderWithoutSending()
    {
        await using var internalOnly = await ScriptedOpenAIServer.StartAsync();
        await using var confidential = await ScriptedOpenAIServer.StartAsync();
        internalOnly.Otherwise(ScriptedReply.Answer("from the internal-only provider"));
        confidential.Otherwise(ScriptedReply.Answer("from the confidential provider"));
        await using RouterUnderTest router = fixture.Start(new ModelSettings()
            .OpenAICompatible("internal", internalOnly)
            .OpenAICompatible("confidential", confidential)
            .Candidate(ModelTier.Small, "internal", "model-a", maxSensitivity: DataSensitivity.Internal)
            .Candidate(ModelTier.Small, "confidential", "model-b", maxSensitivity: DataSensitivity.Confidential));
        SessionMetadata session = ModelCalls.Session(DataSensitivity.Restricted);

        var refusal = await Assert.ThrowsAsync<ModelCallRefusedException>(() => router.Gateway.CompleteAsync(ModelCalls.Ask(session)));

        Assert.Equal(RefusalKind.NoEligibleProvider, refusal.Kind);
        Assert.Contains("restricted", refusal.Message);
        Assert.Equal(0, internalOnly.RequestCount);
        Assert.Equal(0, confidential.RequestCount);
        Assert.Single(refusal.Events.OfEventType("model.refused"));
    }

    static ModelSettings Single(ScriptedOpenAIServer server) => new ModelSettings()
        .OpenAICompatible("a", server)
        .Candidate(ModelTier.Small, "a", "model-a");
}
