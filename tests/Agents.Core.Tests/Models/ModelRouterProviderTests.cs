using Agents.Core.Contracts;
using Agents.Core.Models;
using Agents.Testing;

namespace Agents.Core.Tests.Models;

/// <summary>The real OpenAI and Azure OpenAI clients over loopback: what goes on the wire, and what the call costs.</summary>
[Collection(ModelRouterCollection.Name)]
public sealed class ModelRouterProviderTests(ModelRouterFixture fixture)
{
    [Fact]
    public async Task CompleteAsync_OpenAICompatibleProvider_SendsModelMessagesAndCapToChatCompletions()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync();
        server.Enqueue(ScriptedReply.Answer("The turn fixed the invoice rounding."));
        await using RouterUnderTest router = fixture.Start(new ModelSettings()
            .OpenAICompatible("oai", server)
            .Candidate(ModelTier.Small, "oai", "gpt-4o-mini"));
        SessionMetadata session = ModelCalls.Session();

        ModelResponse response = await router.Gateway.CompleteAsync(ModelCalls.Ask(session, "What did the turn do?", maxOutputTokens: 300));

        Assert.Equal("The turn fixed the invoice rounding.", response.Text);
        Assert.Equal("oai", response.Info.Provider);
        RecordedChatRequest sent = Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", sent.Path);
        Assert.Equal("gpt-4o-mini", sent.Model);
        Assert.Equal(
            [new RecordedMessage("system", ModelCalls.SystemPrompt), new RecordedMessage("user", "What did the turn do?")],
            sent.Messages);
        Assert.Equal(300, sent.MaxTokens);
        Assert.Equal("text", sent.ResponseFormatType);
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task CompleteAsync_PromptCarryingSecretsFromToolOutput_SendsThemRedacted()
    {
        // A file the turn read and the output of its tests, as draft_patch and the summary hand them to the model.
        await using var server = await ScriptedOpenAIServer.StartAsync();
        server.Enqueue(ScriptedReply.Answer("Rotate the keys."));
        await using RouterUnderTest router = fixture.Start(new ModelSettings()
            .OpenAICompatible("oai", server)
            .Candidate(ModelTier.Small, "oai", "gpt-4o-mini"));
        string prompt = $"Draft the fix.\n[read · read_file]\n{SecretsCorpus.Text("# config/settings.py")}\n[test · run_tests]\nFAIL: login with token: {SecretsCorpus.Values["github"]}";

        await router.Gateway.CompleteAsync(ModelCalls.Ask(ModelCalls.Session(), prompt));

        string sent = string.Join("\n", Assert.Single(server.Requests).Messages.Select(m => m.Content));
        Assert.Contains("Draft the fix.", sent);
        Assert.Contains("[api-key]", sent);
        foreach (string kind in new[] { "jwt", "aws", "github", "github-pat", "slack", "openai", "storage-key", "sas-sig", "sql-password", "pem-body" })
        {
            Assert.False(sent.Contains(SecretsCorpus.Values[kind], StringComparison.Ordinal), $"the {kind} secret reached the model");
        }
    }

    [Fact]
    public async Task CompleteAsync_ProviderReportsUsage_CostIsUsageTimesPriceTableAndTokensAreReconciled()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync();
        server.Enqueue(ScriptedReply.Answer("A summary.", promptTokens: 1_234, completionTokens: 567));
        await using RouterUnderTest router = fixture.Start(new ModelSettings()
            .OpenAICompatible("oai", server)
            .Candidate(ModelTier.Small, "oai", "gpt-4o", inputPricePerMillion: 2.50m, outputPricePerMillion: 10.00m));
        SessionMetadata session = ModelCalls.Session();

        ModelResponse response = await router.Gateway.CompleteAsync(ModelCalls.Ask(session));

        const decimal expectedCost = 0.008755m; // (1,234 × 2.50 + 567 × 10.00) / 1,000,000
        Assert.Equal(expectedCost, response.Info.CostUsd);
        Assert.Equal(new TokenUsage(1_234, 567), response.Info.Tokens); // settled on what the provider reported
        Assert.Equal(ModelCalls.CountPrompt(ModelCalls.DefaultPrompt), response.Info.CountedInputTokens); // the router's own count
        Assert.NotEqual(response.Info.Tokens.InputTokens, response.Info.CountedInputTokens);
        Assert.Equal(1, response.Info.Calls);
        EventDraft called = Assert.Single(response.Events.OfEventType(EventTypes.ModelCalled));
        Assert.Equal(expectedCost, called.CostUsd);
        Assert.Equal(new TokenUsage(1_234, 567), called.Tokens);
        Assert.Equal(response.Info.CountedInputTokens.ToString(), called.Inputs!["countedInputTokens"]);
    }

    [Fact]
    public async Task CompleteAsync_AzureOpenAIProvider_SendsToDeploymentRouteWithEntraBearerToken()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync();
        server.Enqueue(ScriptedReply.Answer("Answered by the Azure deployment.", promptTokens: 40, completionTokens: 8));
        await using RouterUnderTest router = fixture.Start(new ModelSettings()
            .AzureOpenAI("aoai", server)
            .Candidate(ModelTier.Small, "aoai", "gpt-4o-mini", deployment: "summarizer-prod", inputPricePerMillion: 0.15m, outputPricePerMillion: 0.60m));
        SessionMetadata session = ModelCalls.Session();

        ModelResponse response = await router.Gateway.CompleteAsync(ModelCalls.Ask(session, "What did the turn do?", maxOutputTokens: 200));

        Assert.Equal("Answered by the Azure deployment.", response.Text);
        Assert.Equal("aoai", response.Info.Provider);
        Assert.Equal(new TokenUsage(40, 8), response.Info.Tokens);
        RecordedChatRequest sent = Assert.Single(server.Requests);
        Assert.Equal("/openai/deployments/summarizer-prod/chat/completions", sent.Path);
        Assert.Equal("summarizer-prod", sent.Deployment);
        Assert.False(string.IsNullOrEmpty(sent.ApiVersion), "the Azure OpenAI client sends an api-version");
        Assert.Equal($"Bearer {StaticAzureCredentials.Token}", sent.Authorization);
        Assert.Null(sent.ApiKey);
        Assert.Equal("What did the turn do?", sent.Messages[^1].Content);
        Assert.Equal(200, sent.MaxTokens);
    }
}
