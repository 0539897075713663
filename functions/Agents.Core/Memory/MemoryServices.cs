using Agents.Core.Activities;
using Agents.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.LongTermMemory;

/// <summary>The long-term memory's services; <c>AddAgentPlatform</c> calls <see cref="AddAgentMemory"/>.</summary>
public static class MemoryServices
{
    public static IServiceCollection AddAgentMemory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MemoryOptions>().Bind(configuration.GetSection(MemoryOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.OverlapLines < o.ChunkLines, "Memory:OverlapLines must be less than Memory:ChunkLines")
            .Validate(
                o => o.EffectiveProvider != MemoryProvider.Cosmos || o.CosmosEndpoint is not null,
                "Memory:CosmosEndpoint is required when Memory:Provider is Cosmos")
            .ValidateOnStart();

        // One model per process: loading it takes ~0.5 s and ~100 MB, and it is safe to use from several threads.
        services.TryAddSingleton<IEmbedder>(sp => new MiniLmEmbedder(sp.GetRequiredService<IOptions<MemoryOptions>>().Value.EmbeddingBatchSize));
        services.TryAddSingleton<RepositoryCorpus>();
        services.TryAddSingleton<MemoryAccess>();
        services.TryAddTransient<RetrieveMemoryActivity>();
        services.TryAddSingleton<IMemoryIndex>(sp => sp.GetRequiredService<IOptions<MemoryOptions>>().Value.EffectiveProvider switch
        {
            MemoryProvider.Cosmos => new CosmosMemoryIndex(
                sp.GetRequiredService<IEmbedder>(),
                sp.GetRequiredService<IOptions<MemoryOptions>>(),
                sp.GetRequiredService<ILogger<CosmosMemoryIndex>>()),
            _ => new BlobMemoryIndex(
                sp.GetRequiredService<BlobContainers>(),
                sp.GetRequiredService<IEmbedder>(),
                sp.GetRequiredService<IOptions<MemoryOptions>>(),
                sp.GetRequiredService<ILogger<BlobMemoryIndex>>()),
        });
        return services;
    }
}
