// The Functions app on the Flex Consumption plan (.NET isolated worker, Durable Functions on Azure Storage), running as
// the user-assigned managed identity. App settings hold endpoints, names and the identity's client id, never a key:
// every service is reached with Entra ID. Keys are the configuration keys the app binds (Section__Property).

import { tagsType, modelTiersType, platformContainersType, secretNamesType } from 'types.bicep'

@description('Function app name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Region.')
param location string

@description('Tags (the app also gets azd-service-name).')
param tags tagsType

@description('azd service name in azure.yaml: azd deploys the service to the app with this azd-service-name tag.')
param serviceName string

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('Client id of the user-assigned managed identity.')
param identityClientId string

@description('Blob endpoint of the storage account.')
param storageBlobEndpoint string

@description('Queue endpoint of the storage account.')
param storageQueueEndpoint string

@description('Table endpoint of the storage account.')
param storageTableEndpoint string

@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('The platform\'s blob containers.')
param platformContainers platformContainersType

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Azure OpenAI endpoint.')
param openAiEndpoint string

@description('Model tiers and their deployments.')
param modelTiers modelTiersType

@description('Service Bus fully qualified namespace.')
param serviceBusFullyQualifiedNamespace string

@description('Service Bus topic for agent events.')
param eventTopicName string

@description('Key Vault name (Key Vault references).')
param keyVaultName string

@description('Key Vault URI.')
param keyVaultUri string

@description('Names of the Key Vault secrets.')
param secretNames secretNamesType

@description('Cosmos DB endpoint.')
param cosmosEndpoint string

@description('Cosmos DB database.')
param cosmosDatabaseName string

@description('Cosmos DB memory container.')
param cosmosMemoryContainerName string

@description('Slack Web API base URL.')
param slackApiBaseUrl string

@description('Slack user ids allowed to approve or revise from Slack, comma-separated.')
param slackApprovers string

@description('OpenID Connect authority that issues the API\'s access tokens; empty: not configured.')
param authAuthority string

@description('Audience the API\'s access tokens must carry; empty: not configured.')
param authAudience string

@description('GitHub repository (owner/name) for the sample workspace\'s pull requests; empty: the local publisher.')
param githubRepository string

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource api 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// Flex Consumption takes the worker runtime from functionAppConfig: FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION are not allowed here.
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: api
  name: 'appsettings'
  properties: {
    // Functions host storage and the Durable Functions task hub (host.json: Azure Storage provider), by identity.
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
    AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
    AzureWebJobsStorage__tableServiceUri: storageTableEndpoint

    // Application Insights with Entra ID (its local auth is off).
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

    // DefaultAzureCredential anywhere in the app picks the user-assigned identity.
    AZURE_CLIENT_ID: identityClientId

    // Storage (Agents.Core StorageOptions): blob by managed identity; no Storage__ConnectionString in Azure.
    Storage__BlobServiceUri: storageBlobEndpoint
    Storage__ManagedIdentityClientId: identityClientId
    Storage__EventsContainer: platformContainers.events
    Storage__PayloadsContainer: platformContainers.payloads
    Storage__TurnsContainer: platformContainers.turns
    Storage__BudgetsContainer: platformContainers.budgets

    // Models (ModelOptions): one Azure OpenAI provider named azure, Entra ID only.
    Models__Providers__azure__Kind: 'AzureOpenAI'
    Models__Providers__azure__Endpoint: openAiEndpoint
    Models__Providers__azure__ManagedIdentityClientId: identityClientId

    Models__Tiers__small__0__Provider: 'azure'
    Models__Tiers__small__0__Model: modelTiers.small.model
    Models__Tiers__small__0__Deployment: modelTiers.small.deployment
    Models__Tiers__small__0__InputPricePerMillion: modelTiers.small.inputPricePerMillion
    Models__Tiers__small__0__OutputPricePerMillion: modelTiers.small.outputPricePerMillion
    Models__Tiers__small__0__Latency: modelTiers.small.latency
    Models__Tiers__small__0__MaxSensitivity: modelTiers.small.maxSensitivity
    Models__Tiers__small__0__ContextTokens: string(modelTiers.small.contextTokens)
    Models__Tiers__small__0__StructuredOutputs: modelTiers.small.structuredOutputs ? 'true' : 'false'

    Models__Tiers__frontier__0__Provider: 'azure'
    Models__Tiers__frontier__0__Model: modelTiers.frontier.model
    Models__Tiers__frontier__0__Deployment: modelTiers.frontier.deployment
    Models__Tiers__frontier__0__InputPricePerMillion: modelTiers.frontier.inputPricePerMillion
    Models__Tiers__frontier__0__OutputPricePerMillion: modelTiers.frontier.outputPricePerMillion
    Models__Tiers__frontier__0__Latency: modelTiers.frontier.latency
    Models__Tiers__frontier__0__MaxSensitivity: modelTiers.frontier.maxSensitivity
    Models__Tiers__frontier__0__ContextTokens: string(modelTiers.frontier.contextTokens)
    Models__Tiers__frontier__0__StructuredOutputs: modelTiers.frontier.structuredOutputs ? 'true' : 'false'

    Models__Tiers__long_context__0__Provider: 'azure'
    Models__Tiers__long_context__0__Model: modelTiers.long_context.model
    Models__Tiers__long_context__0__Deployment: modelTiers.long_context.deployment
    Models__Tiers__long_context__0__InputPricePerMillion: modelTiers.long_context.inputPricePerMillion
    Models__Tiers__long_context__0__OutputPricePerMillion: modelTiers.long_context.outputPricePerMillion
    Models__Tiers__long_context__0__Latency: modelTiers.long_context.latency
    Models__Tiers__long_context__0__MaxSensitivity: modelTiers.long_context.maxSensitivity
    Models__Tiers__long_context__0__ContextTokens: string(modelTiers.long_context.contextTokens)
    Models__Tiers__long_context__0__StructuredOutputs: modelTiers.long_context.structuredOutputs ? 'true' : 'false'

    // The event stream (Service Bus), secrets (Key Vault: the app reads github-token and the Slack secrets by name),
    // memory (Cosmos DB vector search), Slack, the API's token issuer and where pull requests go.
    EventStream__FullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
    EventStream__Topic: eventTopicName
    EventStream__ManagedIdentityClientId: identityClientId
    KeyVault__Uri: keyVaultUri
    KeyVault__ManagedIdentityClientId: identityClientId
    Memory__CosmosEndpoint: cosmosEndpoint
    Memory__Database: cosmosDatabaseName
    Memory__Container: cosmosMemoryContainerName
    Memory__ManagedIdentityClientId: identityClientId
    Slack__ApiBaseUrl: slackApiBaseUrl
    Slack__Approvers: slackApprovers
    // Key Vault references: the platform reads the secret as the managed identity (keyVaultReferenceIdentity); the app
    // sees the value. Until the secret is set the app sees the reference text itself.
    Slack__SigningSecret: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.slackSigningSecret})'
    Slack__BotToken: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.slackBotToken})'
    Publishing__Provider: empty(githubRepository) ? 'Local' : 'GitHub'
    Publishing__GitHub__Repositories__inventory_service__Owner: empty(githubRepository) ? '' : split(githubRepository, '/')[0]
    Publishing__GitHub__Repositories__inventory_service__Name: empty(githubRepository) ? '' : last(split(githubRepository, '/'))
    Auth__Authority: authAuthority
    Auth__Audience: authAudience
  }
}

@description('Function app name.')
output name string = api.name

@description('Default URL of the app.')
output uri string = 'https://${api.properties.defaultHostName}'
