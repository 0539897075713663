using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Agents.Core.Hosting;
using Azure.AI.OpenAI;
using Azure.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace Agents.Core.Models;

/// <summary>The <see cref="IChatClient"/> behind each candidate: one seam for every provider, built from settings.</summary>
public interface IProviderClients
{
    IChatClient For(CandidateOptions candidate);
}

/// <summary>
/// Builds and caches clients. The SDKs' own retries are switched off: retries, failover and time limits are the
/// router's, so that each is counted, logged and bounded once.
/// </summary>
public sealed class ProviderClients(IOptions<ModelOptions> options, TokenCounter tokens, IAzureCredentials credentials, IHttpClientFactory? httpClients = null, TimeProvider? clock = null)
    : IProviderClients, IDisposable
{
    readonly ConcurrentDictionary<string, IChatClient> clients = new(StringComparer.OrdinalIgnoreCase);
    readonly ConcurrentDictionary<string, OfflineChatClient> offline = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Name of the HttpClient the OpenAI and Azure OpenAI clients send through (tests point it at loopback servers).</summary>
    public const string HttpClientName = "models";

    public IChatClient For(CandidateOptions candidate) =>
        this.clients.GetOrAdd($"{candidate.Provider}|{candidate.DeploymentName}", _ => this.Create(candidate));

    public void Dispose()
    {
        foreach (IChatClient client in this.clients.Values)
        {
            client.Dispose();
        }
    }

    IChatClient Create(CandidateOptions candidate)
    {
        if (!options.Value.EffectiveProviders.TryGetValue(candidate.Provider, out ProviderOptions? provider))
        {
            throw new InvalidOperationException($"Models: candidate {candidate} names provider '{candidate.Provider}', which is not under Models:Providers.");
        }

        switch (provider.Kind)
        {
            case ModelProviderKind.Offline:
                return this.offline.GetOrAdd(candidate.Provider, _ => OfflineChatClient.Load(
                    (provider.Recordings.Count == 0 ? [ModelOptions.DefaultRecordings] : provider.Recordings.Distinct()).Select(RepositoryPaths.Resolve),
                    tokens,
                    OfflineLatency.From(provider, clock ?? TimeProvider.System)));

            case ModelProviderKind.AzureOpenAI:
            {
                Uri endpoint = provider.Endpoint ?? throw new InvalidOperationException($"Models:Providers:{candidate.Provider}:Endpoint is required for Azure OpenAI.");
                var clientOptions = new AzureOpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(maxRetries: 0), NetworkTimeout = this.AttemptTimeout };
                this.UseHttpClient(clientOptions);
                var client = new AzureOpenAIClient(endpoint, credentials.For(provider), clientOptions);
                return client.GetChatClient(candidate.DeploymentName).AsIChatClient();
            }

            case ModelProviderKind.OpenAICompatible:
            {
                Uri endpoint = provider.Endpoint ?? throw new InvalidOperationException($"Models:Providers:{candidate.Provider}:Endpoint is required for an OpenAI-compatible server.");
                var clientOptions = new OpenAIClientOptions { Endpoint = endpoint, RetryPolicy = new ClientRetryPolicy(maxRetries: 0), NetworkTimeout = this.AttemptTimeout };
                this.UseHttpClient(clientOptions);

                // Many self-hosted servers ignore the key; OpenAI requires one. It comes from the environment or a secret store.
                var key = new ApiKeyCredential(string.IsNullOrEmpty(provider.ApiKey) ? "unused" : provider.ApiKey);
                return new OpenAIClient(key, clientOptions).GetChatClient(candidate.Model).AsIChatClient();
            }

            default:
                throw new InvalidOperationException($"unknown provider kind '{provider.Kind}'");
        }
    }

    TimeSpan AttemptTimeout => TimeSpan.FromSeconds(2 * options.Value.Resilience.AttemptTimeoutSeconds); // SDK backstop only: the router's attempt timeout must fire first, or the SDK's TaskCanceledException escapes failover

    void UseHttpClient(ClientPipelineOptions clientOptions)
    {
        if (httpClients is not null)
        {
            clientOptions.Transport = new HttpClientPipelineTransport(httpClients.CreateClient(HttpClientName));
        }
    }
}

/// <summary>Entra ID credentials for Azure providers: managed identity in Azure, the developer's login locally. Never keys.</summary>
public interface IAzureCredentials
{
    TokenCredential For(ProviderOptions provider);
}

public sealed class DefaultAzureCredentials : IAzureCredentials
{
    readonly ConcurrentDictionary<string, TokenCredential> cache = new(StringComparer.Ordinal);

    public TokenCredential For(ProviderOptions provider) =>
        this.cache.GetOrAdd(provider.ManagedIdentityClientId ?? string.Empty, id => new Azure.Identity.DefaultAzureCredential(
            new Azure.Identity.DefaultAzureCredentialOptions { ManagedIdentityClientId = id.Length == 0 ? null : id }));
}
