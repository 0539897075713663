using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Agents.Core.Models;

/// <summary>A recorded model output and the conditions under which it is served.</summary>
public sealed record Recording(string Name, string Purpose, IReadOnlyList<string> WhenAll, IReadOnlyList<string> WhenNone, string Model, string Response)
{
    /// <summary>More conditions means more specific; the most specific match wins.</summary>
    public int Specificity => this.WhenAll.Count + this.WhenNone.Count;

    public bool Matches(string purpose, string prompt) =>
        string.Equals(this.Purpose, purpose, StringComparison.OrdinalIgnoreCase)
        && this.WhenAll.All(s => prompt.Contains(s, StringComparison.OrdinalIgnoreCase))
        && !this.WhenNone.Any(s => prompt.Contains(s, StringComparison.OrdinalIgnoreCase));
}

public sealed class NoRecordingException(string message) : InvalidOperationException(message);

/// <summary>
/// How long the offline model takes to answer, so load runs see realistic model time: <see cref="Mean"/> plus a
/// uniform ±<see cref="Jitter"/>, never below zero. Zero by default (answers at once).
/// </summary>
public sealed record OfflineLatency(TimeSpan Mean, TimeSpan Jitter, TimeProvider Clock)
{
    public static readonly OfflineLatency None = new(TimeSpan.Zero, TimeSpan.Zero, TimeProvider.System);

    public static OfflineLatency From(ProviderOptions provider, TimeProvider clock) =>
        new(TimeSpan.FromMilliseconds(provider.LatencyMs), TimeSpan.FromMilliseconds(provider.LatencyJitterMs), clock);

    /// <summary>One call's delay; <paramref name="unit"/> in [0, 1) picks where in the jitter band it falls.</summary>
    public TimeSpan Next(double unit) =>
        TimeSpan.FromTicks(Math.Max(0, this.Mean.Ticks + (long)((2 * unit - 1) * this.Jitter.Ticks)));

    /// <summary>Waits one call's delay on <see cref="Clock"/>; cancellable like a real model call.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        TimeSpan delay = this.Next(Random.Shared.NextDouble());
        return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, this.Clock, cancellationToken);
    }
}

/// <summary>
/// The offline provider: answers only with outputs recorded for the bundled sample tasks, matched on the prompt's
/// purpose line and the recording's conditions. When nothing matches it fails with a message saying so; it never invents.
/// Usage is counted with the real tokenizer. It answers after <see cref="OfflineLatency"/> (none by default).
/// </summary>
public sealed class OfflineChatClient(IReadOnlyList<Recording> recordings, TokenCounter tokens, OfflineLatency? latency = null) : IChatClient
{
    public const string PurposePrefix = "purpose: ";

    public IReadOnlyList<Recording> Recordings => recordings;

    public static OfflineChatClient Load(IEnumerable<string> paths, TokenCounter tokens, OfflineLatency? latency = null)
    {
        var all = new List<Recording>();
        foreach (string path in paths)
        {
            IEnumerable<string> files = Directory.Exists(path)
                ? Directory.EnumerateFiles(path, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                : File.Exists(path) ? [path] : throw new FileNotFoundException($"offline model recordings not found at '{path}' (Models:Recordings)");
            foreach (string file in files)
            {
                all.AddRange(Parse(File.ReadAllText(file), file));
            }
        }

        return new OfflineChatClient(all, tokens, latency);
    }

    public static IReadOnlyList<Recording> Parse(string json, string source)
    {
        JsonNode root = JsonNode.Parse(json) ?? throw new InvalidDataException($"{source}: empty recordings file");
        var list = new List<Recording>();
        foreach (JsonNode? item in root["recordings"]?.AsArray() ?? throw new InvalidDataException($"{source}: expected {{\"recordings\": [...]}}"))
        {
            if (item is null)
            {
                continue;
            }

            string name = item["name"]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: a recording has no name");
            string purpose = item["purpose"]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: recording '{name}' has no purpose");
            JsonNode response = item["response"] ?? throw new InvalidDataException($"{source}: recording '{name}' has no response");
            list.Add(new Recording(
                name,
                purpose,
                item["whenAll"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [],
                item["whenNone"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [],
                item["model"]?.GetValue<string>() ?? "offline",
                response is JsonValue v && v.TryGetValue(out string? text) ? text : response.ToJsonString()));
        }

        return list;
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await (latency ?? OfflineLatency.None).WaitAsync(cancellationToken).ConfigureAwait(false);
        var list = messages.ToList();
        string prompt = string.Join("\n", list.Select(m => m.Text));
        string purpose = PurposeOf(list);
        Recording? match = recordings
            .Where(r => r.Matches(purpose, prompt))
            .OrderByDescending(r => r.Specificity)
            .FirstOrDefault();
        if (match is null)
        {
            throw new NoRecordingException(
                $"The offline model has no recorded output for this '{purpose}' request ({recordings.Count} recordings loaded). " +
                "It serves only the bundled sample tasks (samples/tickets) and never invents an answer. " +
                "Use a bundled ticket, add a recording under samples/recordings, or configure a live provider under Models:Providers and Models:Tiers.");
        }

        // Like a live model, stop at the output cap: a recording longer than MaxOutputTokens comes back cut, with finish reason "length".
        string text = match.Response;
        int outputTokens = tokens.Count(text);
        bool cut = options?.MaxOutputTokens is int cap && outputTokens > cap;
        if (cut)
        {
            text = tokens.Truncate(text, options!.MaxOutputTokens!.Value);
            outputTokens = options.MaxOutputTokens.Value;
        }

        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = match.Model,
            FinishReason = cut ? ChatFinishReason.Length : ChatFinishReason.Stop,
            Usage = new UsageDetails
            {
                InputTokenCount = tokens.Count(prompt),
                OutputTokenCount = outputTokens,
            },
            AdditionalProperties = new AdditionalPropertiesDictionary { ["offline.recording"] = match.Name },
        };
        response.Usage.TotalTokenCount = response.Usage.InputTokenCount + response.Usage.OutputTokenCount;
        return response;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await this.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (ChatResponseUpdate update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("offline") :
        serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>Prompts name their purpose on the system message's first line: <c>purpose: plan</c>.</summary>
    static string PurposeOf(IReadOnlyList<ChatMessage> messages)
    {
        string first = messages.FirstOrDefault(m => m.Role == ChatRole.System)?.Text ?? string.Empty;
        string line = first.Split('\n', 2)[0].Trim();
        return line.StartsWith(PurposePrefix, StringComparison.OrdinalIgnoreCase) ? line[PurposePrefix.Length..].Trim() : "unknown";
    }
}
