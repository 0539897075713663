// The one user-assigned managed identity the app runs as: every data-plane access is a role assignment to it.

import { tagsType } from 'types.bicep'

@description('Identity name.')
param name string

@description('Region.')
param location string

@description('Tags.')
param tags tagsType

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id (the app\'s identity, the Flex deployment storage and Key Vault references).')
output id string = identity.id

@description('Name.')
output name string = identity.name

@description('Client id: the __clientId / ManagedIdentityClientId settings.')
output clientId string = identity.properties.clientId

@description('Principal (object) id: the role assignments.')
output principalId string = identity.properties.principalId
