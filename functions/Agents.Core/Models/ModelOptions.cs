using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Agents.Core.Models;

[JsonConverter(typeof(JsonStringEnumConverter<ModelProviderKind>))]
public enum ModelProviderKind
{
    /// <summary>Serves recorded outputs for the bundled sample tasks; never invents an answer.</summary>
    Offline,

    /// <summary>Azure OpenAI through Azure.AI.OpenAI with Entra ID (managed identity), never keys.</summary>
    AzureOpenAI,

    /// <summary>Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, Fireworks...).</summary>
    OpenAICompatible,
}

public enum ModelTier
{
    /// <summary>Planning, tool selection, summaries.</summary>
    Small,

    /// <summary>Code synthesis and hard reasoning (patch drafting).</summary>
    Frontier,
}

/// <summary>Section <c>Models</c>. The model router (its own issue) grows this into tiers of candidates.</summary>
public sealed class ModelOptions
{
    public const string Section = "Models";

    public ModelProviderKind Provider { get; set; } = ModelProviderKind.Offline;

    public const string DefaultRecordings = "samples/recordings";

    /// <summary>
    /// Recordings served by the offline provider: files or folders of <c>*.json</c>, relative to the repository root.
    /// Empty means <see cref="DefaultRecordings"/> (a non-empty default would be appended to, not replaced, by binding).
    /// </summary>
    public List<string> Recordings { get; set; } = [];

    public IReadOnlyList<string> EffectiveRecordings => this.Recordings.Count == 0 ? [DefaultRecordings] : this.Recordings.Distinct().ToList();

    /// <summary>Endpoint of Azure OpenAI or of the OpenAI-compatible server.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>API key for an OpenAI-compatible endpoint only (from a secret store or environment, never committed).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Client id of the user-assigned managed identity used for Azure OpenAI.</summary>
    public string? ManagedIdentityClientId { get; set; }

    [Required]
    public string SmallModel { get; set; } = "gpt-4o-mini";

    [Required]
    public string FrontierModel { get; set; } = "gpt-4o";

    /// <summary>USD per million input tokens, by model name (the router's price table extends this).</summary>
    public Dictionary<string, decimal> InputPricePerMillion { get; set; } = new() { ["gpt-4o-mini"] = 0.15m, ["gpt-4o"] = 2.50m };

    public Dictionary<string, decimal> OutputPricePerMillion { get; set; } = new() { ["gpt-4o-mini"] = 0.60m, ["gpt-4o"] = 10.00m };

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 120;
}
