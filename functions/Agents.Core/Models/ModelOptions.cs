using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Agents.Core.Contracts;

namespace Agents.Core.Models;

[JsonConverter(typeof(SnakeCaseEnum<ModelProviderKind>))]
public enum ModelProviderKind
{
    /// <summary>Serves recorded outputs for the bundled sample tasks; never invents an answer.</summary>
    Offline,

    /// <summary>Azure OpenAI through Azure.AI.OpenAI with Entra ID (managed identity), never keys.</summary>
    AzureOpenAI,

    /// <summary>Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, Fireworks...).</summary>
    OpenAICompatible,
}

[JsonConverter(typeof(SnakeCaseEnum<ModelTier>))]
public enum ModelTier
{
    /// <summary>Planning, tool selection, summaries.</summary>
    Small,

    /// <summary>Code synthesis and hard reasoning (patch drafting). Asked for explicitly; never the default.</summary>
    Frontier,

    /// <summary>Cheaper models with a large context, used only when a requester consented for an oversized input.</summary>
    LongContext,
}

[JsonConverter(typeof(SnakeCaseEnum<LatencyClass>))]
public enum LatencyClass
{
    Fast,
    Standard,
    Slow,
}

/// <summary>A model endpoint. Section <c>Models:Providers:{name}</c>.</summary>
public sealed class ProviderOptions
{
    public ModelProviderKind Kind { get; set; } = ModelProviderKind.Offline;

    /// <summary>Endpoint of Azure OpenAI or of the OpenAI-compatible server.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Only for OpenAI-compatible servers that need one; from a secret store or the environment, never committed.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Client id of the user-assigned managed identity (Azure OpenAI).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Offline only: recordings, files or folders of <c>*.json</c> relative to the repository root. Empty: samples/recordings.</summary>
    public List<string> Recordings { get; set; } = [];

    /// <summary>Offline only: milliseconds each answer takes (a stand-in for model time in load runs), 0 to 600000. 0: at once.</summary>
    public int LatencyMs { get; set; }

    /// <summary>Offline only: each answer's delay varies uniformly by up to this many milliseconds either side of <see cref="LatencyMs"/>.</summary>
    public int LatencyJitterMs { get; set; }
}

/// <summary>One candidate of a tier. Section <c>Models:Tiers:{tier}:{n}</c>; candidates are tried in order.</summary>
public sealed class CandidateOptions
{
    [Required]
    public string Provider { get; set; } = "offline";

    [Required]
    public string Model { get; set; } = string.Empty;

    /// <summary>Azure OpenAI deployment name (defaults to the model name).</summary>
    public string? Deployment { get; set; }

    public string DeploymentName => string.IsNullOrWhiteSpace(this.Deployment) ? this.Model : this.Deployment;

    public decimal InputPricePerMillion { get; set; }

    public decimal OutputPricePerMillion { get; set; }

    public LatencyClass Latency { get; set; } = LatencyClass.Standard;

    /// <summary>The most sensitive data this candidate may receive.</summary>
    public DataSensitivity MaxSensitivity { get; set; } = DataSensitivity.Internal;

    public int ContextTokens { get; set; } = 128_000;

    /// <summary>Ask for JSON-Schema structured output (the OpenAI <c>json_schema</c> response format) when a schema applies.</summary>
    public bool StructuredOutputs { get; set; } = true;

    public override string ToString() => $"{this.Provider}/{this.DeploymentName}";
}

/// <summary>Section <c>Models:Resilience</c>: retries, circuit breakers and time limits per candidate.</summary>
public sealed class ResilienceSettings
{
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    public double BaseDelaySeconds { get; set; } = 0.2;

    /// <summary>A Retry-After longer than this moves to the next candidate instead of waiting.</summary>
    public double MaxRetryAfterSeconds { get; set; } = 2;

    public double AttemptTimeoutSeconds { get; set; } = 60;

    /// <summary>Total time for one call across retries and candidates.</summary>
    public double CallTimeoutSeconds { get; set; } = 120;

    public double BreakerFailureRatio { get; set; } = 0.5;

    public int BreakerMinimumThroughput { get; set; } = 4;

    public double BreakerSamplingSeconds { get; set; } = 30;

    public double BreakDurationSeconds { get; set; } = 15;
}

/// <summary>Section <c>Models</c>: providers, tiers of candidates, resilience and structured-output repair.</summary>
public sealed class ModelOptions
{
    public const string Section = "Models";
    public const string DefaultRecordings = "samples/recordings";
    public const string OfflineProvider = "offline";

    /// <summary>Providers by name. Empty: one offline provider named <c>offline</c>.</summary>
    public Dictionary<string, ProviderOptions> Providers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Candidates per tier (<c>small</c>, <c>frontier</c>, <c>long_context</c>), in order. Empty: the offline defaults.</summary>
    public Dictionary<string, List<CandidateOptions>> Tiers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public ResilienceSettings Resilience { get; set; } = new();

    /// <summary>Re-prompts after a malformed or schema-invalid answer, each with a smaller output budget.</summary>
    [Range(0, 5)]
    public int MaxRepairs { get; set; } = 2;

    public double RepairOutputFactor { get; set; } = 0.75;

    /// <summary>Providers in force: the configured ones, or the offline default (the recordings bound are never appended to a default).</summary>
    public IReadOnlyDictionary<string, ProviderOptions> EffectiveProviders =>
        this.Providers.Count > 0
            ? this.Providers
            : new Dictionary<string, ProviderOptions>(StringComparer.OrdinalIgnoreCase) { [OfflineProvider] = new ProviderOptions() };

    public IReadOnlyList<CandidateOptions> CandidatesFor(ModelTier tier) =>
        this.Tiers.TryGetValue(tier.Snake(), out List<CandidateOptions>? configured) && configured.Count > 0
            ? configured
            : this.Tiers.Count > 0 ? [] : DefaultTier(tier);

    /// <summary>The offline defaults: recorded answers, priced as the models they stand for so that cost figures mean something.</summary>
    static List<CandidateOptions> DefaultTier(ModelTier tier) => tier switch
    {
        ModelTier.Small => [Offline("gpt-4o-mini", 0.15m, 0.60m, LatencyClass.Fast, 128_000)],
        ModelTier.Frontier => [Offline("gpt-4o", 2.50m, 10.00m, LatencyClass.Standard, 128_000)],
        _ => [Offline("gpt-4.1-mini", 0.40m, 1.60m, LatencyClass.Standard, 1_000_000)],
    };

    static CandidateOptions Offline(string model, decimal input, decimal output, LatencyClass latency, int context) => new()
    {
        Provider = OfflineProvider,
        Model = model,
        InputPricePerMillion = input,
        OutputPricePerMillion = output,
        Latency = latency,
        MaxSensitivity = DataSensitivity.Restricted,
        ContextTokens = context,
        StructuredOutputs = false,
    };
}
