// Azure OpenAI: one deployment per model tier of the router. Local (key) auth is off and the account has a custom
// subdomain, which Entra ID authentication needs; the app calls it as the managed identity (Cognitive Services
// OpenAI User, rbac.bicep).

import { tagsType, modelTiersType } from 'types.bicep'

@description('Account name, also its custom subdomain (<name>.openai.azure.com).')
@minLength(2)
@maxLength(64)
param name string

@description('Region: one that offers the models and SKUs below.')
param location string

@description('Tags.')
param tags tagsType

@description('The deployments, one per tier.')
param modelTiers modelTiersType

resource openAi 'Microsoft.CognitiveServices/accounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
    }
  }
}

// One at a time: an account rejects concurrent deployment changes.
@batchSize(1)
resource deployments 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = [
  for tier in [modelTiers.small, modelTiers.frontier, modelTiers.long_context]: {
    parent: openAi
    name: tier.deployment
    sku: {
      name: tier.sku
      capacity: tier.capacity
    }
    properties: {
      model: {
        format: 'OpenAI'
        name: tier.model
        version: tier.version
      }
      versionUpgradeOption: 'OnceCurrentVersionExpired'
    }
  }
]

@description('Account name.')
output name string = openAi.name

@description('Endpoint, for example https://<name>.openai.azure.com/.')
output endpoint string = openAi.properties.endpoint

@description('Deployment names, in tier order small, frontier, long_context.')
output deploymentNames string[] = [for (tier, i) in [modelTiers.small, modelTiers.frontier, modelTiers.long_context]: deployments[i].name]
