// Service Bus: the agent-events topic that other components subscribe to. Local (SAS) auth is off; senders and
// receivers are authorized by role (rbac.bicep). Duplicate detection drops a re-sent event with the same MessageId
// (the platform's event ids are deterministic, so a retried activity publishes nothing twice).

import { tagsType } from 'types.bicep'

@description('Namespace name.')
@minLength(6)
@maxLength(50)
param name string

@description('Region.')
param location string

@description('Tags.')
param tags tagsType

@description('Topic name.')
param topicName string

@description('How long the topic remembers message ids for duplicate detection (ISO 8601).')
param duplicateDetectionWindow string = 'PT10M'

@description('How long an event waits in a subscription before it expires (ISO 8601).')
param messageTimeToLive string = 'P14D'

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    // Standard: topics and duplicate detection (Basic has neither).
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: topicName
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    defaultMessageTimeToLive: messageTimeToLive
    supportOrdering: true
    enableBatchedOperations: true
  }
}

@description('Namespace name.')
output name string = namespace.name

// serviceBusEndpoint is https://<name>.servicebus.windows.net:443/ (the suffix differs in sovereign clouds).
@description('Fully qualified namespace, for example <name>.servicebus.windows.net.')
output fullyQualifiedNamespace string = split(split(split(namespace.properties.serviceBusEndpoint, '//')[1], '/')[0], ':')[0]

@description('Topic name.')
output topicName string = topic.name
