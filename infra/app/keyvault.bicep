// Key Vault in RBAC mode for the integration secrets. Secret values are never in the templates or in azd's
// parameters: a secret is created only when its @secure parameter is given (az deployment ... -p), otherwise it is
// set after provisioning (see README, "Provision and deploy"); a later provision never overwrites it.

import { tagsType, secretNamesType } from 'types.bicep'

@description('Vault name (3-24 letters, digits and hyphens).')
@minLength(3)
@maxLength(24)
param name string

@description('Region.')
param location string

@description('Tags.')
param tags tagsType

@description('Names of the secrets the app reads.')
param secretNames secretNamesType

@description('Slack signing secret; empty: set it after provisioning.')
@secure()
param slackSigningSecret string = ''

@description('Slack bot token; empty: set it after provisioning.')
@secure()
param slackBotToken string = ''

@description('GitHub token; empty: set it after provisioning.')
@secure()
param githubToken string = ''

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource slackSigningSecretValue 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(slackSigningSecret)) {
  parent: vault
  name: secretNames.slackSigningSecret
  properties: {
    value: slackSigningSecret
  }
}

resource slackBotTokenValue 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(slackBotToken)) {
  parent: vault
  name: secretNames.slackBotToken
  properties: {
    value: slackBotToken
  }
}

resource githubTokenValue 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(githubToken)) {
  parent: vault
  name: secretNames.githubToken
  properties: {
    value: githubToken
  }
}

@description('Vault name.')
output name string = vault.name

@description('Vault URI, for example https://<name>.vault.azure.net/.')
output uri string = vault.properties.vaultUri
