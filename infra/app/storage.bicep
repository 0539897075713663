// The storage account: the Functions host and the Durable Functions task hub (AzureWebJobsStorage, by managed
// identity), the Flex Consumption deployment package, and the platform's blob containers. Shared keys are off:
// every access is Entra ID (rbac.bicep).

import { tagsType, platformContainersType } from 'types.bicep'

@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Region.')
param location string

@description('Tags.')
param tags tagsType

@description('Container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('The platform\'s containers (the app also creates them on first use).')
param platformContainers platformContainersType

@description('Days a deleted blob or container can be restored (the event log is an audit trail).')
@minValue(1)
param softDeleteDays int = 7

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for container in [deploymentContainerName, platformContainers.events, platformContainers.payloads, platformContainers.turns, platformContainers.budgets]: {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
    }
  }
]

@description('Storage account name.')
output name string = storage.name

@description('Blob endpoint, for example https://<name>.blob.core.windows.net/.')
output blobEndpoint string = storage.properties.primaryEndpoints.blob

@description('Queue endpoint (Durable Functions work items).')
output queueEndpoint string = storage.properties.primaryEndpoints.queue

@description('Table endpoint (Durable Functions history and instances).')
output tableEndpoint string = storage.properties.primaryEndpoints.table
