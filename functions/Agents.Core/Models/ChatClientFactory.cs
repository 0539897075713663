using System.ClientModel;
using Agents.Core.Hosting;
using Azure.AI.OpenAI;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace Agents.Core.Models;

/// <summary>Builds the <see cref="IChatClient"/> for a tier from settings: the one seam every provider sits behind.</summary>
public interface IChatClientProvider
{
    (IChatClient Client, string Provider, string Model) For(ModelTier tier);
}

public sealed class ChatClientProvider : IChatClientProvider, IDisposable
{
    readonly ModelOptions options;
    readonly Lazy<IChatClient> small;
    readonly Lazy<IChatClient> frontier;
    readonly Lazy<OfflineChatClient> offline;

    public ChatClientProvider(IOptions<ModelOptions> options, TokenCounter tokens)
    {
        this.options = options.Value;
        this.offline = new Lazy<OfflineChatClient>(() =>
            OfflineChatClient.Load(this.options.EffectiveRecordings.Select(RepositoryPaths.Resolve), tokens));
        this.small = new Lazy<IChatClient>(() => this.Create(this.options.SmallModel));
        this.frontier = new Lazy<IChatClient>(() => this.Create(this.options.FrontierModel));
    }

    public (IChatClient Client, string Provider, string Model) For(ModelTier tier)
    {
        string model = tier == ModelTier.Frontier ? this.options.FrontierModel : this.options.SmallModel;
        IChatClient client = tier == ModelTier.Frontier ? this.frontier.Value : this.small.Value;
        return (client, this.options.Provider.ToString(), model);
    }

    public void Dispose()
    {
        if (this.small.IsValueCreated)
        {
            this.small.Value.Dispose();
        }

        if (this.frontier.IsValueCreated)
        {
            this.frontier.Value.Dispose();
        }
    }

    IChatClient Create(string model)
    {
        switch (this.options.Provider)
        {
            case ModelProviderKind.Offline:
                return this.offline.Value;

            case ModelProviderKind.AzureOpenAI:
            {
                Uri endpoint = this.options.Endpoint
                    ?? throw new InvalidOperationException("Models:Endpoint is required for the AzureOpenAI provider (https://<resource>.openai.azure.com).");
                var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = this.options.ManagedIdentityClientId });
                var client = new AzureOpenAIClient(endpoint, credential, new AzureOpenAIClientOptions { NetworkTimeout = TimeSpan.FromSeconds(this.options.TimeoutSeconds) });
                return client.GetChatClient(model).AsIChatClient();
            }

            case ModelProviderKind.OpenAICompatible:
            {
                Uri endpoint = this.options.Endpoint
                    ?? throw new InvalidOperationException("Models:Endpoint is required for the OpenAICompatible provider (for example http://localhost:11434/v1).");
                // Many self-hosted servers ignore the key; OpenAI requires one. Never committed: set Models__ApiKey in the environment.
                var key = new ApiKeyCredential(string.IsNullOrEmpty(this.options.ApiKey) ? "unused" : this.options.ApiKey);
                var client = new OpenAIClient(key, new OpenAIClientOptions { Endpoint = endpoint, NetworkTimeout = TimeSpan.FromSeconds(this.options.TimeoutSeconds) });
                return client.GetChatClient(model).AsIChatClient();
            }

            default:
                throw new InvalidOperationException($"unknown Models:Provider '{this.options.Provider}'");
        }
    }
}
