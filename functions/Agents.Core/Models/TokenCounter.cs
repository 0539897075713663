using Microsoft.ML.Tokenizers;

namespace Agents.Core.Models;

/// <summary>Real token counts (o200k, the GPT-4o family's encoding).</summary>
public sealed class TokenCounter
{
    static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForModel("gpt-4o"));

    public int Count(string text) => string.IsNullOrEmpty(text) ? 0 : O200k.Value.CountTokens(text);

    /// <summary>The longest prefix of the text that fits in the given number of tokens.</summary>
    public string Truncate(string text, int maxTokens)
    {
        int index = O200k.Value.GetIndexByTokenCount(text, maxTokens, out _, out _);
        return text[..index];
    }
}
