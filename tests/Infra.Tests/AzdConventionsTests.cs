using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Infra.Tests;

/// <summary>The azd template conventions: subscription scope, the resource token, tags, parameters and outputs.</summary>
[Collection(InfraCollection.Name)]
public class AzdConventionsTests(InfraFixture infra)
{
    static readonly string[] OutputsAzdNeeds =
    [
        "AZURE_LOCATION", "AZURE_TENANT_ID", "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_APP_NAME", "SERVICE_API_NAME",
        "AZURE_MANAGED_IDENTITY_CLIENT_ID", "AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_BLOB_ENDPOINT",
        "AZURE_SERVICEBUS_FULLY_QUALIFIED_NAMESPACE", "AZURE_SERVICEBUS_TOPIC", "AZURE_KEY_VAULT_NAME", "AZURE_KEY_VAULT_ENDPOINT",
        "AZURE_COSMOS_ENDPOINT", "AZURE_COSMOS_DATABASE", "AZURE_COSMOS_CONTAINER", "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_SMALL_DEPLOYMENT", "AZURE_OPENAI_FRONTIER_DEPLOYMENT", "AZURE_OPENAI_LONG_CONTEXT_DEPLOYMENT",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
    ];

    [Fact]
    public void Main_IsSubscriptionScopedWithTheAzdResourceToken()
    {
        // Arrange
        string source = File.ReadAllText(RepositoryRoot.File("infra", "main.bicep"));

        // Act
        string schema = (string)infra.Main.Json["$schema"]!;

        // Assert
        Assert.Contains("subscriptionDeploymentTemplate.json", schema, StringComparison.Ordinal);
        Assert.Contains("targetScope = 'subscription'", source, StringComparison.Ordinal);
        Assert.Contains("var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))", source, StringComparison.Ordinal);
        Assert.Contains("loadJsonContent('abbreviations.json')", source, StringComparison.Ordinal);
        Assert.DoesNotContain("br/public:", string.Concat(Directory.GetFiles(RepositoryRoot.Infra, "*.bicep", SearchOption.AllDirectories).Select(File.ReadAllText)), StringComparison.Ordinal);
    }

    [Fact]
    public void MainParameters_MapTheAzdVariablesAndTheApiTokenIssuer()
    {
        // Arrange
        JsonObject parameters = JsonNode.Parse(File.ReadAllText(RepositoryRoot.File("infra", "main.parameters.json")))!["parameters"]!.AsObject();

        // Act
        Dictionary<string, string> mapped = parameters.ToDictionary(p => p.Key, p => (string)p.Value!["value"]!);

        // Assert
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["environmentName"] = "${AZURE_ENV_NAME}",
                ["location"] = "${AZURE_LOCATION}",
                ["principalId"] = "${AZURE_PRINCIPAL_ID}",
                ["authAuthority"] = "${AUTH_AUTHORITY}",
                ["authAudience"] = "${AUTH_AUDIENCE}",
                ["githubRepository"] = "${GITHUB_REPOSITORY}",
                ["slackApprovers"] = "${SLACK_APPROVERS}",
            },
            mapped);
        Assert.All(mapped.Keys, p => Assert.NotNull(infra.Main.Json["parameters"]![p]));
    }

    [Fact]
    public void Main_ParametersWithoutADefault_AreTheMappedOnes()
    {
        // Arrange
        JsonObject parameters = infra.Main.Json["parameters"]!.AsObject();

        // Act: azd prompts for a parameter that has neither a value in main.parameters.json nor a default
        string[] required = parameters.Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key).Order().ToArray();

        // Assert
        Assert.Equal(["environmentName", "location"], required);
    }

    [Fact]
    public void Outputs_AreUpperSnakeAndIncludeWhatAzdWrites()
    {
        // Arrange
        string[] outputs = infra.Main.Json["outputs"]!.AsObject().Select(o => o.Key).ToArray();

        // Act
        string[] notUpperSnake = outputs.Where(o => !Regex.IsMatch(o, "^[A-Z][A-Z0-9_]*$")).ToArray();

        // Assert
        Assert.Empty(notUpperSnake);
        Assert.Empty(OutputsAzdNeeds.Except(outputs));
        Assert.Equal("[reference('api').outputs.name.value]", (string?)infra.Main.Json["outputs"]!["SERVICE_API_NAME"]!["value"]);
    }

    [Fact]
    public void Tags_NameTheEnvironmentAndTheAzureYamlService()
    {
        // Arrange
        string azureYaml = File.ReadAllText(RepositoryRoot.File("azure.yaml"));
        string service = Regex.Match(azureYaml, @"^services:\s*\n\s+(?<name>[A-Za-z0-9_-]+):", RegexOptions.Multiline).Groups["name"].Value;
        ArmTemplate api = infra.Main.ModuleNamed("api");
        ArmResource site = api.Resources.Single(r => r.Type == "Microsoft.Web/sites");

        // Act
        JsonObject tags = infra.Main.Resolve(infra.Main.Json["variables"]!["tags"])!.AsObject();

        // Assert
        Assert.Equal("api", service);
        Assert.Equal(service, (string?)api.PassedParameter("serviceName"));
        Assert.Equal("[union(parameters('tags'), createObject('azd-service-name', parameters('serviceName')))]", (string?)site.Json["tags"]);
        Assert.Equal("[parameters('environmentName')]", (string?)tags["azd-env-name"]);
        Assert.Equal("[variables('tags')]", (string?)infra.Main.Resource("rg").Json["tags"]);
        Assert.All(infra.Main.Modules.Where(m => m.Json["parameters"]?["tags"] is not null), m => Assert.Equal("[variables('tags')]", (string?)m.PassedParameter("tags")));
        Assert.Equal(8, infra.Main.Modules.Count(m => m.Json["parameters"]?["tags"] is not null));
    }

    [Fact]
    public void Abbreviations_AreUsedForEveryResourceName()
    {
        // Arrange
        JsonObject abbreviations = JsonNode.Parse(File.ReadAllText(RepositoryRoot.File("infra", "abbreviations.json")))!.AsObject();
        string source = File.ReadAllText(RepositoryRoot.File("infra", "main.bicep"));

        // Act
        string[] unused = abbreviations.Select(a => a.Key).Where(k => !source.Contains($"abbrs.{k}", StringComparison.Ordinal)).ToArray();

        // Assert
        Assert.Empty(unused);
    }
}
