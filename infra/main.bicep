// AgentFunctions on Azure: what `azd up` provisions (then it deploys functions/AgentFunctions to the app).
// Resources are declared in the local modules under app/ (registry modules cannot be restored on the build machines).

targetScope = 'subscription'

import { tagsType, modelTiersType, platformContainersType, secretNamesType } from 'app/types.bicep'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment (AZURE_ENV_NAME): the resource group name, the azd-env-name tag and the seed of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource (AZURE_LOCATION): one that offers the Flex Consumption plan and the Azure OpenAI models and SKUs in modelTiers.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the deploying user (AZURE_PRINCIPAL_ID): given the data roles needed to debug. Empty: none.')
param principalId string = ''

@description('Kind of principal principalId is (ServicePrincipal when a pipeline provisions).')
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('One Azure OpenAI deployment per router tier, and the settings Models:Tiers:{tier}:0:* that describe it. Prices are USD per million tokens.')
param modelTiers modelTiersType = {
  small: {
    model: 'gpt-4o-mini'
    version: '2024-07-18'
    deployment: 'gpt-4o-mini'
    sku: 'GlobalStandard'
    capacity: 30
    inputPricePerMillion: '0.15'
    outputPricePerMillion: '0.60'
    latency: 'Fast'
    contextTokens: 128000
    maxSensitivity: 'Confidential'
    structuredOutputs: true
  }
  frontier: {
    model: 'gpt-4o'
    version: '2024-11-20'
    deployment: 'gpt-4o'
    sku: 'GlobalStandard'
    capacity: 30
    inputPricePerMillion: '2.50'
    outputPricePerMillion: '10.00'
    latency: 'Standard'
    contextTokens: 128000
    maxSensitivity: 'Confidential'
    structuredOutputs: true
  }
  long_context: {
    model: 'gpt-4.1-mini'
    version: '2025-04-14'
    deployment: 'gpt-4.1-mini'
    sku: 'GlobalStandard'
    capacity: 30
    inputPricePerMillion: '0.40'
    outputPricePerMillion: '1.60'
    latency: 'Standard'
    contextTokens: 1000000
    maxSensitivity: 'Confidential'
    structuredOutputs: true
  }
}

@description('Slack Web API base URL (Slack:ApiBaseUrl).')
param slackApiBaseUrl string = 'https://slack.com/api'

@description('Slack user ids allowed to approve or revise from Slack, comma-separated (Slack:Approvers); empty: nobody decides from Slack.')
param slackApprovers string = ''

@description('OpenID Connect authority for the API\'s access tokens (Auth:Authority); empty: not configured yet.')
param authAuthority string = ''

@description('Audience of the API\'s access tokens (Auth:Audience); empty: not configured yet.')
param authAudience string = ''

@description('Slack signing secret, stored in Key Vault when given; empty (the default, and always under azd): set it after provisioning.')
@secure()
param slackSigningSecret string = ''

@description('Slack bot token, stored in Key Vault when given; empty: set it after provisioning.')
@secure()
param slackBotToken string = ''

@description('GitHub repository (owner/name) that the sample workspace\'s pull requests go to, through Octokit with the Key Vault secret github-token. Empty (the default): the local publisher (a bare repository on the app\'s own disk), for a trial only.')
param githubRepository string = ''

@description('GitHub token, stored in Key Vault when given; empty: set it after provisioning.')
@secure()
param githubToken string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags tagsType = { 'azd-env-name': environmentName }

var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

var platformContainers platformContainersType = {
  events: 'agent-events'
  payloads: 'agent-payloads'
  turns: 'agent-turns'
  budgets: 'agent-budgets'
}

var secretNames secretNamesType = {
  slackSigningSecret: 'slack-signing-secret'
  slackBotToken: 'slack-bot-token'
  githubToken: 'github-token'
}

// Names known when the deployment starts (what-if can predict the role assignments on them).
var names = {
  identity: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
  logAnalytics: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  appInsights: '${abbrs.insightsComponents}${resourceToken}'
  storage: '${abbrs.storageStorageAccounts}${resourceToken}'
  serviceBus: '${abbrs.serviceBusNamespaces}${resourceToken}'
  keyVault: '${abbrs.keyVaultVaults}${resourceToken}'
  cosmos: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
  openAi: '${abbrs.cognitiveServicesOpenAI}${resourceToken}'
  plan: '${abbrs.webServerFarms}${resourceToken}'
}

var eventTopicName = 'agent-events'
var memory = {
  database: 'agents'
  container: 'memory'
  partitionKeyPath: '/scope'
  embeddingPath: '/embedding'
}

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    platformContainers: platformContainers
  }
}

module messaging 'app/messaging.bicep' = {
  scope: rg
  params: {
    name: names.serviceBus
    location: location
    tags: tags
    topicName: eventTopicName
  }
}

module keyVault 'app/keyvault.bicep' = {
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    secretNames: secretNames
    slackSigningSecret: slackSigningSecret
    slackBotToken: slackBotToken
    githubToken: githubToken
  }
}

module data 'app/data.bicep' = {
  scope: rg
  params: {
    name: names.cosmos
    location: location
    tags: tags
    databaseName: memory.database
    memoryContainerName: memory.container
    memoryPartitionKeyPath: memory.partitionKeyPath
    embeddingPath: memory.embeddingPath
  }
}

module ai 'app/ai.bicep' = {
  scope: rg
  params: {
    name: names.openAi
    location: location
    tags: tags
    modelTiers: modelTiers
  }
}

module rbac 'app/rbac.bicep' = {
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    topicName: eventTopicName
    keyVaultName: names.keyVault
    cosmosAccountName: names.cosmos
    openAiName: names.openAi
    appInsightsName: names.appInsights
  }
  // The resources it assigns roles on (referenced by name, known at the start, not by their outputs).
  dependsOn: [
    storage
    messaging
    keyVault
    data
    ai
    monitoring
  ]
}

module api 'app/api.bicep' = {
  scope: rg
  params: {
    name: functionAppName
    planName: names.plan
    location: location
    tags: tags
    serviceName: 'api' // azure.yaml: services.api
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    platformContainers: platformContainers
    appInsightsConnectionString: monitoring.outputs.connectionString
    openAiEndpoint: ai.outputs.endpoint
    modelTiers: modelTiers
    serviceBusFullyQualifiedNamespace: messaging.outputs.fullyQualifiedNamespace
    eventTopicName: messaging.outputs.topicName
    keyVaultName: keyVault.outputs.name
    keyVaultUri: keyVault.outputs.uri
    secretNames: secretNames
    cosmosEndpoint: data.outputs.endpoint
    cosmosDatabaseName: data.outputs.databaseName
    cosmosMemoryContainerName: data.outputs.memoryContainerName
    slackApiBaseUrl: slackApiBaseUrl
    slackApprovers: slackApprovers
    authAuthority: authAuthority
    githubRepository: githubRepository
    authAudience: authAudience
  }
  // The app starts with its data-plane roles in place (the host opens its storage at once).
  dependsOn: [
    rbac
  ]
}

// azd writes these into the environment (.azure/<env>/.env); UPPER_SNAKE like the azd templates.
@description('Region.')
output AZURE_LOCATION string = location

@description('Tenant.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Function app name.')
output AZURE_FUNCTION_APP_NAME string = api.outputs.name

@description('Function app URL (the HTTP API is under /api).')
output AZURE_FUNCTION_APP_URI string = api.outputs.uri

@description('The app azd deploys the api service to.')
output SERVICE_API_NAME string = api.outputs.name

@description('Client id of the app\'s managed identity.')
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId

@description('Name of the app\'s managed identity.')
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name

@description('Storage account.')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Blob endpoint (Storage:BlobServiceUri).')
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint

@description('Queue endpoint (Durable Functions).')
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint

@description('Table endpoint (Durable Functions).')
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint

@description('Service Bus namespace (EventStream:FullyQualifiedNamespace).')
output AZURE_SERVICEBUS_FULLY_QUALIFIED_NAMESPACE string = messaging.outputs.fullyQualifiedNamespace

@description('Service Bus topic (EventStream:Topic).')
output AZURE_SERVICEBUS_TOPIC string = messaging.outputs.topicName

@description('Key Vault name.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name

@description('Key Vault URI (KeyVault:Uri).')
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri

@description('Cosmos DB endpoint (Memory:CosmosEndpoint).')
output AZURE_COSMOS_ENDPOINT string = data.outputs.endpoint

@description('Cosmos DB database (Memory:Database).')
output AZURE_COSMOS_DATABASE string = data.outputs.databaseName

@description('Cosmos DB memory container (Memory:Container).')
output AZURE_COSMOS_CONTAINER string = data.outputs.memoryContainerName

@description('Azure OpenAI account.')
output AZURE_OPENAI_NAME string = ai.outputs.name

@description('Azure OpenAI endpoint (Models:Providers:azure:Endpoint).')
output AZURE_OPENAI_ENDPOINT string = ai.outputs.endpoint

@description('Deployment of the small tier.')
output AZURE_OPENAI_SMALL_DEPLOYMENT string = ai.outputs.deploymentNames[0]

@description('Deployment of the frontier tier.')
output AZURE_OPENAI_FRONTIER_DEPLOYMENT string = ai.outputs.deploymentNames[1]

@description('Deployment of the long_context tier.')
output AZURE_OPENAI_LONG_CONTEXT_DEPLOYMENT string = ai.outputs.deploymentNames[2]

@description('Application Insights name.')
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName

@description('Application Insights connection string (not a secret with local auth off).')
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
