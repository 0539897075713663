using System.Diagnostics;
using Agents.Core.Contracts;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Agents.Core.Models;

/// <summary>A model call as the pipeline asks for it: what for, which tier, the messages and the output cap.</summary>
public sealed record ModelRequest(string Purpose, ModelTier Tier, IReadOnlyList<ChatMessage> Messages, int MaxOutputTokens, bool JsonOutput);

public sealed record ModelResponse(string Text, ModelCallInfo Info);

/// <summary>Every model call goes through here. The router issue adds candidates, failover, budgets and validation.</summary>
public interface IModelGateway
{
    Task<ModelResponse> CompleteAsync(ModelRequest request, CancellationToken cancellationToken = default);
}

public sealed class ModelGateway(IChatClientProvider providers, TokenCounter tokens, IOptions<ModelOptions> options) : IModelGateway
{
    public async Task<ModelResponse> CompleteAsync(ModelRequest request, CancellationToken cancellationToken = default)
    {
        (IChatClient client, string provider, string model) = providers.For(request.Tier);
        var chatOptions = new ChatOptions
        {
            ModelId = model,
            MaxOutputTokens = request.MaxOutputTokens,
            Temperature = 0,
            ResponseFormat = request.JsonOutput ? ChatResponseFormat.Json : ChatResponseFormat.Text,
        };

        long started = Stopwatch.GetTimestamp();
        ChatResponse response = await client.GetResponseAsync(request.Messages, chatOptions, cancellationToken).ConfigureAwait(false);
        long latencyMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        string text = response.Text;
        int input = (int?)response.Usage?.InputTokenCount ?? tokens.Count(string.Join("\n", request.Messages.Select(m => m.Text)));
        int output = (int?)response.Usage?.OutputTokenCount ?? tokens.Count(text);
        string servedBy = response.ModelId ?? model;
        return new ModelResponse(text, new ModelCallInfo(provider, servedBy, new TokenUsage(input, output), latencyMs, this.Cost(model, input, output)));
    }

    decimal Cost(string model, int input, int output)
    {
        ModelOptions settings = options.Value;
        decimal inPrice = settings.InputPricePerMillion.GetValueOrDefault(model);
        decimal outPrice = settings.OutputPricePerMillion.GetValueOrDefault(model);
        return ((input * inPrice) + (output * outPrice)) / 1_000_000m;
    }
}
