using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Infra.Tests;

/// <summary>The Function App: Flex Consumption, .NET isolated, and app settings named exactly as the app reads them.</summary>
[Collection(InfraCollection.Name)]
public class AppSettingsTests(InfraFixture infra)
{
    static readonly string[] Tiers = ["small", "frontier", "long_context"];

    /// <summary>Settings the app or the components that come next read; Models tiers are checked for each tier below.</summary>
    static readonly string[] Required =
    [
        "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId", "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri",
        "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "Storage__BlobServiceUri", "Storage__ManagedIdentityClientId",
        "Storage__EventsContainer", "Storage__PayloadsContainer", "Storage__TurnsContainer", "Storage__BudgetsContainer",
        "Models__Providers__azure__Kind", "Models__Providers__azure__Endpoint", "Models__Providers__azure__ManagedIdentityClientId",
        "EventStream__FullyQualifiedNamespace", "EventStream__Topic", "KeyVault__Uri",
        "Memory__CosmosEndpoint", "Memory__Database", "Memory__Container",
        "Slack__ApiBaseUrl", "Slack__Approvers", "Auth__Authority", "Auth__Audience", "Publishing__Provider",
    ];

    static readonly string[] CandidateSettings =
        ["Provider", "Model", "Deployment", "InputPricePerMillion", "OutputPricePerMillion", "Latency", "MaxSensitivity", "ContextTokens", "StructuredOutputs"];

    /// <summary>Flex Consumption rejects these (the runtime is in functionAppConfig) or they would carry a key.</summary>
    static readonly string[] NotOnFlex =
    [
        "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTSHARE", "AzureWebJobsStorage", "APPINSIGHTS_INSTRUMENTATIONKEY",
    ];

    /// <summary>The properties of the api module's sites/config 'appsettings' resource.</summary>
    public static JsonObject Settings(ArmTemplate main) =>
        main.ModuleNamed("api").Resources.Single(r => r.Type == "Microsoft.Web/sites/config" && r.Name.Contains("'appsettings'", StringComparison.Ordinal)).Properties;

    [Fact]
    public void FunctionApp_IsFlexConsumptionDotnetIsolated10()
    {
        // Arrange
        ArmTemplate api = infra.Main.ModuleNamed("api");
        ArmResource plan = api.Resources.Single(r => r.Type == "Microsoft.Web/serverfarms");
        ArmResource site = api.Resources.Single(r => r.Type == "Microsoft.Web/sites");

        // Act
        JsonObject config = site.Properties["functionAppConfig"]!.AsObject();

        // Assert
        Assert.Equal("FlexConsumption", (string?)plan.Json["sku"]!["tier"]);
        Assert.Equal("FC1", (string?)plan.Json["sku"]!["name"]);
        Assert.True((bool)plan.Properties["reserved"]!);
        Assert.Equal("functionapp,linux", (string?)site.Json["kind"]);
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)config["runtime"]!["version"]);
        Assert.Equal("blobContainer", (string?)config["deployment"]!["storage"]!["type"]);
        Assert.True((bool)site.Properties["httpsOnly"]!);
        Assert.All(NotOnFlex, key => Assert.False(Settings(infra.Main).ContainsKey(key), $"{key} must not be set on Flex Consumption"));
    }

    [Fact]
    public void FunctionApp_DeploymentContainer_IsCreatedInTheStorageAccount()
    {
        // Arrange
        ArmTemplate api = infra.Main.ModuleNamed("api");
        ArmTemplate storage = infra.Main.ModuleNamed("storage");

        // Act
        string value = (string)api.Resources.Single(r => r.Type == "Microsoft.Web/sites").Properties["functionAppConfig"]!["deployment"]!["storage"]!["value"]!;

        // Assert: the name holds the resource token (known in Azure only); both modules get the same variable
        Assert.Equal("[variables('deploymentContainerName')]", (string?)api.PassedParameter("deploymentContainerName"));
        Assert.Equal("[variables('deploymentContainerName')]", (string?)storage.PassedParameter("deploymentContainerName"));
        Assert.Contains("parameters('deploymentContainerName')", storage.Resources.Single(r => r.Symbol == "containers").Name, StringComparison.Ordinal);
        Assert.Equal("[format('{0}{1}', parameters('storageBlobEndpoint'), parameters('deploymentContainerName'))]", value);
        Assert.Equal("[reference('storage').outputs.blobEndpoint.value]", (string?)api.PassedParameter("storageBlobEndpoint"));
    }

    [Fact]
    public void AppSettings_DurableAndHostStorage_IsIdentityBased()
    {
        // Arrange
        JsonObject settings = Settings(infra.Main);
        ArmTemplate api = infra.Main.ModuleNamed("api");

        // Act, Assert
        Assert.Equal("managedidentity", (string?)settings["AzureWebJobsStorage__credential"]);
        Assert.Equal("[parameters('storageBlobEndpoint')]", (string?)settings["AzureWebJobsStorage__blobServiceUri"]);
        Assert.Equal("[parameters('storageQueueEndpoint')]", (string?)settings["AzureWebJobsStorage__queueServiceUri"]);
        Assert.Equal("[parameters('storageTableEndpoint')]", (string?)settings["AzureWebJobsStorage__tableServiceUri"]);
        Assert.Equal("[reference('storage').outputs.queueEndpoint.value]", (string?)api.PassedParameter("storageQueueEndpoint"));
        Assert.Equal("[reference('storage').outputs.tableEndpoint.value]", (string?)api.PassedParameter("storageTableEndpoint"));
    }

    [Fact]
    public void AppSettings_IdentitySettings_AreTheManagedIdentitysClientId()
    {
        // Arrange
        JsonObject settings = Settings(infra.Main);

        // Act
        KeyValuePair<string, JsonNode?>[] clientIds = settings
            .Where(s => s.Key.EndsWith("ManagedIdentityClientId", StringComparison.Ordinal) || s.Key.EndsWith("__clientId", StringComparison.Ordinal) || s.Key == "AZURE_CLIENT_ID")
            .ToArray();

        // Assert
        Assert.True(clientIds.Length >= 4, string.Join(", ", clientIds.Select(c => c.Key)));
        Assert.All(clientIds, s => Assert.Equal("[parameters('identityClientId')]", (string?)s.Value));
        Assert.Equal("[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]", (string?)settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
    }

    [Fact]
    public void AppSettings_IncludeTheSettingsTheAppReads()
    {
        // Arrange
        JsonObject settings = Settings(infra.Main);
        IEnumerable<string> tierSettings = Tiers.SelectMany(t => CandidateSettings.Select(s => $"Models__Tiers__{t}__0__{s}"));

        // Act
        string[] missing = Required.Concat(tierSettings).Where(k => !settings.ContainsKey(k)).ToArray();

        // Assert
        Assert.Empty(missing);
    }

    [Fact]
    public void AppSettings_PlatformSections_UseOnlyKeysTheAppReads()
    {
        // Arrange: local.settings.sample.json names every setting the app binds (AgentFunctions.Tests checks that)
        Dictionary<string, string> sample = Sample();
        HashSet<string> sections = sample.Keys.Where(k => k.Contains("__", StringComparison.Ordinal)).Select(Section).ToHashSet();

        // Act
        string[] unknown = Settings(infra.Main)
            .Select(s => s.Key)
            .Where(k => sections.Contains(Section(k)))
            .Select(k => k.Replace("Models__Providers__azure__", "Models__Providers__offline__", StringComparison.Ordinal))
            // CandidateOptions.Deployment: the Azure OpenAI deployment name, which the offline sample has no use for.
            .Where(k => !Regex.IsMatch(k, @"^Models__Tiers__\w+__\d+__Deployment$"))
            .Where(k => !sample.ContainsKey(k))
            .ToArray();

        // Assert
        Assert.Contains("Storage", sections);
        Assert.Contains("Models", sections);
        Assert.Empty(unknown);
    }

    [Fact]
    public void AppSettings_StorageContainers_AreTheCreatedContainersAndTheAppDefaults()
    {
        // Arrange
        JsonObject settings = Settings(infra.Main);
        ArmTemplate api = infra.Main.ModuleNamed("api");
        ArmTemplate storage = infra.Main.ModuleNamed("storage");
        Dictionary<string, string> sample = Sample();
        string[] keys = ["Storage__EventsContainer", "Storage__PayloadsContainer", "Storage__TurnsContainer", "Storage__BudgetsContainer"];

        // Act
        string[] configured = keys.Select(k => api.ResolveString(settings[k]) ?? $"{k} unresolved").ToArray();
        JsonObject created = storage.ResolveParameter("platformContainers")!.AsObject();

        // Assert
        Assert.Equal(keys.Select(k => sample[k]), configured);
        Assert.Equal(["agent-events", "agent-payloads", "agent-turns", "agent-budgets"], configured);
        Assert.Equal(configured.Order(), created.Select(c => (string)c.Value!).Order());
        Assert.Contains("parameters('platformContainers').events", storage.Resources.Single(r => r.Symbol == "containers").Name, StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_Models_UseTheAzureOpenAIDeploymentsByIdentity()
    {
        // Arrange
        JsonObject settings = Settings(infra.Main);
        ArmTemplate api = infra.Main.ModuleNamed("api");
        ArmTemplate ai = infra.Main.ModuleNamed("ai");
        JsonObject deployedTiers = ai.ResolveParameter("modelTiers")!.AsObject();
        ArmResource deployments = ai.Resources.Single(r => r.Type == "Microsoft.CognitiveServices/accounts/deployments");

        // Act
        var tiers = Tiers.ToDictionary(
            t => t,
            t => new
            {
                Provider = api.ResolveString(settings[$"Models__Tiers__{t}__0__Provider"]),
                Model = api.ResolveString(settings[$"Models__Tiers__{t}__0__Model"]),
                Deployment = api.ResolveString(settings[$"Models__Tiers__{t}__0__Deployment"]),
                Sensitivity = api.ResolveString(settings[$"Models__Tiers__{t}__0__MaxSensitivity"]),
                InputPrice = api.ResolveString(settings[$"Models__Tiers__{t}__0__InputPricePerMillion"]),
            });

        // Assert
        Assert.Equal("AzureOpenAI", (string?)settings["Models__Providers__azure__Kind"]);
        Assert.Equal("[parameters('openAiEndpoint')]", (string?)settings["Models__Providers__azure__Endpoint"]);
        Assert.Equal("[reference('ai').outputs.endpoint.value]", (string?)api.PassedParameter("openAiEndpoint"));
        Assert.Equal("gpt-4o-mini", tiers["small"].Model);
        Assert.Equal("gpt-4o", tiers["frontier"].Model);
        Assert.Equal("gpt-4.1-mini", tiers["long_context"].Model);
        Assert.All(Tiers, t =>
        {
            Assert.Equal("azure", tiers[t].Provider);
            Assert.Equal("Confidential", tiers[t].Sensitivity);
            Assert.True(decimal.TryParse(tiers[t].InputPrice, System.Globalization.CultureInfo.InvariantCulture, out decimal price) && price > 0, $"{t}: price {tiers[t].InputPrice}");
            Assert.Equal((string?)deployedTiers[t]!["deployment"], tiers[t].Deployment);
            Assert.Equal((string?)deployedTiers[t]!["model"], tiers[t].Model);
            Assert.Contains($"parameters('modelTiers').{t}", deployments.Name, StringComparison.Ordinal);
        });
        Assert.Equal(3, Tiers.Select(t => tiers[t].Deployment).Distinct().Count());
    }

    [Fact]
    public void AppSettings_NextComponents_PointAtTheirResources()
    {
        // Arrange
        JsonObject settings = Settings(infra.Main);
        ArmTemplate api = infra.Main.ModuleNamed("api");
        ArmTemplate messaging = infra.Main.ModuleNamed("messaging");

        // Act, Assert
        Assert.Equal("[reference('messaging').outputs.fullyQualifiedNamespace.value]", (string?)api.PassedParameter("serviceBusFullyQualifiedNamespace"));
        Assert.Equal("agent-events", messaging.ResolveString(messaging.ResolveParameter("topicName")));
        Assert.Equal("[reference('keyVault').outputs.uri.value]", (string?)api.PassedParameter("keyVaultUri"));
        Assert.Equal("[reference('data').outputs.endpoint.value]", (string?)api.PassedParameter("cosmosEndpoint"));
        Assert.Equal("https://slack.com/api", api.ResolveString(settings["Slack__ApiBaseUrl"]));
        Assert.Equal(string.Empty, api.ResolveString(settings["Auth__Authority"]));
        Assert.Equal(string.Empty, api.ResolveString(settings["Auth__Audience"]));
        Assert.Equal(string.Empty, infra.Main.ResolveString(infra.Main.ResolveParameter("githubRepository")));
        Assert.Equal("[parameters('githubRepository')]", (string?)api.PassedParameter("githubRepository"));
        Assert.Contains("'Local'", (string?)settings["Publishing__Provider"], StringComparison.Ordinal);
        Assert.False(settings.ContainsKey("GitHub__Token"), "the app reads the token from Key Vault by name (github-token), not from a setting");
    }

    static string Section(string key) => key.Split("__")[0];

    static Dictionary<string, string> Sample()
    {
        using JsonDocument sample = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.File("local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty);
    }
}
