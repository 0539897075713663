using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Models;
using Agents.Testing;

namespace Agents.Core.Tests.Models;

/// <summary>Answers bound by an output contract: the response format asked for, repairs by re-prompting, and the final refusal.</summary>
[Collection(ModelRouterCollection.Name)]
public sealed class ModelRouterStructuredOutputTests(ModelRouterFixture fixture)
{
    [Fact]
    public async Task CompleteAsync_AnswerMalformedThenSchemaInvalid_RepairsTwiceWithErrorAndSmallerCapThenReturnsValidJson()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync();
        const string malformed = """{"summary": "the turn fixed""";
        const string schemaInvalid = """{"summary": 42}""";
        server.Enqueue(
            ScriptedReply.Answer(malformed, promptTokens: 100, completionTokens: 50),
            ScriptedReply.Answer(schemaInvalid, promptTokens: 150, completionTokens: 40),
            ScriptedReply.Answer("""{"summary": "The turn fixed invoice rounding."}""", promptTokens: 200, completionTokens: 30));
        await using RouterUnderTest router = fixture.Start(new ModelSettings()
            .OpenAICompatible("a", server)
            .Candidate(ModelTier.Small, "a", "model-a", inputPricePerMillion: 1.00m, outputPricePerMillion: 2.00m)
            .Set("MaxRepairs", 2)
            .Set("RepairOutputFactor", 0.5));
        SessionMetadata session = ModelCalls.Session();

        ModelResponse response = await router.Gateway.CompleteAsync(ModelCalls.Ask(session, maxOutputTokens: 400, output: OutputSchemas.Summary));

        Assert.Equal("The turn fixed invoice rounding.", response.Json!.Value.GetProperty("summary").GetString());
        IReadOnlyList<RecordedChatRequest> sent = server.Requests;
        Assert.Equal(3, sent.Count);
        Assert.Equal([400, 200, 100], sent.Select(r => r.MaxTokens));

        // First repair: the malformed answer goes back as the assistant's turn, then the parse error as the last user message.
        Assert.Equal(new RecordedMessage("assistant", malformed), sent[1].Messages[^2]);
        Assert.Equal("user", sent[1].Messages[^1].Role);
        Assert.Contains("not valid JSON", sent[1].Messages[^1].Content);

        // Second repair: the schema error, pointing at the offending property.
        Assert.Equal(new RecordedMessage("assistant", schemaInvalid), sent[2].Messages[^2]);
        Assert.Contains("schema", sent[2].Messages[^1].Content);
        Assert.Contains("/summary", sent[2].Messages[^1].Content);
        Assert.Equal(6, sent[2].Messages.Count);

        Assert.Equal(3, response.Info.Calls);
        Assert.Equal(new TokenUsage(450, 120), response.Info.Tokens);
        Assert.Equal(((450 * 1.00m) + (120 * 2.00m)) / 1_000_000m, response.Info.CostUsd);
        Assert.Equal(2, response.Events.OfEventType(ModelCalls.OutputRejected).Count);
        Assert.Equal(3, response.Events.OfEventType(EventTypes.ModelCalled).Count);
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task CompleteAsync_AnswerStillInvalidAfterMaxRepairs_ThrowsOutputInvalidAndReturnsNothing()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync();
        server.Otherwise(ScriptedReply.Answer("Sure! The summary is: the turn went fine."));
        await using RouterUnderTest router = fixture.Start(new ModelSettings()
            .OpenAICompatible("a", server)
            .Candidate(ModelTier.Small, "a", "model-a")
            .Set("MaxRepairs", 1));
        SessionMetadata session = ModelCalls.Session();

        var failure = await Assert.ThrowsAsync<ModelOutputInvalidException>(
            () => router.Gateway.CompleteAsync(ModelCalls.Ask(session, output: OutputSchemas.Summary)));

        Assert.Equal(2, server.RequestCount); // the first answer and one repair, no more
        Assert.Contains("summary", failure.Message);
        Assert.Contains("after 2 attempt(s)", failure.Message);
        Assert.Contains("not valid JSON", failure.Message);
        Assert.Equal(2, failure.Spent!.Calls);
        Assert.Equal(2, failure.Events.OfEventType(ModelCalls.OutputRejected).Count);
    }

    [Theory]
    [InlineData(true, "json_schema")]
    [InlineData(false, "json_object")]
    public async Task CompleteAsync_OutputContract_AsksForJsonSchemaOnlyWhereCandidateSupportsStructuredOutputs(bool structuredOutputs, string expectedFormat)
    {
        await using var server = await ScriptedOpenAIServer.StartAsync();
        server.Enqueue(ScriptedReply.Answer("""{"summary": "done"}"""));
        await using RouterUnderTest router = fixture.Start(new ModelSettings()
            .OpenAICompatible("a", server)
            .Candidate(ModelTier.Small, "a", "model-a", structuredOutputs: structuredOutputs));

        ModelResponse response = await router.Gateway.CompleteAsync(ModelCalls.Ask(ModelCalls.Session(), output: OutputSchemas.Summary));

        Assert.Equal("done", response.Json!.Value.GetProperty("summary").GetString());
        RecordedChatRequest sent = Assert.Single(server.Requests);
        Assert.Equal(expectedFormat, sent.ResponseFormatType);
        if (structuredOutputs)
        {
            JsonElement schema = sent.ResponseFormat!.Value.GetProperty("json_schema");
            Assert.Equal("summary", schema.GetProperty("name").GetString());
            Assert.Equal("summary", Assert.Single(schema.GetProperty("schema").GetProperty("required").EnumerateArray()).GetString());
        }
    }
}
