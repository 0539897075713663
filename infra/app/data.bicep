// Cosmos DB for NoSQL: agent memory with vector search. Serverless (pay per request), local (key) auth off: the app
// and the deploying user reach the data plane with Entra ID through Cosmos DB's own SQL role assignments (rbac.bicep).

import { tagsType } from 'types.bicep'

@description('Account name (3-44 lowercase letters, digits and hyphens).')
@minLength(3)
@maxLength(44)
param name string

@description('Region.')
param location string

@description('Tags.')
param tags tagsType

@description('Database name.')
param databaseName string

@description('Memory container name.')
param memoryContainerName string

@description('Partition key path of the memory container.')
param memoryPartitionKeyPath string

@description('Path of the embedding vector in a memory item.')
param embeddingPath string

@description('Embedding dimensions: 384 for all-MiniLM-L6-v2, the model the platform embeds with.')
@minValue(1)
@maxValue(4096)
param embeddingDimensions int = 384

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: [
      { name: 'EnableServerless' }
      { name: 'EnableNoSQLVectorSearch' }
    ]
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-10-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource memory 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = {
  parent: database
  name: memoryContainerName
  properties: {
    resource: {
      id: memoryContainerName
      partitionKey: {
        paths: [memoryPartitionKeyPath]
        kind: 'Hash'
        version: 2
      }
      vectorEmbeddingPolicy: {
        vectorEmbeddings: [
          {
            path: embeddingPath
            dataType: 'float32'
            distanceFunction: 'cosine'
            dimensions: embeddingDimensions
          }
        ]
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          { path: '/*' }
        ]
        // The vector is indexed by the vector index only, not by the range index.
        excludedPaths: [
          { path: '/"_etag"/?' }
          { path: '${embeddingPath}/*' }
        ]
        vectorIndexes: [
          {
            path: embeddingPath
            type: 'quantizedFlat'
          }
        ]
      }
    }
  }
}

@description('Account name.')
output name string = account.name

@description('Account endpoint, for example https://<name>.documents.azure.com:443/.')
output endpoint string = account.properties.documentEndpoint

@description('Database name.')
output databaseName string = database.name

@description('Memory container name.')
output memoryContainerName string = memory.name
