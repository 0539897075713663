// Every data-plane access, in one place. The app's managed identity gets the least it needs; the deploying user
// (azd's AZURE_PRINCIPAL_ID) gets the data roles needed to debug: read the event log and payloads, look at the task
// hub, send and receive on the topic, set the Key Vault secrets, call the models, query memory.
// Each assignment is named guid(scope id, principal id, role id), so a re-provision finds the same one.

@description('Principal id of the app\'s user-assigned managed identity.')
param appPrincipalId string

@description('Principal id of the deploying user; empty: no assignments for a user.')
param userPrincipalId string = ''

@description('Kind of principal userPrincipalId is.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param userPrincipalType string = 'User'

@description('Storage account name.')
param storageAccountName string

@description('Service Bus namespace name.')
param serviceBusNamespaceName string

@description('Service Bus topic name.')
param topicName string

@description('Key Vault name.')
param keyVaultName string

@description('Cosmos DB account name.')
param cosmosAccountName string

@description('Azure OpenAI account name.')
param openAiName string

@description('Application Insights name.')
param appInsightsName string

// Built-in roles (Azure RBAC; ids are the same in every tenant).
var roles = {
  // Storage Blob Data Owner: the Functions host (AzureWebJobsStorage: host locks, keys and secrets blobs), the Flex
  // Consumption deployment package and the platform's containers. The host's identity-based storage connection
  // asks for Owner.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Storage Blob Data Contributor: the user reads and writes blobs (event log, payloads) without owning ACLs.
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  // Storage Queue Data Contributor: Durable Functions control and work-item queues.
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // Storage Table Data Contributor: Durable Functions history and instances tables.
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Azure Service Bus Data Sender: publish to the agent-events topic.
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  // Azure Service Bus Data Receiver: receive from the topic's subscriptions (user, to debug).
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  // Key Vault Secrets User: read secret values (the app's Key Vault references and SDK reads).
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // Key Vault Secrets Officer: set the secret values after provisioning (user).
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  // Cognitive Services OpenAI User: call the deployments (inference only, no management).
  cognitiveServicesOpenAIUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
  // Monitoring Metrics Publisher: send telemetry to Application Insights with Entra ID (local auth is off).
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Cosmos DB Built-in Data Contributor: a Cosmos DB SQL role (data plane), read and write items; not an Azure RBAC role.
var cosmosDataContributor = '00000000-0000-0000-0000-000000000002'

var hasUser = !empty(userPrincipalId)
var app = { principalId: appPrincipalId, principalType: 'ServicePrincipal' }
var user = { principalId: userPrincipalId, principalType: userPrincipalType }

var storageAssignments = concat(
  [
    { role: roles.storageBlobDataOwner, ...app }
    { role: roles.storageQueueDataContributor, ...app }
    { role: roles.storageTableDataContributor, ...app }
  ],
  hasUser
    ? [
        { role: roles.storageBlobDataContributor, ...user }
        { role: roles.storageQueueDataContributor, ...user }
        { role: roles.storageTableDataContributor, ...user }
      ]
    : []
)

var topicAssignments = concat(
  [
    { role: roles.serviceBusDataSender, ...app }
  ],
  hasUser
    ? [
        { role: roles.serviceBusDataSender, ...user }
        { role: roles.serviceBusDataReceiver, ...user }
      ]
    : []
)

var keyVaultAssignments = concat(
  [
    { role: roles.keyVaultSecretsUser, ...app }
  ],
  hasUser ? [{ role: roles.keyVaultSecretsOfficer, ...user }] : []
)

var openAiAssignments = concat(
  [
    { role: roles.cognitiveServicesOpenAIUser, ...app }
  ],
  hasUser ? [{ role: roles.cognitiveServicesOpenAIUser, ...user }] : []
)

var appInsightsAssignments = [
  { role: roles.monitoringMetricsPublisher, ...app }
]

var cosmosPrincipalIds = concat([appPrincipalId], hasUser ? [userPrincipalId] : [])

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName

  resource topic 'topics' existing = {
    name: topicName
  }
}

resource keyVault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' existing = {
  name: cosmosAccountName
}

resource openAi 'Microsoft.CognitiveServices/accounts@2025-06-01' existing = {
  name: openAiName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in storageAssignments: {
    name: guid(storage.id, a.principalId, a.role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.role)
      principalId: a.principalId
      principalType: a.principalType
    }
  }
]

resource topicRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in topicAssignments: {
    name: guid(serviceBus::topic.id, a.principalId, a.role)
    scope: serviceBus::topic
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.role)
      principalId: a.principalId
      principalType: a.principalType
    }
  }
]

resource keyVaultRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in keyVaultAssignments: {
    name: guid(keyVault.id, a.principalId, a.role)
    scope: keyVault
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.role)
      principalId: a.principalId
      principalType: a.principalType
    }
  }
]

resource openAiRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in openAiAssignments: {
    name: guid(openAi.id, a.principalId, a.role)
    scope: openAi
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.role)
      principalId: a.principalId
      principalType: a.principalType
    }
  }
]

resource appInsightsRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in appInsightsAssignments: {
    name: guid(appInsights.id, a.principalId, a.role)
    scope: appInsights
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.role)
      principalId: a.principalId
      principalType: a.principalType
    }
  }
]

// One at a time: Cosmos DB rejects concurrent changes to an account's role assignments.
@batchSize(1)
resource cosmosRoles 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-10-15' = [
  for principalId in cosmosPrincipalIds: {
    parent: cosmos
    name: guid(cosmos.id, principalId, cosmosDataContributor)
    properties: {
      roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributor}'
      principalId: principalId
      scope: cosmos.id
    }
  }
]
