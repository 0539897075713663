using System.Text.Json.Nodes;

namespace Infra.Tests;

/// <summary>The data and messaging resources have what the platform relies on.</summary>
[Collection(InfraCollection.Name)]
public class ResourceTests(InfraFixture infra)
{
    [Fact]
    public void Cosmos_MemoryContainer_HasA384DimensionCosineVectorIndex()
    {
        // Arrange
        ArmTemplate data = infra.Main.ModuleNamed("data");
        ArmResource account = data.Resources.Single(r => r.Type == "Microsoft.DocumentDB/databaseAccounts");
        JsonObject container = data.Resources.Single(r => r.Type == "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers").Properties["resource"]!.AsObject();

        // Act
        JsonObject embedding = container["vectorEmbeddingPolicy"]!["vectorEmbeddings"]!.AsArray().Single()!.AsObject();
        JsonObject index = container["indexingPolicy"]!["vectorIndexes"]!.AsArray().Single()!.AsObject();
        string[] excluded = container["indexingPolicy"]!["excludedPaths"]!.AsArray().Select(p => data.ResolveString(p!["path"])!).ToArray();
        string? path = data.ResolveString(embedding["path"]);

        // Assert
        Assert.Contains(account.Properties["capabilities"]!.AsArray(), c => (string?)c!["name"] == "EnableNoSQLVectorSearch");
        Assert.Equal(384, (int)data.Resolve(embedding["dimensions"])!);
        Assert.Equal("cosine", (string?)embedding["distanceFunction"]);
        Assert.Equal("float32", (string?)embedding["dataType"]);
        Assert.Equal("/embedding", path);
        Assert.Equal(path, data.ResolveString(index["path"]));
        Assert.Contains((string?)index["type"], new[] { "flat", "quantizedFlat", "diskANN" });
        Assert.Contains($"{path}/*", excluded);
        Assert.Equal("agents", data.ResolveString(data.ResolveParameter("databaseName")));
        Assert.Equal("memory", data.ResolveString(data.ResolveParameter("memoryContainerName")));
        Assert.Equal("/scope", data.ResolveString(data.ResolveParameter("memoryPartitionKeyPath")));
    }

    [Fact]
    public void ServiceBus_AgentEventsTopic_DetectsDuplicates()
    {
        // Arrange
        ArmTemplate messaging = infra.Main.ModuleNamed("messaging");
        ArmResource ns = messaging.Resources.Single(r => r.Type == "Microsoft.ServiceBus/namespaces");
        ArmResource topic = messaging.Resources.Single(r => r.Type == "Microsoft.ServiceBus/namespaces/topics");

        // Act
        string? window = messaging.ResolveString(topic.Properties["duplicateDetectionHistoryTimeWindow"]);

        // Assert
        Assert.Equal("Standard", (string?)ns.Json["sku"]!["name"]);
        Assert.True((bool)topic.Properties["requiresDuplicateDetection"]!);
        Assert.False(string.IsNullOrEmpty(window));
        Assert.StartsWith("P", window, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenAI_HasACustomSubdomainAndOneDeploymentPerTier()
    {
        // Arrange
        ArmTemplate ai = infra.Main.ModuleNamed("ai");
        ArmResource account = ai.Resources.Single(r => r.Type == "Microsoft.CognitiveServices/accounts");
        ArmResource deployments = ai.Resources.Single(r => r.Type == "Microsoft.CognitiveServices/accounts/deployments");

        // Act
        JsonObject tiers = ai.ResolveParameter("modelTiers")!.AsObject();

        // Assert
        Assert.Equal("OpenAI", (string?)account.Json["kind"]);
        Assert.Equal("[parameters('name')]", (string?)account.Properties["customSubDomainName"]);
        Assert.Equal(1, (int)deployments.Json["copy"]!["batchSize"]!);
        Assert.Equal(["frontier", "long_context", "small"], tiers.Select(t => t.Key).Order());
        Assert.Equal(["gpt-4.1-mini", "gpt-4o", "gpt-4o-mini"], tiers.Select(t => (string)t.Value!["model"]!).Order());
    }
}
