using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Infra.Tests;

/// <summary>What a security reviewer checks in the compiled template: identities, role assignments, no keys anywhere.</summary>
[Collection(InfraCollection.Name)]
public partial class SecurityTests(InfraFixture infra)
{
    /// <summary>Built-in roles the templates may grant, by id.</summary>
    static readonly Dictionary<string, string> Roles = new()
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
        ["ba92f5b4-2d11-453d-a403-e96b0029c9fe"] = "Storage Blob Data Contributor",
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor",
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor",
        ["69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"] = "Azure Service Bus Data Sender",
        ["4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"] = "Azure Service Bus Data Receiver",
        ["4633458b-17de-408a-b874-0445c86b69e6"] = "Key Vault Secrets User",
        ["b86a8fe4-44ce-4948-aee5-eccb2c155cd7"] = "Key Vault Secrets Officer",
        ["5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"] = "Cognitive Services OpenAI User",
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher",
    };

    /// <summary>Roles broader than any part of the platform needs.</summary>
    static readonly Dictionary<string, string> BroadRoles = new()
    {
        ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635"] = "Owner",
        ["b24988ac-6180-42a0-ab88-20f7382dd24c"] = "Contributor",
        ["18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"] = "User Access Administrator",
        ["17d1049b-9a84-46fb-8f53-869881c3d3ab"] = "Storage Account Contributor",
        ["090c5cfd-751d-490a-894a-3ce6f1109419"] = "Azure Service Bus Data Owner",
        ["00482a5a-887f-4fb3-b363-3b7fe8e74483"] = "Key Vault Administrator",
        ["25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68"] = "Cognitive Services Contributor",
        ["a001fd3d-188f-4b5d-821b-7da978bf7442"] = "Cognitive Services OpenAI Contributor",
        ["5bd9cd88-fe45-4216-938b-f97437e15450"] = "DocumentDB Account Contributor",
    };

    const string CosmosBuiltInDataContributor = "00000000-0000-0000-0000-000000000002";

    [Fact]
    public void RoleAssignments_Names_AreGuidsOfScopePrincipalAndRole()
    {
        // Arrange
        ArmResource[] assignments = infra.Main.AllResources.Where(r => r.Type == "Microsoft.Authorization/roleAssignments").ToArray();
        ArmResource[] cosmosAssignments = infra.Main.AllResources.Where(r => r.Type == "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments").ToArray();

        // Act, Assert
        Assert.True(assignments.Length >= 5, $"expected the role assignments of rbac.bicep, found {assignments.Length}");
        Assert.NotEmpty(cosmosAssignments);
        Assert.All(assignments, a =>
        {
            Assert.Matches(@"^\[guid\(.+\)\]$", a.Name);
            Assert.NotNull(a.Json["scope"]);
            string principal = TemplateJson.Inner((string)a.Properties["principalId"]!);
            Match role = RoleDefinitionId().Match((string)a.Properties["roleDefinitionId"]!);
            Assert.True(role.Success, $"{a}: roleDefinitionId is not subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ...)");
            Assert.Contains(principal, a.Name, StringComparison.Ordinal);
            Assert.Contains(role.Groups["role"].Value, a.Name, StringComparison.Ordinal);
            Assert.NotNull(a.Properties["principalType"]);
        });
        Assert.All(cosmosAssignments, a =>
        {
            Assert.Matches(@"^\[format\('\{0\}/\{1\}', [^,]+, guid\(.+\)\)\]$", a.Name);
            Assert.Contains(TemplateJson.Inner((string)a.Properties["principalId"]!), a.Name, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void RoleAssignments_AppIdentity_GetsLeastPrivilegeDataRoles()
    {
        // Arrange
        ILookup<string, string> grants = this.Grants("app");

        // Act, Assert
        Assert.Equal(["Storage Blob Data Owner", "Storage Queue Data Contributor", "Storage Table Data Contributor"], grants["Microsoft.Storage/storageAccounts"].Order());
        Assert.Equal(["Azure Service Bus Data Sender"], grants["Microsoft.ServiceBus/namespaces/topics"]);
        Assert.Equal(["Key Vault Secrets User"], grants["Microsoft.KeyVault/vaults"]);
        Assert.Equal(["Cognitive Services OpenAI User"], grants["Microsoft.CognitiveServices/accounts"]);
        Assert.Equal(["Monitoring Metrics Publisher"], grants["Microsoft.Insights/components"]);
        Assert.Equal(5, grants.Count);
        ArmTemplate rbac = infra.Main.ModuleNamed("rbac");
        Assert.Equal("ServicePrincipal", rbac.ResolveString(rbac.Json["variables"]!["app"]!["principalType"]));
        Assert.Equal("User", rbac.ResolveString(rbac.ResolveParameter("userPrincipalType")));
        Assert.Equal("[reference('identity').outputs.principalId.value]", (string?)rbac.PassedParameter("appPrincipalId"));
    }

    [Fact]
    public void RoleAssignments_DeployingUser_GetsDebugRolesOnlyWhenGiven()
    {
        // Arrange
        ILookup<string, string> grants = this.Grants("user");
        ArmTemplate rbac = infra.Main.ModuleNamed("rbac");

        // Act
        string[] userAssignmentLists = rbac.Json["variables"]!.AsObject()
            .Select(v => v.Value)
            .OfType<JsonValue>()
            .Select(v => (string)v!)
            .Where(e => e.Contains("variables('user')", StringComparison.Ordinal))
            .ToArray();

        // Assert
        Assert.Equal(["Storage Blob Data Contributor", "Storage Queue Data Contributor", "Storage Table Data Contributor"], grants["Microsoft.Storage/storageAccounts"].Order());
        Assert.Equal(["Azure Service Bus Data Receiver", "Azure Service Bus Data Sender"], grants["Microsoft.ServiceBus/namespaces/topics"].Order());
        Assert.Equal(["Key Vault Secrets Officer"], grants["Microsoft.KeyVault/vaults"]);
        Assert.Equal(["Cognitive Services OpenAI User"], grants["Microsoft.CognitiveServices/accounts"]);
        Assert.Empty(grants["Microsoft.Insights/components"]);
        Assert.All(userAssignmentLists, e =>
        {
            int condition = e.IndexOf("if(variables('hasUser')", StringComparison.Ordinal);
            Assert.True(condition >= 0 && !e[..condition].Contains("variables('user')", StringComparison.Ordinal), $"a user assignment outside if(hasUser): {e}");
        });
        Assert.Equal("[not(empty(parameters('userPrincipalId')))]", (string?)rbac.Json["variables"]!["hasUser"]);
        Assert.Equal("[parameters('principalId')]", (string?)rbac.PassedParameter("userPrincipalId"));
    }

    [Fact]
    public void RoleAssignments_Cosmos_AreTheBuiltInDataContributorForAppAndUser()
    {
        // Arrange
        ArmTemplate rbac = infra.Main.ModuleNamed("rbac");
        ArmResource cosmos = rbac.Resources.Single(r => r.Type == "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments");

        // Act
        string roleDefinition = (string)cosmos.Properties["roleDefinitionId"]!;
        string principals = (string)rbac.Json["variables"]!["cosmosPrincipalIds"]!;

        // Assert
        Assert.Equal(CosmosBuiltInDataContributor, rbac.ResolveString(rbac.Json["variables"]!["cosmosDataContributor"]));
        Assert.Contains("/sqlRoleDefinitions/", roleDefinition, StringComparison.Ordinal);
        Assert.Contains("variables('cosmosDataContributor')", roleDefinition, StringComparison.Ordinal);
        Assert.Equal("[concat(createArray(parameters('appPrincipalId')), if(variables('hasUser'), createArray(parameters('userPrincipalId')), createArray()))]", principals);
    }

    [Fact]
    public void Templates_GrantNoBroadRole()
    {
        // Arrange
        string json = infra.Main.ToJsonString();

        // Act
        string[] found = BroadRoles.Where(r => json.Contains(r.Key, StringComparison.OrdinalIgnoreCase)).Select(r => r.Value).ToArray();

        // Assert
        Assert.Empty(found);
    }

    [Fact]
    public void Templates_NeverReadKeysOrConnectionStrings()
    {
        // Arrange
        (string Path, string Value)[] strings = TemplateJson.Strings(infra.Main.Json).ToArray();

        // Act
        string[] listCalls = strings.Where(s => TemplateJson.CallsAListFunction(s.Value)).Select(s => s.Path).ToArray();
        string[] keyMaterial = strings
            .Where(s => s.Value.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase)
                || s.Value.Contains("SharedAccessKey", StringComparison.OrdinalIgnoreCase)
                || s.Value.Contains("primaryMasterKey", StringComparison.OrdinalIgnoreCase)
                || s.Value.Contains("primaryKey", StringComparison.OrdinalIgnoreCase))
            .Select(s => s.Path)
            .ToArray();

        // Assert
        Assert.Empty(listCalls);
        Assert.Empty(keyMaterial);
    }

    [Fact]
    public void AppSettings_HoldNoKeysOrSecrets()
    {
        // Arrange
        JsonObject settings = AppSettingsTests.Settings(infra.Main);

        // Act
        string[] secretNamed = settings.Select(s => s.Key)
            .Where(k => Regex.IsMatch(k, "(ApiKey|AccountKey|AccessKey|Password|SasToken|MasterKey)", RegexOptions.IgnoreCase)
                || (k.EndsWith("ConnectionString", StringComparison.OrdinalIgnoreCase) && k != "APPLICATIONINSIGHTS_CONNECTION_STRING")
                || k == "AzureWebJobsStorage")
            .ToArray();
        string[] secretValued = settings
            .Where(s => s.Value is JsonValue v && v.TryGetValue(out string? text)
                && (text.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase)
                    || text.Contains("SharedAccessKey", StringComparison.OrdinalIgnoreCase)
                    || text.Contains("DefaultEndpointsProtocol", StringComparison.OrdinalIgnoreCase)
                    || TemplateJson.CallsAListFunction(text)))
            .Select(s => s.Key)
            .ToArray();
        string[] fromKeyVault = settings
            .Where(s => ((string?)s.Value)?.Contains("@Microsoft.KeyVault(", StringComparison.Ordinal) == true)
            .Select(s => s.Key)
            .Order()
            .ToArray();

        // Assert
        Assert.Empty(secretNamed);
        Assert.Empty(secretValued);
        Assert.Equal(["Slack__BotToken", "Slack__SigningSecret"], fromKeyVault); // the GitHub token is read from Key Vault by name (github-token)
    }

    [Fact]
    public void Storage_SharedKeyAccessAndPublicBlobs_AreOff()
    {
        // Arrange
        ArmResource storage = infra.Main.AllResources.Single(r => r.Type == "Microsoft.Storage/storageAccounts");

        // Act
        JsonObject properties = storage.Properties;

        // Assert
        Assert.False((bool)properties["allowSharedKeyAccess"]!);
        Assert.False((bool)properties["allowBlobPublicAccess"]!);
        Assert.True((bool)properties["defaultToOAuthAuthentication"]!);
        Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
    }

    [Theory]
    [InlineData("Microsoft.ServiceBus/namespaces", "disableLocalAuth")]
    [InlineData("Microsoft.DocumentDB/databaseAccounts", "disableLocalAuth")]
    [InlineData("Microsoft.Insights/components", "DisableLocalAuth")]
    [InlineData("Microsoft.CognitiveServices/accounts", "disableLocalAuth")]
    public void Service_LocalAuth_IsDisabled(string type, string property)
    {
        // Arrange
        ArmResource resource = Assert.Single(infra.Main.AllResources, r => r.Type == type);

        // Act
        JsonNode? disabled = resource.Properties[property];

        // Assert
        Assert.True(disabled is JsonValue v && v.TryGetValue(out bool b) && b, $"{resource}: {property} is {disabled?.ToJsonString() ?? "missing"}");
    }

    [Fact]
    public void KeyVault_UsesRbac_AndHoldsNoCommittedSecret()
    {
        // Arrange
        ArmTemplate keyVault = infra.Main.ModuleNamed("keyVault");
        ArmResource vault = keyVault.Resources.Single(r => r.Type == "Microsoft.KeyVault/vaults");
        ArmResource[] secrets = keyVault.Resources.Where(r => r.Type == "Microsoft.KeyVault/vaults/secrets").ToArray();

        // Act
        JsonObject mainParameters = infra.Main.Json["parameters"]!.AsObject();
        string[] secureInMain = ["slackSigningSecret", "slackBotToken", "githubToken"];

        // Assert
        Assert.True((bool)vault.Properties["enableRbacAuthorization"]!);
        Assert.Equal(3, secrets.Length);
        Assert.All(secrets, s =>
        {
            string value = (string)s.Properties["value"]!;
            Assert.Matches(@"^\[parameters\('\w+'\)\]$", value);
            string parameter = Regex.Match(value, @"parameters\('(\w+)'\)").Groups[1].Value;
            Assert.Equal("securestring", (string?)keyVault.Json["parameters"]![parameter]!["type"]);
            Assert.Equal($"[not(empty(parameters('{parameter}')))]", (string?)s.Json["condition"]);
        });
        Assert.All(secureInMain, p =>
        {
            Assert.Equal("securestring", (string?)mainParameters[p]!["type"]);
            Assert.Equal(string.Empty, (string?)mainParameters[p]!["defaultValue"]);
        });
    }

    [Fact]
    public void FunctionApp_RunsAsTheOneUserAssignedIdentity()
    {
        // Arrange
        ArmTemplate api = infra.Main.ModuleNamed("api");
        ArmResource site = api.Resources.Single(r => r.Type == "Microsoft.Web/sites");
        JsonObject identity = site.Json["identity"]!.AsObject();
        JsonObject deploymentStorage = site.Properties["functionAppConfig"]!["deployment"]!["storage"]!.AsObject();

        // Act
        string[] identityKeys = identity["userAssignedIdentities"]!.AsObject().Select(p => p.Key).ToArray();
        int identities = infra.Main.AllResources.Count(r => r.Type == "Microsoft.ManagedIdentity/userAssignedIdentities");

        // Assert
        Assert.Equal(1, identities);
        Assert.Equal("UserAssigned", (string?)identity["type"]);
        Assert.Equal("[format('{0}', parameters('identityId'))]", Assert.Single(identityKeys));
        Assert.Equal("[parameters('identityId')]", (string?)site.Properties["keyVaultReferenceIdentity"]);
        Assert.Equal("UserAssignedIdentity", (string?)deploymentStorage["authentication"]!["type"]);
        Assert.Equal("[parameters('identityId')]", (string?)deploymentStorage["authentication"]!["userAssignedIdentityResourceId"]);
        Assert.Equal("[reference('identity').outputs.id.value]", (string?)api.PassedParameter("identityId"));
        Assert.Equal("[reference('identity').outputs.clientId.value]", (string?)api.PassedParameter("identityClientId"));
    }

    /// <summary>Role names granted to a principal (<c>app</c> or <c>user</c>), by the type of the resource they are scoped to.</summary>
    ILookup<string, string> Grants(string principal)
    {
        ArmTemplate rbac = infra.Main.ModuleNamed("rbac");
        JsonObject variables = rbac.Json["variables"]!.AsObject();
        JsonObject roleIds = variables["roles"]!.AsObject();
        var grants = new List<(string Scope, string Role)>();
        foreach (ArmResource assignment in rbac.Resources.Where(r => r.Type == "Microsoft.Authorization/roleAssignments"))
        {
            string scopeType = ScopeType().Match(assignment.Name).Groups["type"].Value;
            string list = VariableName().Match((string)assignment.Json["copy"]!["count"]!).Groups["name"].Value;
            string entries = string.Join('\n', TemplateJson.Strings(variables[list]).Select(v => v.Value));
            foreach (Match grant in Grant().Matches(entries).Where(m => m.Groups["principal"].Value == principal))
            {
                string id = (string)roleIds[grant.Groups["role"].Value]!;
                grants.Add((scopeType, Roles.TryGetValue(id, out string? name) ? name : $"unexpected role {id}"));
            }
        }

        return grants.ToLookup(g => g.Scope, g => g.Role);
    }

    [GeneratedRegex(@"subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', (?<role>.+)\)\]$")]
    private static partial Regex RoleDefinitionId();

    [GeneratedRegex(@"^\[guid\(resourceId\('(?<type>[^']+)'")]
    private static partial Regex ScopeType();

    [GeneratedRegex(@"variables\('(?<name>\w+)'\)")]
    private static partial Regex VariableName();

    [GeneratedRegex(@"createObject\('role', variables\('roles'\)\.(?<role>\w+)\), variables\('(?<principal>app|user)'\)")]
    private static partial Regex Grant();
}
